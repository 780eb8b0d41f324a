"""Messages for members who are offline, which a coordinator passes on: the only messages
coordinators read besides reported ones."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from coproduce.core.errors import NotFound

from ..models import Message, PassOn


def _readers_waiting(message: Message) -> list[Any]:
    """The people in the conversation who did not write the message and who need it passed on."""
    conversation = message.conversation
    return [
        p
        for p in (conversation.starter, conversation.recipient)
        if p.pk != message.sender_id and (p.is_offline or not p.email)
    ]


def pass_on_query(
    community, *, done: bool = False, message_id: int | None = None
) -> QuerySet[Message]:
    """Messages for members who are offline that wait for a coordinator, or (`done`) that were
    passed on, with the people preloaded; unordered, for the caller's page (only the one with
    `message_id` when it is given)."""
    found = Message.objects.filter(
        conversation__community=community, pass_on=PassOn.DONE if done else PassOn.WAITING
    )
    if message_id is not None:
        found = found.filter(pk=message_id)
    return found.select_related(
        "sender", "written_by", "passed_on_by", "conversation__starter", "conversation__recipient"
    )


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
        .select_related(
            "conversation__community", "conversation__starter", "conversation__recipient", "sender"
        )
        .first()
    )
    if message is None:
        raise NotFound("No such message to pass on.")
    return message
