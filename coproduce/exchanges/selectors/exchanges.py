"""Reads of exchanges: one, a person's or a community's, those waiting for an answer, and what
the pages show of them (each page a fixed number of queries, however many exchanges it shows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import NotFound

from .. import access as exchange_access
from ..models import (
    Exchange,
    ExchangeStatus,
    Participant,
    ParticipantRole,
)


def _participants() -> QuerySet[Participant]:
    """Participants with their people and their member numbers in the exchange's community
    (`member_number`, None for someone with no membership there): what the API shows with
    each name, without a query of its own (`member_numbers`)."""
    number = memberships_selectors.member_number_subquery(
        community_id=OuterRef("exchange__community_id"), person_id=OuterRef("person_id")
    )
    return (
        Participant.objects.select_related("person")
        .annotate(member_number=number)
        .order_by("role", "id")
    )


def _with_participants(qs: QuerySet[Exchange]) -> QuerySet[Exchange]:
    return qs.select_related(
        "community", "recorded_by", "recorded_for", "decided_by", "transfer"
    ).prefetch_related(Prefetch("participants", queryset=_participants()))


def member_numbers(community, exchanges) -> dict[int, int]:
    """{person id: member number in `community`} for everyone in these exchanges and whom each
    was recorded for, as `memberships.member_numbers` gives them: from the participants when
    they were read by this module (which reads the numbers with them), one query for anyone
    else."""
    numbers: dict[int, int] = {}
    known: set[int] = set()
    for exchange in exchanges:
        for part in exchange.participants.all():
            if hasattr(part, "member_number"):
                known.add(part.person_id)
                if part.member_number is not None:
                    numbers[part.person_id] = part.member_number
    wanted = {p.person_id for e in exchanges for p in e.participants.all()}
    wanted |= {e.recorded_for_id for e in exchanges if e.recorded_for_id}
    rest = wanted - known
    if rest:
        numbers.update(memberships_selectors.member_numbers(community, rest))
    return numbers


def _with_people(qs: QuerySet[Exchange]) -> QuerySet[Exchange]:
    return _with_participants(qs).prefetch_related("expenses")


def exchange_get(community, exchange_id: int) -> Exchange:
    """An exchange of this community with its people, for an access check and a service call
    (its page reads `exchange_detail`): two queries. Raises NotFound."""
    try:
        return _with_participants(Exchange.objects.filter(community=community)).get(pk=exchange_id)
    except (Exchange.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such exchange.") from None


def exchanges_to_confirm(community, person) -> list[Exchange]:
    """Recorded exchanges waiting for this person's side to answer."""
    mine = Exchange.objects.filter(
        community=community, status=ExchangeStatus.RECORDED, participants__person=person
    ).exclude(recorded_for=person)
    candidates = list(_with_people(mine).order_by("auto_confirm_at", "id"))
    return [exchange for exchange in candidates if exchange_access.may_answer(person, exchange)]


def exchanges_of(
    community, person, *, status: str | None = None, before_id: int | None = None, limit: int = 50
) -> list[Exchange]:
    qs = Exchange.objects.filter(community=community, participants__person=person)
    if status:
        qs = qs.filter(status=status)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return list(_with_people(qs).order_by("-id")[:limit])


def exchanges_for_coordinator(
    community, *, status: str | None = None, before_id: int | None = None, limit: int = 50
) -> list[Exchange]:
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
    return list(
        _with_people(Exchange.objects.filter(community=community, status=ExchangeStatus.DISPUTED))
    )


def participations(community, *, role: str | None = None) -> QuerySet[Participant]:
    """People's places in the community's exchanges that were not declined or cancelled."""
    qs = Participant.objects.filter(exchange__community=community).exclude(
        exchange__status__in=[ExchangeStatus.DECLINED, ExchangeStatus.CANCELLED]
    )
    return qs.filter(role=role) if role else qs


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


def participants_loaded(exchange: Exchange) -> list[Participant] | None:
    """The participants `exchange` was read with (`exchange_get` prefetches them), or None.
    Participants never change once an exchange is recorded, so a later read in the same request
    may take them over (`participants_take_over`) instead of reading them again."""
    cache = getattr(exchange, "_prefetched_objects_cache", {})
    return cache.get("participants")


def participants_take_over(exchange: Exchange, participants: list[Participant]) -> None:
    """Give `exchange` (read afresh) the participants an earlier read of it loaded."""
    cache = exchange.__dict__.setdefault("_prefetched_objects_cache", {})
    cache["participants"] = participants


