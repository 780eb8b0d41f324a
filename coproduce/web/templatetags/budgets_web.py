"""How the budget pages show amounts: minutes as "3 h 30 min", as the counting writes them."""

from __future__ import annotations

from django import template

from coproduce.governance.selectors.budget_counting import show_hours

register = template.Library()


@register.filter
def hours_shown(minutes) -> str:
    """{{ project.cost_minutes|hours_shown }} -> "3 h 30 min"."""
    return show_hours(int(minutes or 0))
