"""Reading conversations. Participants read their own; coordinators read a conversation only once
one of its messages has been reported to them. Everyone else gets NotFound."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound

from .models import Block, Conversation, Introduction, Message, PassOn, Report


def _last(field: str) -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id").values(field)[:1]
    )


def conversations_of(person, community) -> list[Any]:
    """The person's conversations in the community, newest first, each with `other` (the other
    person), `last_body` and `last_sender_id`. One query."""
    found: list[Any] = list(
        Conversation.objects.filter(Q(starter=person) | Q(recipient=person), community=community)
        .select_related("starter", "recipient")
        .annotate(last_body=_last("body"), last_sender_id=_last("sender_id"))
        .order_by("-last_message_at", "-id")
    )
    for conversation in found:
        conversation.other = conversation.other_than(person.pk)
    return found


def conversation_get(community, viewer, conversation_id: int) -> Any:
    """A conversation with its messages (oldest first, each with its reports). Its two people
    may read it; the community's coordinators may once a message in it has been reported."""
    conversation: Any = (
        Conversation.objects.filter(pk=conversation_id, community=community)
        .select_related("community", "starter", "recipient")
        .annotate(reported=Exists(Report.objects.filter(conversation=OuterRef("pk"))))
        .first()
    )
    if conversation is None:
        raise NotFound("No such conversation.")
    viewer_id = getattr(viewer, "pk", None)
    if not conversation.has(viewer_id):
        if not (conversation.reported and community_access.is_coordinator(viewer, community)):
            raise NotFound("No such conversation.")
    elif community_access.membership_of(viewer, community) is None:
        raise NotFound("No such conversation.")
    conversation.thread = list(
        Message.objects.filter(conversation=conversation).select_related("sender", "written_by")
        .prefetch_related(Prefetch("reports", queryset=Report.objects.order_by("created_at", "id")))
        .order_by("created_at", "id")
    )
    for message in conversation.thread:
        # A coordinator's introduction is the one kind of message whose sender is neither person.
        message.is_introduction = not conversation.has(message.sender_id)
    conversation.other = conversation.other_than(viewer_id)
    return conversation


def message_get(community, viewer, message_id: int) -> Message:
    """A message of one of the viewer's own conversations in the community."""
    message = (
        Message.objects.filter(pk=message_id, conversation__community=community)
        .select_related("conversation__community", "conversation__starter", "conversation__recipient", "sender")
        .first()
    )
    if message is None or not message.conversation.has(getattr(viewer, "pk", None)):
        raise NotFound("No such message.")
    return message


def reported_conversations(community) -> list[Any]:
    """Conversations of the community with a reported message, those with reports still open
    first, each with its reports (`report_list`, with the message and people). Three queries."""
    reports = Report.objects.select_related("message__sender", "reporter", "handled_by").order_by("created_at", "id")
    found: list[Any] = list(
        Conversation.objects.filter(community=community)
        .filter(Exists(Report.objects.filter(conversation=OuterRef("pk"))))
        .annotate(open=Exists(Report.objects.filter(conversation=OuterRef("pk"), handled_at__isnull=True)))
        .select_related("starter", "recipient")
        .prefetch_related(Prefetch("reports", queryset=reports, to_attr="report_list"))
        .order_by("-open", "-last_message_at", "-id")
    )
    return found


def report_get(community, report_id: int) -> Report:
    report = (
        Report.objects.filter(pk=report_id, conversation__community=community)
        .select_related("conversation__community").first()
    )
    if report is None:
        raise NotFound("No such report.")
    return report


def blocked_by(person) -> set[int]:
    """Ids of the people this person has blocked."""
    return set(Block.objects.filter(blocker=person).values_list("blocked_id", flat=True))


def _readers_waiting(message: Message) -> list[Any]:
    """The people in the conversation who did not write the message and who need it passed on."""
    conversation = message.conversation
    return [p for p in (conversation.starter, conversation.recipient)
            if p.pk != message.sender_id and (p.is_offline or not p.email)]


def pass_on_query(community, *, done: bool = False) -> QuerySet[Message]:
    """Messages for members who are offline that wait for a coordinator, or (`done`) that were
    passed on, with the people preloaded; unordered, for the caller's page."""
    return Message.objects.filter(
        conversation__community=community, pass_on=PassOn.DONE if done else PassOn.WAITING
    ).select_related("sender", "written_by", "passed_on_by", "conversation__starter", "conversation__recipient")


def with_readers(messages: list[Any]) -> list[Any]:
    """Adds `readers` (the offline people to carry each message to) and `is_introduction`."""
    for message in messages:
        message.readers = _readers_waiting(message)
        message.is_introduction = not message.conversation.has(message.sender_id)
    return messages


def messages_to_pass_on(community, *, done: bool = False, limit: int = 100) -> list[Any]:
    """Messages for members who are offline: those waiting for a coordinator (oldest first), or
    those passed on (latest first), each with `readers`. The only messages coordinators read
    besides reported ones. One query."""
    qs = pass_on_query(community, done=done)
    qs = qs.order_by("-passed_on_at", "-id") if done else qs.order_by("created_at", "id")
    return with_readers(list(qs[:limit]))


def messages_waiting_count(community) -> int:
    return Message.objects.filter(conversation__community=community, pass_on=PassOn.WAITING).count()


def message_to_pass_on_get(community, message_id: int) -> Message:
    """A message of the community that was to be passed on (waiting or done). Raises NotFound
    for any other message: coordinators do not read those."""
    message = (
        Message.objects.filter(pk=message_id, conversation__community=community)
        .exclude(pass_on=PassOn.NOT_NEEDED)
        .select_related("conversation__community", "conversation__starter", "conversation__recipient", "sender")
        .first()
    )
    if message is None:
        raise NotFound("No such message to pass on.")
    return message


# Introductions --------------------------------------------------------------------------------


def introductions_query(community) -> QuerySet[Introduction]:
    """The community's introductions with the people and the listing, unordered."""
    return Introduction.objects.filter(community=community).select_related("made_by", "first", "second", "listing")


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
        total=Count("id"), recent=Count("id", filter=Q(created_at__gte=since)))
    return {"total": counted["total"] or 0, "recent": counted["recent"] or 0}