def exchange_detail(
    community, exchange_id: int, *, person, coordinates: bool, known: Exchange | None = None
) -> ExchangeDetail:
    """An exchange with its people, expenses, transfer and reversal, and what `person` (the
    viewer, or the member a coordinator acts for) may do with it. `known`: the same exchange
    read earlier in this request with its participants (`exchange_get`, for the access check);
    they never change once it is recorded, so they are used instead of read again (the rest is
    read afresh). Raises NotFound."""
    parts = participants_loaded(known) if known is not None and known.pk == exchange_id else None
    reuse = parts is not None
    qs = (
        Exchange.objects.filter(community=community)
        .select_related(
            "community", "recorded_by", "recorded_for", "decided_by", "transfer__reversal__actor"
        )
        .prefetch_related("expenses")
        if reuse
        else _with_people(Exchange.objects.filter(community=community)).select_related(
            "transfer__reversal__actor"
        )
    )
    try:
        exchange = qs.get(pk=exchange_id)
    except (Exchange.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such exchange.") from None
    if parts is not None:
        participants_take_over(exchange, parts)
    reversal = _reversal(exchange)
    return ExchangeDetail(
        exchange=exchange,
        providers=providers_of(exchange),
        recipients=recipients_of(exchange),
        reversal=reversal,
        actions=ExchangeActions(
            answer=exchange_access.may_answer(person, exchange),
            dispute=exchange_access.may_answer(person, exchange, dispute=True),
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


def exchange_page(
    community, person, *, before_id: int | None = None, limit: int = 50
) -> ExchangePage:
    """A person's exchanges, newest first, keyset-paginated on the id."""
    exchanges = exchanges_of(community, person, before_id=before_id, limit=limit + 1)
    more = len(exchanges) > limit
    exchanges = exchanges[:limit]
    rows = []
    for exchange in exchanges:
        parts = list(exchange.participants.all())
        mine = next((p.role for p in parts if p.person_id == person.pk), None)
        rows.append(
            ExchangeRow(
                exchange=exchange,
                gave=mine == ParticipantRole.PROVIDER,
                others=[p.person for p in parts if p.role != mine],
            )
        )
    return ExchangePage(rows=rows, older_before=exchanges[-1].pk if more and exchanges else None)


def recipient_shares(total: int, recipient_ids) -> dict[int, int]:
    """How the people helped split what a group exchange costs them: equal shares, the remainder
    a minute each to the first by id (what `services.exchange_legs` posts)."""
    ids = sorted(recipient_ids)
    share, remainder = divmod(total, len(ids))
    return {pk: share + (1 if i < remainder else 0) for i, pk in enumerate(ids)}


@dataclass
class WaitingLine:
    """Hours recorded but not posted: what they would change the person's balance by once
    confirmed, who is on the other side, and whose answer they wait for."""

    exchange: Exchange
    amount_minutes: int  # + earned, - paid; 0 for someone helped when the community fund pays
    others: list  # the people on the other side
    to_answer: bool  # waiting for the person's own side to confirm (not the other side's)
    disputed: bool  # a coordinator is looking into it


@dataclass
class HoursWaiting:
    lines: list[WaitingLine]
    more: bool  # there are more than the lines shown
    incoming_minutes: int  # of the lines shown, what would come in
    outgoing_minutes: int  # and what would go out (positive)


def hours_waiting(community, person, *, limit: int = 50) -> HoursWaiting:
    """The person's exchanges whose hours are recorded but not posted (waiting for confirmation,
    or disputed), newest first: never part of the balance, shown beside it on the statement.
    Two queries however many there are."""
    qs = (
        Exchange.objects.filter(
            community=community,
            participants__person=person,
            status__in=[ExchangeStatus.RECORDED, ExchangeStatus.DISPUTED],
        )
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("person").order_by("role", "id"),
            )
        )
        .order_by("-id")
    )
    found = list(qs[: limit + 1])
    lines = []
    for exchange in found[:limit]:
        parts = list(exchange.participants.all())
        mine = next(p.role for p in parts if p.person_id == person.pk)
        providers = [p.person_id for p in parts if p.role == ParticipantRole.PROVIDER]
        recipients = [p.person_id for p in parts if p.role == ParticipantRole.RECIPIENT]
        minutes = exchange.minutes or 0
        if mine == ParticipantRole.PROVIDER:
            amount = minutes
        elif exchange.payer == "fund":
            amount = 0
        else:
            amount = -recipient_shares(minutes * len(providers), recipients)[person.pk]
        lines.append(
            WaitingLine(
                exchange=exchange,
                amount_minutes=amount,
                others=[p.person for p in parts if p.role != mine],
                to_answer=exchange_access.may_answer(person, exchange),
                disputed=exchange.status == ExchangeStatus.DISPUTED,
            )
        )
    return HoursWaiting(
        lines=lines,
        more=len(found) > limit,
        incoming_minutes=sum(line.amount_minutes for line in lines if line.amount_minutes > 0),
        outgoing_minutes=-sum(line.amount_minutes for line in lines if line.amount_minutes < 0),
    )


def to_confirm_counts(person) -> dict[int, int]:
    """How many recorded exchanges wait for this person's answer, per community id, in one
    query: `exchange_access.answer_refusal` said in SQL (the side that did not record answers;
    with no recorder in the exchange either side does), for the home page's badge.
    tests/web/test_exchanges_to_confirm.py counts `exchanges_to_confirm` (which asks the rule
    itself) against it."""
    recorder_role = Participant.objects.filter(
        exchange_id=OuterRef("exchange_id"), person_id=OuterRef("exchange__recorded_for_id")
    ).values("role")[:1]
    rows = (
        Participant.objects.filter(person=person, exchange__status=ExchangeStatus.RECORDED)
        .annotate(recorder_role=Subquery(recorder_role))
        .filter(Q(recorder_role__isnull=True) | ~Q(recorder_role=F("role")))
        .values("exchange__community_id")
        .annotate(waiting=Count("id"))
        .order_by()
    )
    return {row["exchange__community_id"]: row["waiting"] for row in rows}
