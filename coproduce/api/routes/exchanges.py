"""Exchanges: recording hours, answering a record, and what coordinators do (brokered entries
and paper slips, settling disputes, reversals).

Every write here needs an `Idempotency-Key` header, passed to the service, which records it in
the same transaction as the write: a retry answers with the original exchange (instead of
"already confirmed") however the first attempt ended, a crash just after its commit included.

A coordinator acts for a member by naming them in `on_behalf_of`. Outsiders and members of
other communities get 404; members who are not in an exchange get 404 for it too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities import access
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core import limits
from coproduce.exchanges.models import (
    EntryMethod,
    ExchangeReference,
    ExchangeShape,
    ExchangeStatus,
    ReferenceKind,
)
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.selectors import references as references_selectors
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import references as references_services
from coproduce.governance.models import DisputeSubject
from coproduce.governance.selectors import disputes as disputes_selectors
from coproduce.governance.services import disputes as disputes_services

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..pagination import PageParams, encode_cursor, key_int, parse_key
from ..schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    MemberNumber,
    MemberRef,
    Minutes,
    ObjectId,
    Slug,
)

router = Router(tags=["exchanges"])


# Shapes --------------------------------------------------------------------------------------


class ExpenseIO(Schema):
    amount: str = Field(
        pattern=r"^[0-9]{1,7}(\.[0-9]{1,2})?$",
        max_length=limits.MONEY,
        examples=["4.50"],
        description='Money, as a decimal string such as "4.50". Noted beside the hours, never '
        "converted into hours.",
    )
    currency: str = Field(
        "GBP",
        pattern=r"^[A-Za-z]{3}$",
        max_length=limits.CURRENCY,
        description="Three letters, e.g. GBP.",
    )
    note: str = Field(
        min_length=1, max_length=limits.LINE, description="What it was for, e.g. bus fare, seeds."
    )


class ExchangeIn(Schema):
    providers: list[MemberRef] = Field(
        min_length=1, max_length=60, description="Who gave the help."
    )
    recipients: list[MemberRef] = Field(min_length=1, max_length=60, description="Who received it.")
    minutes: Minutes = Field(
        description="Time each provider gave, in whole minutes; at most the community's "
        "`max_minutes_per_exchange`."
    )
    effective_on: dt.date = Field(
        description="The day the help happened; not in the future, at most a year ago."
    )
    title: str = Field("", max_length=limits.LINE)
    category: str = Field("", max_length=limits.SHORT_NAME, examples=["Gardening"])
    note: str = Field("", max_length=limits.LONG_TEXT)
    expenses: list[ExpenseIO] = Field([], max_length=20)


class RecordIn(ExchangeIn):
    on_behalf_of: MemberRef | None = Field(
        None, description="Coordinators: the member this is recorded for (one of the people in it)."
    )
    listing_id: int | None = Field(
        None,
        strict=True,
        ge=1,
        le=MAX_ID,
        description="The offer or request the hours are for: they link back to it and take "
        "its category (and its title when `title` is empty). 422 `unknown_listing` if it is not a "
        "listing of this community that you can see.",
    )


class EntryIn(ExchangeIn):
    slip_number: str = Field(
        "",
        max_length=limits.SLIP_NUMBER,
        description="A paper slip's number; each slip can be entered once. Empty for a brokered "
        "exchange.",
    )


class ActingIn(Schema):
    on_behalf_of: MemberRef | None = Field(
        None, description="Coordinators: the member you act for."
    )


class ReasonIn(ActingIn):
    reason: str = Field(
        min_length=1, max_length=limits.TEXT, description="Why; the other side sees it."
    )


class SettleIn(Schema):
    confirm: bool = Field(
        strict=True, description="true posts the hours; false declines the exchange."
    )
    note: str = Field(
        min_length=1, max_length=limits.TEXT, description="How the dispute was settled."
    )


class ReverseIn(Schema):
    reason: str = Field(
        min_length=1,
        max_length=limits.TEXT,
        description="Both members are told, and see it on their statements.",
    )


class PersonOut(Schema):
    member_code: str | None = Field(description="Null when no longer a member.")
    name: str


class ExpenseOut(Schema):
    amount: str
    currency: str
    note: str


class ExchangeOut(Schema):
    id: int
    status: ExchangeStatus
    shape: ExchangeShape
    method: EntryMethod
    title: str
    category: str
    note: str
    listing_id: int | None = Field(description="The offer or request the hours were for, if any.")
    minutes: int | None = Field(description="Time each provider gave.")
    effective_on: dt.date | None
    payer: str = Field(
        description="`recipients` (split among them) or `fund` (the community fund pays)."
    )
    slip_number: str
    providers: list[PersonOut]
    recipients: list[PersonOut]
    recorded_by: str | None
    recorded_for: PersonOut | None = Field(
        description="The side that recorded it (or the member a coordinator acted for)."
    )
    recorded_at: dt.datetime | None
    auto_confirm_at: dt.datetime | None = Field(
        description="When it is confirmed automatically if nobody answers."
    )
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str = Field(
        description="The reason for a decline or dispute, or how a dispute was settled."
    )
    transfer_id: int | None = Field(description="The ledger transfer, once the hours are posted.")
    expenses: list[ExpenseOut]
    created_at: dt.datetime


class ReversalOut(Schema):
    transfer_id: int
    reason: str
    by: str | None
    at: dt.datetime


class ExchangeActionsOut(Schema):
    answer: bool = Field(description="You may confirm or decline it.")
    dispute: bool
    settle: bool
    reverse: bool


class ExchangeDetailOut(ExchangeOut):
    reversal: ReversalOut | None
    actions: ExchangeActionsOut = Field(description="What you may do with it now.")
    dispute: str | None = Field(
        None,
        description="The open dispute about a disputed exchange (`.../disputes/{number}`), "
        "which settles it.",
        examples=["D-3"],
    )


class ExchangePage(Schema):
    items: list[ExchangeOut]
    next_cursor: str | None


class ExchangeList(Schema):
    items: list[ExchangeOut]


class ExchangeListQuery(PageParams):
    all: bool = Field(
        False, description="Coordinators: every exchange in the community, not only yours."
    )
    status: ExchangeStatus | None = Field(None, description="Only exchanges with this status.")


class ToConfirmQuery(Schema):
    on_behalf_of: MemberRef | None = Field(
        None, description="Coordinators: the list of the member you act for."
    )


# Output --------------------------------------------------------------------------------------


def _numbers(community, exchanges) -> dict[int, int]:
    return exchanges_selectors.member_numbers(community, exchanges)


def _person(community, person, numbers: dict[int, int]) -> dict:
    number = numbers.get(person.pk)
    return {
        "member_code": member_refs_selectors.member_code(community, number)
        if number is not None
        else None,
        "name": person.display_name,
    }


def exchange_out(community, exchange, numbers: dict[int, int]) -> dict:
    parts = list(exchange.participants.all())
    return {
        "id": exchange.pk,
        "status": exchange.status,
        "shape": exchange.shape,
        "method": exchange.method,
        "title": exchange.title,
        "category": exchange.category,
        "note": exchange.note,
        "listing_id": exchange.listing_id,
        "minutes": exchange.minutes,
        "effective_on": exchange.effective_on,
        "payer": exchange.payer,
        "slip_number": exchange.slip_number,
        "providers": [_person(community, p.person, numbers) for p in parts if p.role == "provider"],
        "recipients": [
            _person(community, p.person, numbers) for p in parts if p.role == "recipient"
        ],
        "recorded_by": exchange.recorded_by.display_name if exchange.recorded_by_id else None,
        "recorded_for": _person(community, exchange.recorded_for, numbers)
        if exchange.recorded_for_id
        else None,
        "recorded_at": exchange.recorded_at,
        "auto_confirm_at": exchange.auto_confirm_at,
        "decided_by": exchange.decided_by.display_name if exchange.decided_by_id else None,
        "decided_at": exchange.decided_at,
        "decision_note": exchange.decision_note,
        "transfer_id": exchange.transfer_id,
        "expenses": [
            {
                "amount": str(e.amount.quantize(Decimal("0.01"))),
                "currency": e.currency,
                "note": e.note,
            }
            for e in exchange.expenses.all()
        ],
        "created_at": exchange.created_at,
    }


def _page_out(community, exchanges, limit: int) -> dict:
    more = len(exchanges) > limit
    exchanges = exchanges[:limit]
    numbers = _numbers(community, exchanges)
    return {
        "items": [exchange_out(community, e, numbers) for e in exchanges],
        "next_cursor": encode_cursor([exchanges[-1].pk]) if more and exchanges else None,
    }


def _detail_out(request, community, exchange_id: int, known=None) -> dict:
    detail = exchanges_selectors.exchange_detail(
        community,
        exchange_id,
        person=request.user,
        coordinates=access.is_coordinator(request.user, community),
        known=known,
    )
    exchange = detail.exchange
    reversal = detail.reversal
    dispute = (
        disputes_selectors.dispute_for_exchange(exchange)
        if exchange.status == ExchangeStatus.DISPUTED
        else None
    )
    return {
        **exchange_out(community, exchange, _numbers(community, [exchange])),
        "reversal": {
            "transfer_id": reversal.pk,
            "reason": reversal.memo,
            "at": reversal.created_at,
            "by": reversal.actor.display_name if reversal.actor_id else None,
        }
        if reversal is not None
        else None,
        "actions": {
            "answer": detail.actions.answer,
            "dispute": detail.actions.dispute,
            "settle": detail.actions.settle and dispute is None,
            "reverse": detail.actions.reverse,
        },
        "dispute": dispute.code if dispute is not None else None,
    }


def _expenses(payload: ExchangeIn) -> list[dict]:
    return [{"amount": e.amount, "currency": e.currency, "note": e.note} for e in payload.expenses]


# Members -------------------------------------------------------------------------------------


@router.get(
    "/{slug}/exchanges",
    response={200: ExchangePage, **READ_ERRORS},
    summary="Exchanges",
    description=(
        "Your exchanges, newest first. Coordinators pass `all=true` for every exchange in the"
        " community."
    ),
)
def exchanges_list(request, slug: Slug, query: Query[ExchangeListQuery]):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    after = parse_key(query.cursor, (key_int,))
    before_id = after[0] if after else None
    if query.all:
        access.access_coordinate(request.user, community)
        rows = exchanges_selectors.exchanges_for_coordinator(
            community, status=query.status, before_id=before_id, limit=query.limit + 1
        )
    else:
        rows = exchanges_selectors.exchanges_of(
            community, request.user, status=query.status, before_id=before_id, limit=query.limit + 1
        )
    return _page_out(community, rows, query.limit)


@router.post(
    "/{slug}/exchanges", response={201: ExchangeDetailOut, **WRITE_ERRORS}, summary="Record hours"
)
def exchange_record(request, slug: Slug, idempotency_key: IdempotencyKey, payload: RecordIn):
    """You (or a coordinator for you) record help you gave or received; the other side confirms,
    and only then are the hours posted. 422 for minutes out of range, a date in the future,
    yourself on both sides or an unknown member number; 403 `not_a_participant` when you are not
    in it; 403 `vetting_required` when someone in it lacks the check the community's rules ask for
    this kind of help (`vetting_one_to_one`, `vetting_group_activity`, `vetting_home_visit`: see
    docs/ledger.md), naming the check and whom to ask."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    exchange = exchanges_services.exchange_record(
        actor=request.user,
        community=community,
        idempotency_key=paths.client_key(request, idempotency_key),
        providers=paths.members_named(community, payload.providers, "providers"),
        recipients=paths.members_named(community, payload.recipients, "recipients"),
        minutes=payload.minutes,
        effective_on=payload.effective_on,
        title=payload.title,
        category=payload.category,
        note=payload.note,
        on_behalf_of=paths.member_named(community, payload.on_behalf_of, "on_behalf_of"),
        expenses=_expenses(payload),
        listing_id=payload.listing_id,
    )
    return Status(201, _detail_out(request, community, exchange.pk))


