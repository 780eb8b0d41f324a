"""Introductions coordinators have made."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from coproduce.core.errors import NotFound

from ..models import Introduction


def introductions_query(community) -> QuerySet[Introduction]:
    """The community's introductions with the people and the listing, unordered."""
    return Introduction.objects.filter(community=community).select_related(
        "made_by", "first", "second", "listing"
    )


def introductions_of(community, *, limit: int = 100) -> list[Introduction]:
    """The latest introductions, newest first. One query."""
    return list(introductions_query(community).order_by("-id")[:limit])


def introduction_get(community, introduction_id: int) -> Introduction:
    found = introductions_query(community).filter(pk=introduction_id).first()
    if found is None:
        raise NotFound("No such introduction.")
    return found


def introduction_counts(community, *, since: dt.datetime) -> dict[str, int]:
    """How many introductions were made since a time (the month's start) and in all. One query."""
    counted = Introduction.objects.filter(community=community).aggregate(
        total=Count("id"), recent=Count("id", filter=Q(created_at__gte=since))
    )
    return {"total": counted["total"] or 0, "recent": counted["recent"] or 0}
