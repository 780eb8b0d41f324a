"""Coordinators' work that needs a person: the broker queue, introductions, messages to pass on
to members who are offline, and closing concerns raised after exchanges.

Every operation here is for the community's coordinators: members get 403, outsiders and
members of other communities 404. None of these writes moves hours, so none needs an
`Idempotency-Key`. Texts are stored as written: escape them when you show them in HTML."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core import limits
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.exchanges.selectors import references as references_selectors
from coproduce.exchanges.services import references as references_services
from coproduce.messaging.selectors import broker
from coproduce.messaging.selectors import introductions as introductions_selectors
from coproduce.messaging.selectors import pass_on as pass_on_selectors
from coproduce.messaging.services import introductions as introductions_services
from coproduce.messaging.services import pass_on as pass_on_services

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..pagination import PageParams, key_datetime, key_int, keyset_page
from ..schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, MemberRef, ObjectId, Slug

router = Router(tags=["coordination"])


# Shapes --------------------------------------------------------------------------------------


class PersonRef(Schema):
    member_number: int | None = Field(description="Null when the person is no longer a member.")
    display_name: str


class UnansweredRequest(Schema):
    listing_id: int
    title: str
    category: str
    owner: PersonRef
    since: dt.datetime = Field(description="When the request was posted.")


class MemberWaiting(Schema):
    member: PersonRef
    since: dt.datetime = Field(description="When their membership started.")
    offer_title: str | None = Field(None, description="Their latest active offer, if any.")
    has_gift: bool = Field(False, description="Whether their gift profile lists a gift.")
    introduced_at: dt.datetime | None = Field(
        description="When a coordinator last introduced them to someone."
    )


class UnansweredRequests(Schema):
    total: int
    items: list[UnansweredRequest] = Field(description="Oldest first, at most `limit`.")


class MembersWaiting(Schema):
    total: int
    items: list[MemberWaiting] = Field(description="At most `limit`.")


class BrokerQueueOut(Schema):
    days: int = Field(description="The community's `broker_unanswered_days` rule.")
    unanswered_requests: UnansweredRequests = Field(
        description="Active requests older than `days` that nobody but the owner has written "
        "about, no exchange links to and no coordinator has introduced anyone about."
    )
    gifts_unused: MembersWaiting = Field(
        description="Members who joined `days` or more ago with an offer or a gift and who have "
        "never given help, longest-standing first."
    )
    new_members_without_exchange: MembersWaiting = Field(
        description="Members who joined 30 or more days ago and have had no exchange, most recent "
        "first."
    )


class BrokerQueueQuery(Schema):
    limit: int = Field(50, ge=1, le=200, description="Rows in each list.")


class IntroductionIn(Schema):
    first: MemberRef
    second: MemberRef
    listing_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The offer or request it is about; one of the two must own it.",
    )
    note: str = Field(
        min_length=1, max_length=limits.MESSAGE, description="Your message to both of them."
    )


class IntroductionOut(Schema):
    id: int
    first: PersonRef
    second: PersonRef
    made_by: PersonRef
    listing_id: int | None
    conversation_id: int = Field(
        description="The two members' conversation; coordinators cannot read it."
    )
    note: str
    created_at: dt.datetime


class IntroductionPage(Schema):
    items: list[IntroductionOut] = Field(description="Newest first.")
    next_cursor: str | None
    made_this_month: int
    made_in_all: int


class PassOnOut(Schema):
    id: int
    sender: PersonRef
    introduction: bool = Field(
        description="A coordinator's introduction (the sender is the coordinator)."
    )
    written_by: PersonRef | None = Field(
        description="The coordinator who wrote it for the sender, if any."
    )
    readers: list[PersonRef] = Field(
        description="Who to pass it on to: the offline people it is for."
    )
    body: str = Field(description="As written: plain text.")
    created_at: dt.datetime
    pass_on: str = Field(description="`waiting` or `done`.")
    passed_on_by: PersonRef | None
    passed_on_at: dt.datetime | None
    passed_on_how: str


class PassOnPage(Schema):
    items: list[PassOnOut]
    next_cursor: str | None


class PassOnQuery(PageParams):
    done: bool = Field(
        False,
        description="Those already passed on (newest first) instead of those waiting "
        "(oldest first).",
    )


class PassedOnIn(Schema):
    how: str = Field(
        min_length=1, max_length=limits.LINE, description="How it was passed on, e.g. `by phone`."
    )


class ConcernOut(Schema):
    id: int
    exchange_id: int
    subject: PersonRef
    author: PersonRef
    text: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: PersonRef | None
    outcome: str


class ConcernList(Schema):
    items: list[ConcernOut]


class ConcernQuery(Schema):
    closed: bool = Field(
        False,
        description="Closed concerns (latest closed first) instead of open ones (oldest first).",
    )
    limit: int = Field(50, ge=1, le=200)


class ConcernCloseIn(Schema):
    outcome: str = Field(
        min_length=1, max_length=limits.TEXT, description="What was done about it."
    )


# Helpers -------------------------------------------------------------------------------------


def _ref(person, numbers: dict[int, int]) -> dict:
    return {"member_number": numbers.get(person.pk), "display_name": person.display_name}


def _maybe(person, numbers: dict[int, int]) -> dict | None:
    return _ref(person, numbers) if person is not None else None


def _member_row(membership) -> dict:
    return {
        "member": {
            "member_number": membership.number,
            "display_name": membership.person.display_name,
        },
        "since": membership.joined_at,
        "offer_title": getattr(membership, "offer_title", None),
        "has_gift": bool(getattr(membership, "has_gift", False)),
        "introduced_at": membership.introduced_at,
    }


def _introductions_out(community, found: list) -> list[dict]:
    numbers = memberships_selectors.member_numbers(
        community,
        {i.first_id for i in found} | {i.second_id for i in found} | {i.made_by_id for i in found},
    )
    return [
        {
            "id": i.pk,
            "first": _ref(i.first, numbers),
            "second": _ref(i.second, numbers),
            "made_by": _ref(i.made_by, numbers),
            "listing_id": i.listing_id,
            "conversation_id": i.conversation_id,
            "note": i.note,
            "created_at": i.created_at,
        }
        for i in found
    ]


def _pass_on_out(community, found: list) -> list[dict]:
    ids: set[int] = set()
    for m in found:
        ids |= {m.sender_id, m.conversation.starter_id, m.conversation.recipient_id}
        ids |= {pk for pk in (m.written_by_id, m.passed_on_by_id) if pk}
    numbers = memberships_selectors.member_numbers(community, ids)
    return [
        {
            "id": m.pk,
            "sender": _ref(m.sender, numbers),
            "introduction": m.is_introduction,
            "written_by": None if m.is_introduction else _maybe(m.written_by, numbers),
            "readers": [_ref(p, numbers) for p in m.readers],
            "body": m.body,
            "created_at": m.created_at,
            "pass_on": m.pass_on,
            "passed_on_by": _maybe(m.passed_on_by, numbers),
            "passed_on_at": m.passed_on_at,
            "passed_on_how": m.passed_on_how,
        }
        for m in found
    ]


def _concerns_out(community, found: list) -> list[dict]:
    numbers = memberships_selectors.member_numbers(
        community, {r.subject_id for r in found} | {r.author_id for r in found}
    )
    return [
        {
            "id": r.pk,
            "exchange_id": r.exchange_id,
            "subject": _ref(r.subject, numbers),
            "author": _ref(r.author, numbers),
            "text": r.text,
            "created_at": r.created_at,
            "closed_at": r.concern_closed_at,
            "closed_by": _maybe(r.concern_closed_by, numbers),
            "outcome": r.concern_outcome,
        }
        for r in found
    ]


# Routes --------------------------------------------------------------------------------------


@router.get(
    "/{slug}/broker-queue",
    response={200: BrokerQueueOut, **READ_ERRORS},
    summary="What needs a person (coordinators)",
)
def broker_queue(request, slug: Slug, query: Query[BrokerQueueQuery]):
    """Unanswered requests, gifts never used and new members without an exchange, each with its
    full length in `total`. The same lists as the "Needs a person" page."""
    community = paths.coordinated_community(request, slug)
    queue = broker.broker_queue(community, limit=query.limit)
    return {
        "days": queue.days,
        "unanswered_requests": {
            "total": queue.counts["requests"],
            "items": [
                {
                    "listing_id": listing.pk,
                    "title": listing.title,
                    "category": listing.category.name,
                    "owner": {
                        "member_number": listing.owner_number,
                        "display_name": listing.owner.display_name,
                    },
                    "since": listing.created_at,
                }
                for listing in queue.requests
            ],
        },
        "gifts_unused": {
            "total": queue.counts["unused"],
            "items": [_member_row(m) for m in queue.unused],
        },
        "new_members_without_exchange": {
            "total": queue.counts["newcomers"],
            "items": [_member_row(m) for m in queue.newcomers],
        },
    }


@router.get(
    "/{slug}/introductions",
    response={200: IntroductionPage, **READ_ERRORS},
    summary="Introductions made (coordinators)",
)
def introductions_list(request, slug: Slug, query: Query[PageParams]):
    community = paths.coordinated_community(request, slug)
    rows, next_cursor = keyset_page(
        introductions_selectors.introductions_query(community),
        fields=("id",),
        kinds=(key_int,),
        cursor=query.cursor,
        limit=query.limit,
        descending=True,
    )
    counts = introductions_selectors.introduction_counts(
        community, since=broker.month_start(community, timezone.now())
    )
    return {
        "items": _introductions_out(community, rows),
        "next_cursor": next_cursor,
        "made_this_month": counts["recent"],
        "made_in_all": counts["total"],
    }


@router.post(
    "/{slug}/introductions",
    response={201: IntroductionOut, **WRITE_ERRORS},
    summary="Introduce two members (coordinators)",
    auth=COORDINATOR_AUTH,
)
def introduction_make(request, slug: Slug, payload: IntroductionIn):
    """One message from you to both, in a conversation between the two (their existing one
    about the same listing, or a new one); both are told. An introduction about a request takes
    it off the unanswered list. 422 for someone who is not an active member, the same person
    twice, yourself, or a listing neither of them posted; 404 for a listing you cannot see; 403
    `blocked` when either has blocked the other (without saying who)."""
    community = paths.coordinated_community(request, slug)
    first = paths.member_named(community, payload.first, "first")
    second = paths.member_named(community, payload.second, "second")
    listing = (
        listings_selectors.listing_get(community, request.user, payload.listing_id)
        if payload.listing_id
        else None
    )
    introduction = introductions_services.introduction_make(
        actor=request.user,
        community=community,
        first=first,
        second=second,
        listing=listing,
        note=payload.note,
    )
    found = introductions_selectors.introduction_get(community, introduction.pk)
    return Status(201, _introductions_out(community, [found])[0])


@router.get(
    "/{slug}/messages-to-pass-on",
    response={200: PassOnPage, **READ_ERRORS},
    summary="Messages to pass on to members who are offline (coordinators)",
)
def pass_on_list(request, slug: Slug, query: Query[PassOnQuery]):
    """Messages to members who do not use the website or have no email address. Coordinators
    read these messages (and reported ones), never the rest of the conversations."""
    community = paths.coordinated_community(request, slug)
    fields = ("passed_on_at", "id") if query.done else ("created_at", "id")
    rows, next_cursor = keyset_page(
        pass_on_selectors.pass_on_query(community, done=query.done),
        fields=fields,
        kinds=(key_datetime, key_int),
        cursor=query.cursor,
        limit=query.limit,
        descending=query.done,
    )
    return {
        "items": _pass_on_out(community, pass_on_selectors.with_readers(rows)),
        "next_cursor": next_cursor,
    }


@router.post(
    "/{slug}/messages-to-pass-on/{message_id}/passed-on",
    response={200: PassOnOut, **WRITE_ERRORS},
    summary="Mark a message passed on (coordinators)",
    auth=COORDINATOR_AUTH,
)
def message_passed_on(request, slug: Slug, message_id: ObjectId, payload: PassedOnIn):
    """Records who passed it on, when and how. 404 for a message that was not to be passed on;
    409 `already_passed_on` the second time."""
    community = paths.coordinated_community(request, slug)
    message = pass_on_selectors.message_to_pass_on_get(community, message_id)
    pass_on_services.message_passed_on(actor=request.user, message=message, how=payload.how)
    found = pass_on_selectors.with_readers(
        list(pass_on_selectors.pass_on_query(community, done=True, message_id=message.pk))
    )
    return _pass_on_out(community, found)[0]


@router.get(
    "/{slug}/concerns",
    response={200: ConcernList, **READ_ERRORS},
    summary="Concerns raised after exchanges (coordinators)",
)
def concerns_list(request, slug: Slug, query: Query[ConcernQuery]):
    """Private to coordinators; nobody ever gets the concerns about themselves."""
    community = paths.coordinated_community(request, slug)
    found = references_selectors.concerns_for(
        community, request.user, closed=query.closed, limit=query.limit
    )
    return {"items": _concerns_out(community, found)}


@router.post(
    "/{slug}/references/{reference_id}/close",
    response={200: ConcernOut, **WRITE_ERRORS},
    summary="Close a concern with what was done (coordinators)",
    auth=COORDINATOR_AUTH,
)
def concern_close(request, slug: Slug, reference_id: ObjectId, payload: ConcernCloseIn):
    """404 for a reference that is not a concern of this community, or one about yourself; 409
    `already_closed` the second time; 422 for an empty or garbled outcome."""
    community = paths.coordinated_community(request, slug)
    reference = references_selectors.concern_get(community, request.user, reference_id)
    references_services.concern_close(
        actor=request.user, reference=reference, outcome=payload.outcome
    )
    closed = references_selectors.concern_get(community, request.user, reference.pk)
    return _concerns_out(community, [closed])[0]
