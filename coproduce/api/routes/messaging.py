"""Messages between members of a community, relayed so that neither sees the other's contact
details; reporting a message to the coordinators; blocking a member.

Members read their own conversations; coordinators read a conversation once a message in it has
been reported, and no others. Outsiders, members of other communities and tokens made for
another community get 404. Bodies are stored as written: escape them when you show them in HTML.
Writing to someone who has blocked you (or whom you have blocked) is refused with 403 `blocked`
and nothing is stored. These writes move no hours, so they need no `Idempotency-Key`.

A coordinator writes for a member (one who is offline, say) by naming them in `on_behalf_of`: the
message goes as the member's, with `written_by` naming the coordinator, and the audit row
records both. A message whose `introduction` is true is a coordinator's introduction: its sender
is the coordinator, not one of the two people in the conversation."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status
from pydantic import Field

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core import limits
from coproduce.exchanges import access as exchange_access
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.messaging import access as messaging_access
from coproduce.messaging.selectors import conversations as conversations_selectors
from coproduce.messaging.services import blocks as blocks_services
from coproduce.messaging.services import conversations as conversations_services
from coproduce.messaging.services import reports as reports_services

from .. import paths
from ..schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    Error,
    MemberNumber,
    MemberRef,
    ObjectId,
    Slug,
)

router = Router(tags=["messages"])


# Shapes --------------------------------------------------------------------------------------


class CorrespondentOut(Schema):
    member_number: int | None = Field(description="Null when the person is no longer a member.")
    display_name: str


class MessageOut(Schema):
    id: int
    sender: CorrespondentOut
    written_by: CorrespondentOut | None = Field(
        None, description="The coordinator who wrote it for the sender (acting for them), if any."
    )
    introduction: bool = Field(False, description="A coordinator's introduction of the two people.")
    pass_on: str = Field(
        "",
        description="`waiting` or `done` when a coordinator carries it to someone who is "
        "offline; empty otherwise.",
    )
    body: str = Field(description="As written: plain text, escape it when you show it in HTML.")
    created_at: dt.datetime


class ConversationOut(Schema):
    id: int
    people: list[CorrespondentOut] = Field(
        description="The two people in it, the one who started it first."
    )
    listing_id: int | None
    exchange_id: int | None
    created_at: dt.datetime
    last_message_at: dt.datetime


class ConversationItem(ConversationOut):
    other: CorrespondentOut = Field(description="The person you are writing to.")
    last_body: str | None
    last_sender_number: int | None


class ConversationList(Schema):
    items: list[ConversationItem]


class ConversationDetail(ConversationOut):
    messages: list[MessageOut] = Field(description="Oldest first.")


class ConversationIn(Schema):
    to: MemberRef
    on_behalf_of: MemberRef | None = Field(
        None, description="Coordinators: the member you write for."
    )
    body: str = Field(min_length=1, max_length=limits.MESSAGE)
    listing_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The offer or request it is about."
    )
    exchange_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The exchange it is about."
    )


class MessageIn(Schema):
    body: str = Field(min_length=1, max_length=limits.MESSAGE)
    on_behalf_of: MemberRef | None = Field(
        None, description="Coordinators: the member you write for."
    )


class MessageReportIn(Schema):
    reason: str = Field(min_length=1, max_length=limits.REPORT)


class MessageReportOut(Schema):
    id: int
    message_id: int
    created_at: dt.datetime


class MemberBlockOut(Schema):
    member_number: int
    blocked: bool


# Helpers -------------------------------------------------------------------------------------


def _member_community(request, slug: str):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community


def _person(person, numbers: dict[int, int]) -> dict:
    return {"member_number": numbers.get(person.pk), "display_name": person.display_name}


def _conversation(conversation, numbers: dict[int, int]) -> dict:
    return {
        "id": conversation.pk,
        "people": [
            _person(conversation.starter, numbers),
            _person(conversation.recipient, numbers),
        ],
        "listing_id": conversation.listing_id,
        "exchange_id": conversation.exchange_id,
        "created_at": conversation.created_at,
        "last_message_at": conversation.last_message_at,
    }


def _message(m, numbers: dict[int, int]) -> dict:
    introduction = getattr(m, "is_introduction", False)
    return {
        "id": m.pk,
        "sender": _person(m.sender, numbers),
        "written_by": _person(m.written_by, numbers)
        if m.written_by_id and not introduction
        else None,
        "introduction": introduction,
        "pass_on": m.pass_on,
        "body": m.body,
        "created_at": m.created_at,
    }


def _detail(request, community, conversation_id: int, viewer=None) -> dict:
    conversation = conversations_selectors.conversation_get(
        community, viewer or request.user, conversation_id
    )
    people = {conversation.starter_id, conversation.recipient_id}
    for m in conversation.thread:
        people |= {pk for pk in (m.sender_id, m.written_by_id) if pk}
    numbers = memberships_selectors.member_numbers(community, people)
    return {
        **_conversation(conversation, numbers),
        "messages": [_message(m, numbers) for m in conversation.thread],
    }


# Routes --------------------------------------------------------------------------------------


@router.get(
    "/{slug}/conversations",
    response={200: ConversationList, **READ_ERRORS},
    summary="My conversations",
)
def conversations_list(request, slug: Slug):
    """The caller's conversations in the community, newest first, with the last message."""
    community = _member_community(request, slug)
    messaging_access.access_messages(request.user, community)
    found = conversations_selectors.conversations_of(request.user, community)
    numbers = memberships_selectors.member_numbers(
        community, {c.starter_id for c in found} | {c.recipient_id for c in found}
    )
    return {
        "items": [
            {
                **_conversation(c, numbers),
                "other": _person(c.other, numbers),
                "last_body": c.last_body,
                "last_sender_number": numbers.get(c.last_sender_id),
            }
            for c in found
        ]
    }


