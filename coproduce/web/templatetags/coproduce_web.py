"""Template helpers for showing forms, rules, roles and history in plain language."""

from __future__ import annotations

import copy

import qrcode
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from qrcode.image.svg import SvgPathImage

from coproduce.communities.models import GiftKind, Role
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors.rules import ACTIVITY_TYPES, RULES, VETTING_LEVELS
from coproduce.governance.selectors import follow_up as follow_up_selectors
from coproduce.ledger.selectors.amounts import hours as ledger_hours

from .. import history

register = template.Library()


@register.filter
def member_code(community, number: int) -> str:
    """{{ community|member_code:membership.number }} -> "RIV-0042"."""
    return member_refs_selectors.member_code(community, number)


@register.filter
def field_kind(bound_field) -> str:
    """'group' for radio buttons and checkbox lists (a fieldset), 'checkbox', 'hidden' or
    'single'."""
    if bound_field.is_hidden:
        return "hidden"
    if bound_field.field.widget.use_fieldset:
        return "group"
    if bound_field.widget_type == "checkbox":
        return "checkbox"
    return "single"


@register.filter
def without_placeholder(bound_field):
    """The field's input without a placeholder: the label and help text say what to type, and
    placeholders vanish as people type (some libraries' forms set them)."""
    widget = copy.copy(bound_field.field.widget)
    widget.attrs = {k: v for k, v in widget.attrs.items() if k != "placeholder"}
    return bound_field.as_widget(widget=widget)


@register.filter
def error_anchor(bound_field) -> str:
    """Where a link in the error summary should take the reader: the field, or its first option."""
    if bound_field.field.widget.use_fieldset:
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label


@register.filter
def rule_label(key: str) -> str:
    rule = RULES.get(key)
    return rule.label if rule else key


@register.filter
def rule_value(value, key: str) -> str:
    """A rule's value as members read it: choice labels, 'No limit' for an empty optional rule,
    and the unit."""
    rule = RULES.get(key)
    if rule is None:
        return str(value)
    if rule.kind == "choice":
        return dict(rule.choices).get(value, str(value))
    if key.removeprefix("vetting_") in ACTIVITY_TYPES and value in VETTING_LEVELS:
        return VETTING_LEVELS[value]  # the check level's name, as on the role pages
    if value is None:
        return _("No limit")
    if rule.unit == "minutes":
        hours, minutes = divmod(abs(int(value)), 60)
        sign = "-" if int(value) < 0 else ""
        as_hours = f"{sign}{hours}h" + (f" {minutes}m" if minutes else "")
        return _("%(value)s minutes (%(hours)s)") % {"value": value, "hours": as_hours}
    if rule.unit == "pence":
        return f"£{int(value) / 100:.2f}"
    if rule.unit:
        return f"{value} {rule.unit}"
    return str(value)


@register.filter
def role_label(role: str) -> str:
    if role == "operator":
        return _("Operator")
    try:
        return Role(role).label
    except ValueError:
        return role


@register.filter
def gift_kind_label(kind: str) -> str:
    try:
        return GiftKind(kind).label
    except ValueError:
        return kind


@register.filter
def in_words(event):
    """An audit event as a coordinator reads it on a member's History (web/history.py)."""
    return history.describe(event)


@register.simple_tag
def member_card_qr(membership) -> str:
    """The member card's QR code as inline SVG; it encodes coproduce:<slug>:<member code>."""
    data = f"coproduce:{membership.community.slug}:{membership.member_code}"
    svg = qrcode.make(data, image_factory=SvgPathImage, border=2).to_string(encoding="unicode")
    label = _("QR code for member number %(code)s") % {"code": membership.member_code}
    # The SVG comes from the qrcode library and contains only the encoded path; the label is
    # escaped.
    return mark_safe(
        svg.replace("<svg ", str(format_html('<svg role="img" aria-label="{}" ', label)), 1)
    )  # noqa: S308


@register.filter
def hours(minutes) -> str:
    """Whole minutes as people read them: 90 -> 1h30. The ledger itself counts minutes."""
    try:
        return ledger_hours(int(minutes))
    except (TypeError, ValueError):
        return ""


@register.filter
def signed_hours(minutes) -> str:
    """A change to a balance: +1h30 or −1h30."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    return ("+" if minutes > 0 else "−" if minutes < 0 else "") + ledger_hours(abs(minutes))


@register.filter
def commitment_owner(commitment) -> str:
    """Whose a commitment is, as the record names them (an agency, a member, a group)."""
    return follow_up_selectors.owner_label(commitment)


@register.filter
def dict_get(mapping, key):
    """mapping[key], or None."""
    return mapping.get(key) if hasattr(mapping, "get") else None
