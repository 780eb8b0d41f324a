"""Reading conversations. Participants read their own; coordinators read a conversation only once
one of its messages has been reported to them. Everyone else gets NotFound."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound

from ..models import Conversation, Message, Report


def _last(field: str) -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values(field)[:1]
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
        Message.objects.filter(conversation=conversation)
        .select_related("sender", "written_by")
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
        .select_related(
            "conversation__community", "conversation__starter", "conversation__recipient", "sender"
        )
        .first()
    )
    if message is None or not message.conversation.has(getattr(viewer, "pk", None)):
        raise NotFound("No such message.")
    return message