@router.post(
    "/{slug}/conversations",
    response={201: ConversationDetail, **WRITE_ERRORS},
    summary="Write to a member",
)
def conversation_start(request, slug: Slug, payload: ConversationIn):
    """Starts a conversation with another active member. 422 for oneself, an unknown member or
    an empty, overlong or garbled body; 404 for a listing or exchange you cannot see; 403
    `blocked` when either of you has blocked the other, or when a member names someone else in
    `on_behalf_of`."""
    community = _member_community(request, slug)
    person = paths.acting_member(request, community, payload.on_behalf_of)
    messaging_access.access_messages(person, community)
    recipient = paths.member_named(community, payload.to, "to")
    listing = (
        listings_selectors.listing_get(community, request.user, payload.listing_id)
        if payload.listing_id
        else None
    )
    exchange = None
    if payload.exchange_id:
        exchange = exchanges_selectors.exchange_get(community, payload.exchange_id)
        exchange_access.access_exchange(request.user, exchange)
    conversation = conversations_services.conversation_start(
        actor=request.user,
        community=community,
        recipient=recipient,
        body=payload.body,
        listing=listing,
        exchange=exchange,
        on_behalf_of=paths.on_behalf_of(request, person),
    )
    return Status(201, _detail(request, community, conversation.pk, viewer=person))


@router.get(
    "/{slug}/conversations/{conversation_id}",
    response={200: ConversationDetail, **READ_ERRORS},
    summary="A conversation",
)
def conversation_detail(request, slug: Slug, conversation_id: ObjectId):
    """Its two people may read it; coordinators only once a message in it was reported."""
    community = _member_community(request, slug)
    return _detail(request, community, conversation_id)


@router.post(
    "/{slug}/conversations/{conversation_id}/messages",
    response={201: MessageOut, **WRITE_ERRORS},
    summary="Reply in a conversation",
)
def message_send(request, slug: Slug, conversation_id: ObjectId, payload: MessageIn):
    """403 `blocked` when either has blocked the other; 409 `recipient_left` when the other
    person is no longer a member. A coordinator replies for a member with `on_behalf_of`."""
    community = _member_community(request, slug)
    person = paths.acting_member(request, community, payload.on_behalf_of)
    conversation = conversations_selectors.conversation_get(community, person, conversation_id)
    message = conversations_services.message_send(
        actor=request.user,
        conversation=conversation,
        body=payload.body,
        on_behalf_of=paths.on_behalf_of(request, person),
    )
    numbers = memberships_selectors.member_numbers(community, {person.pk, request.user.pk})
    return Status(201, _message(message, numbers))


@router.post(
    "/{slug}/messages/{message_id}/report",
    response={201: MessageReportOut, **WRITE_ERRORS},
    summary="Report a message to the coordinators",
)
def message_report(request, slug: Slug, message_id: ObjectId, payload: MessageReportIn):
    """A message in one of your own conversations. The coordinators can then read that
    conversation."""
    community = _member_community(request, slug)
    message = conversations_selectors.message_get(community, request.user, message_id)
    report = reports_services.message_report(
        actor=request.user, message=message, reason=payload.reason
    )
    return Status(201, {"id": report.pk, "message_id": message.pk, "created_at": report.created_at})


@router.post(
    "/{slug}/blocks/{number}",
    response={200: MemberBlockOut, **WRITE_ERRORS},
    summary="Block a member",
)
def member_block(request, slug: Slug, number: MemberNumber):
    """Neither of you can then send the other messages. Blocking again changes nothing."""
    community = _member_community(request, slug)
    membership = paths.member(request, community, number)
    blocks_services.member_block(actor=request.user, community=community, person=membership.person)
    return {"member_number": membership.number, "blocked": True}


@router.delete(
    "/{slug}/blocks/{number}",
    response={
        204: None,
        400: Error,
        401: Error,
        403: Error,
        404: Error,
        409: Error,
        415: Error,
        422: Error,
    },
    summary="Unblock a member",
)
def member_unblock(request, slug: Slug, number: MemberNumber):
    community = _member_community(request, slug)
    membership = paths.member(request, community, number)
    blocks_services.member_unblock(
        actor=request.user, community=community, person=membership.person
    )
    return Status(204, None)
