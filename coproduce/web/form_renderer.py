"""The form renderer (settings.FORM_RENDERER): Django's own, with its standard widget templates
written out in Python.

Why: Django renders every widget through two to four nested templates (a checkbox in a list is
checkbox_option → input_option → input → attrs), and each costs tens of microseconds in the
template engine. The listing search page has 21 availability checkboxes, three radios and a
select of 50 categories: rendering them took 5-6 ms, more than half of the page's template time
(docs/benchmarks.md, "Render cost"). The functions below return exactly what those templates
return, character for character: `tests/web/test_form_renderer.py` renders a catalogue of
widgets, values and attributes both ways and compares them, so a Django upgrade that changes
a template fails there. Any other template (a widget template of our own or of a library,
files, multi-widgets, forms and their errors) goes through Django's templates as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.template.context import Context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
# Only what render_value_in_context reads: autoescape on, the default time zone and l10n.
_CONTEXT = Context(autoescape=True)


def _out(value: Any) -> str:
    """`{{ value }}`: localized as the engine does, then escaped unless already safe."""
    return render_value_in_context(value, _CONTEXT)


def _str(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` (the filter keeps a safe value safe)."""
    text = stringformat(value, "s")
    return _out(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308 - it was safe


def _attrs(attrs: dict) -> str:
    """attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(" " + _out(name))
            if value is not True:
                parts.append('="' + _str(value) + '"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = f' value="{_str(value)}"' if value is not None else ""
    type_, name = _out(widget["type"]), _out(widget["name"])
    return f'<input type="{type_}" name="{name}"{shown}{_attrs(widget["attrs"])}>\n'


def _input_option(widget: dict) -> str:
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    label_for = widget["attrs"].get("id")
    opening = f'<label for="{_out(label_for)}">' if label_for else "<label>"
    return f"{opening}{_input(widget)} {_out(widget['label'])}</label>\n"


def _select_option(widget: dict) -> str:
    value, label = _str(widget["value"]), _out(widget["label"])
    return f'<option value="{value}"{_attrs(widget["attrs"])}>{label}</option>\n'


def _textarea(widget: dict) -> str:
    value = _out(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'
    )


def _including(render: Callable[[dict], str]) -> Callable[[dict], str]:
    """A template that is only `{% include "…" %}` and its own line end."""
    return lambda widget: render(widget) + "\n"


# Templates whose options are rendered by their own templates (select, multiple_input) are
# methods of the renderer below: an option with a template not listed here falls back.
SIMPLE: dict[str, Callable[[dict], str]] = {
    WIDGETS + "input.html": _input,
    WIDGETS + "input_option.html": _input_option,
    WIDGETS + "select_option.html": _select_option,
    WIDGETS + "textarea.html": _textarea,
    WIDGETS + "radio_option.html": _including(_input_option),
    WIDGETS + "checkbox_option.html": _including(_input_option),
    **{
        f"{WIDGETS}{name}.html": _including(_input)
        for name in (
            "text",
            "search",
            "number",
            "email",
            "password",
            "hidden",
            "url",
            "tel",
            "date",
            "datetime",
            "time",
            "color",
            "checkbox",
            "file",
        )
    },
}


class FormRenderer(DjangoTemplates):
    """DjangoTemplates, except that the widget templates in SIMPLE (and select, radio and
    checkbox lists whose options are all in SIMPLE) are rendered by the functions above."""

    def render(self, template_name, context, request=None):
        fast = self._fast(template_name, context)
        if fast is None:
            return super().render(template_name, context, request=request)
        return fast.strip()

    def _fast(self, template_name: str, context: dict) -> str | None:
        widget = context.get("widget")
        if not isinstance(widget, dict):
            return None
        simple = SIMPLE.get(template_name)
        if simple is not None:
            return simple(widget)
        if template_name == WIDGETS + "select.html":
            return self._select(widget)
        if template_name in (
            WIDGETS + "multiple_input.html",
            WIDGETS + "radio.html",
            WIDGETS + "checkbox_select.html",
        ):
            listed = self._multiple_input(widget)
            if listed is None or template_name == WIDGETS + "multiple_input.html":
                return listed
            return listed + "\n"
        return None

    @staticmethod
    def _options(widget: dict) -> list | None:
        groups = widget["optgroups"]
        if all(option["template_name"] in SIMPLE for _, options, _ in groups for option in options):
            return groups
        return None

    def _select(self, widget: dict) -> str | None:
        groups = self._options(widget)
        if groups is None:
            return None
        parts = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _ in groups:
            if group_name:
                parts.append(f'\n  <optgroup label="{_out(group_name)}">')
            parts.extend("\n  " + SIMPLE[option["template_name"]](option) for option in options)
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>\n")
        return "".join(parts)

    def _multiple_input(self, widget: dict) -> str | None:
        groups = self._options(widget)
        if groups is None:
            return None
        attrs = widget["attrs"]
        parts = ["<div"]
        if attrs.get("id"):
            parts.append(f' id="{_out(attrs["id"])}"')
        if attrs.get("class"):
            parts.append(f' class="{_out(attrs["class"])}"')
        parts.append(">")
        for group, options, _ in groups:
            if group:
                parts.append(f"\n  <div><label>{_out(group)}</label>")
            parts.extend(
                f"<div>\n    {SIMPLE[option['template_name']](option)}</div>" for option in options
            )
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>\n")
        return "".join(parts)
