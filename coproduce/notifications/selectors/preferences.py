"""A person's choices about how they are told things."""

from __future__ import annotations

from ..models import Preference


def preference_for(person) -> Preference:
    """The person's choices, or the defaults (an unsaved row) when they never made any. One
    query."""
    return Preference.objects.filter(person=person).first() or Preference(person=person)