@router.get(
    "/{slug}/exchanges/to-confirm",
    response={200: ExchangeList, **READ_ERRORS},
    summary="Waiting for your answer",
)
def exchanges_to_confirm(request, slug: Slug, query: Query[ToConfirmQuery]):
    """Hours the other side recorded that wait for you to confirm or decline, the soonest to be
    confirmed automatically first."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    person = paths.acting_member(request, community, query.on_behalf_of)
    exchanges = exchanges_selectors.exchanges_to_confirm(community, person)
    numbers = _numbers(community, exchanges)
    return {"items": [exchange_out(community, e, numbers) for e in exchanges]}


@router.post(
    "/{slug}/exchanges/entries",
    response={201: ExchangeDetailOut, **WRITE_ERRORS},
    summary="Enter a brokered exchange or a paper slip (coordinators)",
    auth=COORDINATOR_AUTH,
)
def exchange_enter(request, slug: Slug, idempotency_key: IdempotencyKey, payload: EntryIn):
    """For members who are offline. Posted at once. 409 `slip_already_entered` for a slip number
    entered before; 409 `limit_exceeded` when someone's balance cannot take it; 403
    `vetting_required` when someone in it lacks the check the community's rules ask for."""
    community = paths.coordinated_community(request, slug)
    exchange = exchanges_services.exchange_enter(
        actor=request.user,
        community=community,
        idempotency_key=paths.client_key(request, idempotency_key),
        providers=paths.members_named(community, payload.providers, "providers"),
        recipients=paths.members_named(community, payload.recipients, "recipients"),
        minutes=payload.minutes,
        effective_on=payload.effective_on,
        title=payload.title,
        category=payload.category,
        note=payload.note,
        slip_number=payload.slip_number,
        expenses=_expenses(payload),
    )
    return Status(201, _detail_out(request, community, exchange.pk))


