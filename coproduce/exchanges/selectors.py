"""Reads of exchanges."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from coproduce.core.errors import NotFound

from .models import Exchange, ExchangeStatus, Participant, ParticipantRole


def _with_people(qs: QuerySet[Exchange]) -> QuerySet[Exchange]:
    return qs.select_related("community", "recorded_by", "recorded_for", "decided_by", "transfer").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("person").order_by("role", "id")),
        "expenses",
    )


def exchange_get(community, exchange_id: int) -> Exchange:
    try:
        return _with_people(Exchange.objects.filter(community=community)).get(pk=exchange_id)
    except (Exchange.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such exchange.") from None


def exchanges_to_confirm(community, person) -> list[Exchange]:
    """Recorded exchanges waiting for this person's side to answer."""
    mine = Exchange.objects.filter(
        community=community, status=ExchangeStatus.RECORDED, participants__person=person
    ).exclude(recorded_for=person)
    candidates = list(_with_people(mine).order_by("auto_confirm_at", "id"))
    result = []
    for exchange in candidates:
        roles = {p.person_id: p.role for p in exchange.participants.all()}
        if roles.get(exchange.recorded_for_id) != roles.get(person.pk):
            result.append(exchange)
    return result


def exchanges_of(community, person, *, before_id: int | None = None, limit: int = 50) -> list[Exchange]:
    qs = Exchange.objects.filter(community=community, participants__person=person)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return list(_with_people(qs).order_by("-id")[:limit])


def exchanges_for_coordinator(community, *, status: str | None = None, before_id: int | None = None,
                              limit: int = 50) -> list[Exchange]:
    qs = Exchange.objects.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return list(_with_people(qs).order_by("-id")[:limit])


def providers_of(exchange: Exchange) -> list:
    return [p.person for p in exchange.participants.all() if p.role == ParticipantRole.PROVIDER]


def recipients_of(exchange: Exchange) -> list:
    return [p.person for p in exchange.participants.all() if p.role == ParticipantRole.RECIPIENT]


def disputed(community) -> list[Exchange]:
    return list(_with_people(Exchange.objects.filter(community=community, status=ExchangeStatus.DISPUTED)))


