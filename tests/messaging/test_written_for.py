"""A coordinator acting for a member writes as that member: the message is the member's, with
`written_by` naming the coordinator, and the audit row records both."""

from __future__ import annotations

import pytest

from coproduce.core.errors import NotFound, PermissionDenied
from coproduce.core.models import AuditEvent
from coproduce.messaging.models import Conversation, Message
from coproduce.messaging.services import conversations as conversations_services

pytestmark = pytest.mark.django_db


def test_it_sends_as_the_member_written_by_the_coordinator(community, coordinator, offline, helper):
    conversation = conversations_services.conversation_start(
        actor=coordinator,
        community=community,
        recipient=helper,
        body="Ode would like help with her garden.",
        on_behalf_of=offline,
    )
    first = conversation.messages.get()
    assert (
        conversation.starter == offline
        and first.sender == offline
        and first.written_by == coordinator
    )
    event = AuditEvent.objects.get(action="conversation.start")
    assert event.actor == coordinator and event.on_behalf_of == offline
    reply = conversations_services.message_send(
        actor=helper, conversation=conversation, body="Happy to!"
    )
    assert reply.written_by is None and reply.pass_on == "waiting"  # Ode is offline
    answer = conversations_services.message_send(
        actor=coordinator,
        conversation=conversation,
        body="Ode says Saturday.",
        on_behalf_of=offline,
    )
    assert answer.sender == offline and answer.written_by == coordinator
    assert (
        AuditEvent.objects.get(action="message.send", subject_id=str(answer.pk)).on_behalf_of
        == offline
    )


def test_it_refuses_writing_for_someone_without_coordinating(community, member, helper, offline):
    before = (Conversation.objects.count(), Message.objects.count())
    with pytest.raises(PermissionDenied):
        conversations_services.conversation_start(
            actor=member, community=community, recipient=helper, body="Hi", on_behalf_of=offline
        )
    conversation = conversations_services.conversation_start(
        actor=helper, community=community, recipient=offline, body="Hi Ode"
    )
    with pytest.raises(PermissionDenied):
        conversations_services.message_send(
            actor=member, conversation=conversation, body="Not mine", on_behalf_of=offline
        )
    assert (Conversation.objects.count(), Message.objects.count()) == (before[0] + 1, before[1] + 1)


def test_it_refuses_writing_for_someone_outside_the_conversation(
    community, coordinator, member, helper, offline
):
    conversation = conversations_services.conversation_start(
        actor=member, community=community, recipient=helper, body="Hi"
    )
    with pytest.raises(NotFound):
        conversations_services.message_send(
            actor=coordinator, conversation=conversation, body="Butting in", on_behalf_of=offline
        )
    assert conversation.messages.count() == 1