@router.get(
    "/{slug}/exchanges/{exchange_id}",
    response={200: ExchangeDetailOut, **READ_ERRORS},
    summary="An exchange",
)
def exchange_detail(request, slug: Slug, exchange_id: ObjectId):
    """For the people in it and the community's coordinators, with what you may do with it now."""
    community, exchange = paths.exchange(request, slug, exchange_id)
    return _detail_out(request, community, exchange.pk)


@router.post(
    "/{slug}/exchanges/{exchange_id}/confirm",
    response={200: ExchangeDetailOut, **WRITE_ERRORS},
    summary="Confirm recorded hours",
)
def exchange_confirm(
    request,
    slug: Slug,
    exchange_id: ObjectId,
    idempotency_key: IdempotencyKey,
    payload: ActingIn | None = None,
):
    """The side that did not record it confirms; the hours are posted. 403 `own_record` for your
    own side's record; 409 `already_confirmed` (or `already_declined`...) when it no longer
    waits; 409 `limit_exceeded` when a balance cannot take it."""
    community, exchange = paths.exchange(request, slug, exchange_id)
    person = paths.acting_member(request, community, payload.on_behalf_of if payload else None)
    answers_services.exchange_confirm(
        actor=request.user,
        exchange=exchange,
        on_behalf_of=paths.on_behalf_of(request, person),
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return _detail_out(request, community, exchange.pk, known=exchange)


@router.post(
    "/{slug}/exchanges/{exchange_id}/decline",
    response={200: ExchangeDetailOut, **WRITE_ERRORS},
    summary="Decline recorded hours",
)
def exchange_decline(
    request, slug: Slug, exchange_id: ObjectId, idempotency_key: IdempotencyKey, payload: ReasonIn
):
    """Nothing is posted; the side that recorded it sees your reason."""
    community, exchange = paths.exchange(request, slug, exchange_id)
    person = paths.acting_member(request, community, payload.on_behalf_of)
    answers_services.exchange_decline(
        actor=request.user,
        exchange=exchange,
        reason=payload.reason,
        on_behalf_of=paths.on_behalf_of(request, person),
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return _detail_out(request, community, exchange.pk)


@router.post(
    "/{slug}/exchanges/{exchange_id}/dispute",
    response={200: ExchangeDetailOut, **WRITE_ERRORS},
    summary="Dispute recorded hours (opens a dispute)",
)
def exchange_dispute(
    request, slug: Slug, exchange_id: ObjectId, idempotency_key: IdempotencyKey, payload: ReasonIn
):
    """Either side, while it waits for an answer: opens a dispute about it (see
    `.../disputes`), with `reason` as what is wrong. Nothing moves until the dispute is settled:
    by the parties' agreement, which the mediator records, or by a panel of coordinators."""
    community, exchange = paths.exchange(request, slug, exchange_id)
    person = paths.acting_member(request, community, payload.on_behalf_of)
    disputes_services.dispute_open(
        actor=request.user,
        community=community,
        subject=DisputeSubject.EXCHANGE,
        exchange=exchange,
        summary=payload.reason,
        on_behalf_of=paths.on_behalf_of(request, person),
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return _detail_out(request, community, exchange.pk)


# Coordinators --------------------------------------------------------------------------------


@router.post(
    "/{slug}/exchanges/{exchange_id}/settle",
    response={200: ExchangeDetailOut, **WRITE_ERRORS},
    summary="Settle a dispute (coordinators)",
    auth=COORDINATOR_AUTH,
    description=(
        "Confirm (the hours are posted) or decline a disputed exchange that has no dispute of"
        " its own (one disputed before disputes were added). 409 `not_disputed` otherwise, and"
        " `settle_through_dispute` for one with a dispute: it is settled by the dispute's"
        " agreement or panel decision (`.../disputes/{number}`)."
    ),
)
def exchange_settle(
    request, slug: Slug, exchange_id: ObjectId, idempotency_key: IdempotencyKey, payload: SettleIn
):
    community, exchange = paths.coordinated_exchange(request, slug, exchange_id)
    disputes_services.disputed_exchange_resolve(
        actor=request.user,
        exchange=exchange,
        confirm=payload.confirm,
        note=payload.note,
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return _detail_out(request, community, exchange.pk)


@router.post(
    "/{slug}/exchanges/{exchange_id}/reverse",
    response={200: ExchangeDetailOut, **WRITE_ERRORS},
    summary="Reverse posted hours (coordinators)",
    auth=COORDINATOR_AUTH,
)
def exchange_reverse(
    request, slug: Slug, exchange_id: ObjectId, idempotency_key: IdempotencyKey, payload: ReverseIn
):
    """A new transfer gives the hours back; both members are told why. 409 `not_posted`,
    `already_reversed`, or `limit_exceeded` when a balance cannot give the time back."""
    community, exchange = paths.coordinated_exchange(request, slug, exchange_id)
    answers_services.exchange_reverse(
        actor=request.user,
        exchange=exchange,
        reason=payload.reason,
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return _detail_out(request, community, exchange.pk)


# References ----------------------------------------------------------------------------------


class ExchangeReferenceIn(ActingIn):
    subject: MemberRef = Field(
        description="Who it is about: someone on the other side of the exchange."
    )
    kind: ReferenceKind = Field(
        description="`positive` and `neutral` are seen by the community's members; a `concern` "
        "goes privately to the coordinators and is never shown to the member it is about."
    )
    text: str = Field(min_length=1, max_length=limits.TEXT, description="How it went.")


class ExchangeReferenceOut(Schema):
    id: int
    exchange_id: int
    kind: ReferenceKind
    text: str
    author: PersonOut
    subject: PersonOut
    created_at: dt.datetime


class ExchangeReferenceList(Schema):
    items: list[ExchangeReferenceOut]


def _references_out(community, references: list[ExchangeReference]) -> list[dict]:
    numbers = memberships_selectors.member_numbers(
        community, {r.author_id for r in references} | {r.subject_id for r in references}
    )
    return [
        {
            "id": r.pk,
            "exchange_id": r.exchange_id,
            "kind": r.kind,
            "text": r.text,
            "author": _person(community, r.author, numbers),
            "subject": _person(community, r.subject, numbers),
            "created_at": r.created_at,
        }
        for r in references
    ]


@router.post(
    "/{slug}/exchanges/{exchange_id}/references",
    response={201: ExchangeReferenceOut, **WRITE_ERRORS},
    summary="Leave a reference after a confirmed exchange",
)
def exchange_reference(
    request,
    slug: Slug,
    exchange_id: ObjectId,
    idempotency_key: IdempotencyKey,
    payload: ExchangeReferenceIn,
):
    """Once per person on the other side, after the exchange is confirmed and while it stands.
    409 `not_confirmed` before confirmation or after a reversal; 409 `already_left` the second
    time; 403 when you are not in it; 422 about yourself or your own side. A concern is private
    to the coordinators, who are emailed a link to it."""
    community, exchange = paths.exchange(request, slug, exchange_id)
    person = paths.acting_member(request, community, payload.on_behalf_of)
    subject = paths.member_named(community, payload.subject, "subject")
    left = references_services.reference_leave(
        actor=request.user,
        exchange=exchange,
        subject=subject,
        kind=payload.kind,
        text=payload.text,
        on_behalf_of=paths.on_behalf_of(request, person),
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    reference = references_selectors.reference_get(left.pk)
    return Status(201, _references_out(community, [reference])[0])


@router.get(
    "/{slug}/members/{number}/references",
    response={200: ExchangeReferenceList, **READ_ERRORS},
    summary="References about a member",
)
def member_references(request, slug: Slug, number: MemberNumber):
    """Positive and neutral references, newest first. Coordinators also get concerns; nobody
    else ever does, the member they are about included."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    membership = paths.member(request, community, number)
    return {
        "items": _references_out(
            community,
            references_selectors.references_about(community, membership.person, request.user),
        )
    }
