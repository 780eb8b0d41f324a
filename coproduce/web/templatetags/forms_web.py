"""A form field and the week of availability checkboxes, drawn in Python for hot pages.

`{% form_field field %}` draws what `{% include "web/_field.html" with field=field %}` draws and
`{% availability_field field rows help %}` what `{% include "web/_availability.html" … %}` draws,
character for character (tests/web/test_forms_web.py renders both ways over a catalogue of
fields, values and errors). Why: an include costs a context push, a `{% with %}` and a dozen
variable lookups in the template engine per field, about a tenth of the listing search page's
time with its six fields and the week grid (docs/benchmarks.md, "Render cost of five pages").
The templates stay for every other page; a page moves to the tags when its cost matters.

One difference: an include also sees the including page's variables, so a `label`,
`hide_label` or `hide_optional` set on the page reaches `_field.html`; the tags take them only
as arguments."""

from __future__ import annotations

from django import template
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .coproduce_web import field_kind, without_placeholder

register = template.Library()


def _errors(context, field, *, marked: bool) -> str:
    """The field's error list (each error after a hidden "Error:" when marked), or nothing."""
    if not field.errors:
        return ""
    out = render_value_in_context
    prefix = f'<span class="visually-hidden">{gettext("Error:")} </span>' if marked else ""
    items = "".join(f"<li>{prefix}{out(error, context)}</li>" for error in field.errors)
    return f'<ul class="errorlist" id="{out(field.auto_id, context)}_error">{items}</ul>'


def _help(context, field) -> str:
    if not field.help_text:
        return ""
    # `{{ field.help_text|safe }}`: help texts are ours and may hold markup.
    text = render_value_in_context(mark_safe(field.help_text), context)  # noqa: S308
    auto_id = render_value_in_context(field.auto_id, context)
    return f'<div class="help" id="{auto_id}_helptext">{text}</div>'


@register.simple_tag(takes_context=True)
def form_field(context, field, label=None, hide_label=False, hide_optional=False) -> SafeString:
    """`{% form_field form.q %}` (label="…", hide_label=True, hide_optional=True as for
    `web/_field.html`): one field, labelled, with its help and errors."""
    out = render_value_in_context
    kind = field_kind(field)
    if kind == "hidden":
        return mark_safe(f"\n{out(field, context)}\n")  # noqa: S308 - escaped or Django's markup
    label_text = out(label or field.label, context)
    has_error = " has-error" if field.errors else ""
    optional = f' <span class="optional">{gettext("(optional)")}</span>'
    if kind == "group":
        described = field.aria_describedby
        aria = f' aria-describedby="{out(described, context)}"' if described else ""
        if field.field.required or field.widget_type == "checkboxselectmultiple" or hide_optional:
            optional = ""
        options = "".join(
            f'<li>{out(option.tag(), context)}<label for="{out(option.id_for_label, context)}">'
            f"{out(option.choice_label, context)}</label></li>\n      "
            for option in field
        )
        html = (
            f'\n\n<div class="field{has_error}">\n  <fieldset{aria}>\n'
            f"    <legend>{label_text}{optional}</legend>\n"
            f"    {_help(context, field)}\n    {_errors(context, field, marked=True)}\n"
            f'    <ul class="choice-list">\n      {options}\n    </ul>\n  </fieldset>\n</div>\n\n'
        )
    elif kind == "checkbox":
        html = (
            f'\n\n<div class="field checkbox-field{has_error}">\n'
            f"  {_errors(context, field, marked=True)}\n"
            f'  {out(field, context)}<label for="{out(field.id_for_label, context)}">'
            f"{label_text}</label>\n  {_help(context, field)}\n</div>\n\n"
        )
    else:
        if field.field.required or field.widget_type == "search" or hide_optional:
            optional = ""
        hidden = ' class="visually-hidden"' if hide_label else ""
        html = (
            f'\n\n<div class="field{has_error}">\n'
            f'  <label for="{out(field.id_for_label, context)}"{hidden}>{label_text}{optional}'
            f"</label>\n  {_help(context, field)}\n  {_errors(context, field, marked=True)}\n"
            f"  {out(without_placeholder(field), context)}\n</div>\n\n"
        )
    return mark_safe(html)  # noqa: S308 - every value is escaped or is Django's own markup


@register.simple_tag(takes_context=True)
def availability_field(context, field, rows, help) -> SafeString:  # noqa: A002 - the include's name
    """`{% availability_field form.available form.availability_rows help %}`: the week as a grid
    of checkboxes (`web/_availability.html`), `help` the sentence under the legend."""
    out = render_value_in_context
    auto_id = out(field.auto_id, context)
    errors = f" {auto_id}_error" if field.errors else ""
    body = "".join(
        f'\n          <tr>\n            <th scope="row">{out(day, context)}</th>\n            '
        + "".join(
            f'\n            <td>{out(option.tag(), context)}<label for="'
            f'{out(option.id_for_label, context)}"><span class="visually-hidden">'
            f"{out(option.choice_label, context)}</span></label></td>\n            "
            for option in options
        )
        + "\n          </tr>\n        "
        for day, options in rows
    )
    html = (
        f'<div class="field{" has-error" if field.errors else ""}">\n'
        f'    <fieldset class="plain" aria-describedby="{auto_id}_help{errors}">\n'
        f"      <legend>{out(field.label, context)}</legend>\n"
        f'      <p class="help" id="{auto_id}_help">{out(help, context)}</p>\n'
        f"      {_errors(context, field, marked=False)}\n"
        '      <div class="table-wrap" tabindex="0">\n      <table class="availability">\n'
        "        <thead><tr>\n          <td></td>\n"
        f'          <th scope="col">{gettext("Morning")}</th>\n'
        f'          <th scope="col">{gettext("Afternoon")}</th>\n'
        f'          <th scope="col">{gettext("Evening")}</th>\n'
        f"        </tr></thead>\n        <tbody>\n        {body}\n        </tbody>\n"
        "      </table>\n      </div>\n    </fieldset>\n  </div>\n"
    )
    return mark_safe(html)  # noqa: S308 - every value is escaped or is Django's own markup
