"""Who a person has blocked."""

from __future__ import annotations

from ..models import Block


def blocked_by(person) -> set[int]:
    """Ids of the people this person has blocked."""
    return set(Block.objects.filter(blocker=person).values_list("blocked_id", flat=True))
