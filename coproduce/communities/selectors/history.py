"""A member's audit history in a community."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from coproduce.core.models import AuditEvent

from ..models import Community, Person


def person_history(community: Community, person: Person, limit: int = 200) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(person_id=person.pk)
        .filter(Q(community_id=community.pk) | Q(community_id__isnull=True))
        .select_related("actor", "on_behalf_of")
        .order_by("-created_at", "-id")[:limit]
    )


def person_history_events(community: Community, person: Person) -> QuerySet[AuditEvent]:
    """The same rows as `person_history`, unsliced, for keyset pages (newest first)."""
    return (
        AuditEvent.objects.filter(person_id=person.pk)
        .filter(Q(community_id=community.pk) | Q(community_id__isnull=True))
        .select_related("actor", "on_behalf_of")
        .order_by("-created_at", "-id")
    )
