"""Reads of exchanges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

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
        if exchange.recorded_for_id is None or roles.get(exchange.recorded_for_id) != roles.get(person.pk):
            result.append(exchange)
    return result


def exchanges_of(community, person, *, status: str | None = None, before_id: int | None = None,
                 limit: int = 50) -> list[Exchange]:
    qs = Exchange.objects.filter(community=community, participants__person=person)
    if status:
        qs = qs.filter(status=status)
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




# Web pages -----------------------------------------------------------------------------------
# Each reads a fixed number of queries, however many exchanges it shows.


@dataclass
class ExchangeActions:
    """What one person may do with an exchange: the rules the services enforce, asked in
    advance so a page offers only the buttons that will work."""

    answer: bool  # confirm or decline: the side that did not record it
    dispute: bool  # either side, while it waits for an answer
    settle: bool  # coordinators, once disputed
    reverse: bool  # coordinators, once posted and not yet reversed


@dataclass
class ExchangeDetail:
    exchange: Exchange
    providers: list
    recipients: list
    reversal: Any  # the reversing ledger transfer, if there is one
    actions: ExchangeActions


def _reversal(exchange: Exchange) -> Any:
    if exchange.transfer is None:
        return None
    try:
        return exchange.transfer.reversal
    except ObjectDoesNotExist:
        return None


def exchange_detail(community, exchange_id: int, *, person, coordinates: bool) -> ExchangeDetail:
    """An exchange with its people, expenses, transfer and reversal, and what `person` (the
    viewer, or the member a coordinator acts for) may do with it. Raises NotFound."""
    try:
        exchange = (
            _with_people(Exchange.objects.filter(community=community))
            .select_related("transfer__reversal__actor")
            .get(pk=exchange_id)
        )
    except (Exchange.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such exchange.") from None
    reversal = _reversal(exchange)
    roles = {p.person_id: p.role for p in exchange.participants.all()}
    waiting = exchange.status == ExchangeStatus.RECORDED
    side = roles.get(person.pk)
    recorder_side = roles.get(exchange.recorded_for_id) if exchange.recorded_for_id else None
    return ExchangeDetail(
        exchange=exchange,
        providers=providers_of(exchange),
        recipients=recipients_of(exchange),
        reversal=reversal,
        actions=ExchangeActions(
            answer=waiting and side is not None and side != recorder_side,
            dispute=waiting and side is not None,
            settle=coordinates and exchange.status == ExchangeStatus.DISPUTED,
            reverse=coordinates and exchange.transfer_id is not None and reversal is None,
        ),
    )


@dataclass
class ExchangeRow:
    exchange: Exchange
    gave: bool  # the person was on the giving side
    others: list  # the people on the other side


@dataclass
class ExchangePage:
    rows: list[ExchangeRow]
    older_before: int | None  # the exchange id to continue before, when there are older ones


def exchange_page(community, person, *, before_id: int | None = None, limit: int = 50) -> ExchangePage:
    """A person's exchanges, newest first, keyset-paginated on the id."""
    exchanges = exchanges_of(community, person, before_id=before_id, limit=limit + 1)
    more = len(exchanges) > limit
    exchanges = exchanges[:limit]
    rows = []
    for exchange in exchanges:
        parts = list(exchange.participants.all())
        mine = next((p.role for p in parts if p.person_id == person.pk), None)
        rows.append(ExchangeRow(
            exchange=exchange, gave=mine == ParticipantRole.PROVIDER,
            others=[p.person for p in parts if p.role != mine],
        ))
    return ExchangePage(rows=rows, older_before=exchanges[-1].pk if more and exchanges else None)


def to_confirm_counts(person) -> dict[int, int]:
    """How many recorded exchanges wait for this person's answer, per community id: the rule of
    `exchanges_to_confirm` (the other side answers) in one query."""
    recorder_role = Participant.objects.filter(
        exchange_id=OuterRef("exchange_id"), person_id=OuterRef("exchange__recorded_for_id")
    ).values("role")[:1]
    rows = (
        Participant.objects.filter(person=person, exchange__status=ExchangeStatus.RECORDED)
        .annotate(recorder_role=Subquery(recorder_role))
        .filter(
            Q(role=ParticipantRole.PROVIDER, recorder_role=ParticipantRole.RECIPIENT)
            | Q(role=ParticipantRole.RECIPIENT, recorder_role=ParticipantRole.PROVIDER)
        )
        .values("exchange__community_id")
        .annotate(waiting=Count("id"))
        .order_by()
    )
    return {row["exchange__community_id"]: row["waiting"] for row in rows}
