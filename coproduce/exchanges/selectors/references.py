"""Reads of references after exchanges, and of the concerns among them (for coordinators)."""

from __future__ import annotations

from django.db.models import (
    Q,
    QuerySet,
)

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound

from ..models import (
    PUBLIC_REFERENCE_KINDS,
    Exchange,
    ExchangeReference,
    ExchangeStatus,
    ReferenceKind,
)
from .exchanges import _with_people


def references_about(community, person, viewer) -> list[ExchangeReference]:
    """References about `person` from this community's exchanges, newest first: positive and
    neutral ones for members (the subject included); concerns too for coordinators only."""
    if (
        community_access.is_coordinator(viewer, community)
        and getattr(viewer, "pk", None) != person.pk
    ):
        kinds = list(ReferenceKind.values)  # never concerns about oneself, coordinators included
    elif community_access.membership_of(viewer, community) is not None:
        kinds = list(PUBLIC_REFERENCE_KINDS)
    else:
        return []
    return list(
        ExchangeReference.objects.filter(
            exchange__community=community, subject=person, kind__in=kinds
        )
        .select_related("author", "subject", "exchange")
        .order_by("-created_at", "-id")[:200]
    )


def references_of_exchange(exchange: Exchange, viewer) -> list[ExchangeReference]:
    """The references left for one exchange that the viewer may read: public ones for the
    people who can see the exchange; concerns only for coordinators and their author."""
    qs = ExchangeReference.objects.filter(exchange=exchange).select_related("author", "subject")
    if not community_access.is_coordinator(viewer, exchange.community):
        qs = qs.filter(
            Q(kind__in=PUBLIC_REFERENCE_KINDS) | Q(author_id=getattr(viewer, "pk", None))
        )
    else:
        qs = qs.exclude(kind=ReferenceKind.CONCERN, subject_id=getattr(viewer, "pk", None))
    return list(qs.order_by("created_at", "id"))


def reference_get(reference_id: int) -> ExchangeReference:
    return ExchangeReference.objects.select_related("author", "subject", "exchange").get(
        pk=reference_id
    )


def references_count(community, person, kind: str = ReferenceKind.POSITIVE) -> int:
    return ExchangeReference.objects.filter(
        exchange__community=community, subject=person, kind=kind
    ).count()


def reference_subjects(exchange: Exchange, person, *, just_confirmed: bool = False) -> list:
    """Who `person` may still leave a reference about for this exchange: the people on the
    other side they have not written about, once it is confirmed and not reversed.

    `just_confirmed`: the caller confirmed it in this request (the service returned it). It
    cannot be reversed yet, nor written about (a reference needs the confirmation committed,
    `references.reference_leave` checks it with the exchange locked): no query."""
    if exchange.status != ExchangeStatus.CONFIRMED or exchange.transfer_id is None:
        return []
    if (
        not just_confirmed
        and Exchange.objects.filter(pk=exchange.pk, transfer__reversal__isnull=False).exists()
    ):
        return []
    parts = list(exchange.participants.all())
    mine = next((p for p in parts if p.person_id == getattr(person, "pk", None)), None)
    if mine is None:
        return []
    done = (
        set()
        if just_confirmed
        else set(
            ExchangeReference.objects.filter(exchange=exchange, author=person).values_list(
                "subject_id", flat=True
            )
        )
    )
    return [p.person for p in parts if p.role != mine.role and p.person_id not in done]


def references_waiting(person, community) -> list[tuple[Exchange, list]]:
    """Confirmed exchanges in which `person` may still leave a reference, each with the people
    it could be about, newest first."""
    qs = (
        Exchange.objects.filter(
            community=community,
            status=ExchangeStatus.CONFIRMED,
            participants__person=person,
            transfer__isnull=False,
        )
        .exclude(transfer__reversal__isnull=False)
        .order_by("-id")
    )
    exchanges = list(_with_people(qs)[:100])
    done: dict[int, set[int]] = {}
    for exchange_id, subject_id in ExchangeReference.objects.filter(
        exchange__in=[e.pk for e in exchanges], author=person
    ).values_list("exchange_id", "subject_id"):
        done.setdefault(exchange_id, set()).add(subject_id)
    result = []
    for exchange in exchanges:
        parts = list(exchange.participants.all())
        role = next(p.role for p in parts if p.person_id == person.pk)
        others = [
            p.person
            for p in parts
            if p.role != role and p.person_id not in done.get(exchange.pk, set())
        ]
        if others:
            result.append((exchange, others))
    return result


def concerns_open(community) -> list[ExchangeReference]:
    """Every concern raised in this community, newest first: for coordinators only (the caller
    checks)."""
    return list(
        ExchangeReference.objects.filter(exchange__community=community, kind=ReferenceKind.CONCERN)
        .select_related("author", "subject", "exchange")
        .order_by("-created_at", "-id")[:500]
    )


def _concerns_for(community, viewer) -> QuerySet[ExchangeReference]:
    # Nobody reads a concern about themselves, coordinators included.
    return ExchangeReference.objects.filter(
        exchange__community=community, kind=ReferenceKind.CONCERN
    ).exclude(subject_id=getattr(viewer, "pk", None))


def concerns_for(
    community, viewer, *, closed: bool = False, limit: int = 200
) -> list[ExchangeReference]:
    """Open concerns (oldest first: they have waited longest), or closed ones (most recently
    closed first), that this coordinator may read: never one about themselves. The caller
    checks that the viewer coordinates. One query."""
    qs = _concerns_for(community, viewer).select_related(
        "author", "subject", "exchange", "concern_closed_by"
    )
    if closed:
        qs = qs.filter(concern_closed_at__isnull=False).order_by("-concern_closed_at", "-id")
    else:
        qs = qs.filter(concern_closed_at__isnull=True).order_by("created_at", "id")
    return list(qs[:limit])


def concerns_open_count(community, viewer) -> int:
    return _concerns_for(community, viewer).filter(concern_closed_at__isnull=True).count()


def concern_get(community, viewer, reference_id: int) -> ExchangeReference:
    """A concern of this community the viewer may read (not one about themselves). Raises
    NotFound."""
    found = (
        _concerns_for(community, viewer)
        .select_related("exchange__community", "subject", "author", "concern_closed_by")
        .filter(pk=reference_id)
        .first()
    )
    if found is None:
        raise NotFound("No such concern.")
    return found
