"""Messages to members who are offline (or have no email) wait for a coordinator, who reads only
those (and reported ones), passes them on and says how; once only, audited."""

from __future__ import annotations

import pytest

from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.messaging.models import Message, PassOn
from coproduce.messaging.selectors import conversations as conversations_selectors
from coproduce.messaging.selectors import pass_on as pass_on_selectors
from coproduce.messaging.services import conversations as conversations_services
from coproduce.messaging.services import introductions as introductions_services
from coproduce.messaging.services import pass_on as pass_on_services

from .conftest import join

pytestmark = pytest.mark.django_db


def test_it_marks_messages_to_offline_members_and_to_members_without_email(
    community, member, helper, offline
):
    no_email = join(community, None, "Nia Noemail", username="nia")
    to_offline = conversations_services.conversation_start(
        actor=member, community=community, recipient=offline, body="Hi Ode"
    )
    to_no_email = conversations_services.conversation_start(
        actor=member, community=community, recipient=no_email, body="Hi Nia"
    )
    online = conversations_services.conversation_start(
        actor=member, community=community, recipient=helper, body="Hi Hal"
    )
    assert to_offline.messages.get().pass_on == PassOn.WAITING
    assert to_no_email.messages.get().pass_on == PassOn.WAITING
    assert online.messages.get().pass_on == PassOn.NOT_NEEDED
    # Their own messages (written for them by a coordinator) need no passing on to the online
    # member.
    reply = conversations_services.message_send(actor=helper, conversation=online, body="Hello")
    assert reply.pass_on == PassOn.NOT_NEEDED
    waiting = pass_on_selectors.messages_to_pass_on(community)
    assert [m.body for m in waiting] == ["Hi Ode", "Hi Nia"]
    assert waiting[0].readers == [offline]
    assert pass_on_selectors.messages_waiting_count(community) == 2


def test_it_records_who_passed_it_on_and_how_once(community, coordinator, member, offline):
    message = conversations_services.conversation_start(
        actor=member, community=community, recipient=offline, body="Walk on Friday?"
    ).messages.get()
    done = pass_on_services.message_passed_on(actor=coordinator, message=message, how="by phone")
    assert (done.pass_on, done.passed_on_by, done.passed_on_how) == (
        PassOn.DONE,
        coordinator,
        "by phone",
    )
    assert done.passed_on_at is not None
    event = AuditEvent.objects.get(action="message.pass_on")
    assert event.actor == coordinator and event.note == "by phone"
    with pytest.raises(Conflict) as exc:
        pass_on_services.message_passed_on(actor=coordinator, message=message, how="by letter")
    assert exc.value.code == "already_passed_on"
    message.refresh_from_db()
    assert message.passed_on_how == "by phone"
    assert AuditEvent.objects.filter(action="message.pass_on").count() == 1
    assert pass_on_selectors.messages_to_pass_on(community) == []
    assert [m.pk for m in pass_on_selectors.messages_to_pass_on(community, done=True)] == [
        message.pk
    ]


def test_it_refuses_members_an_empty_how_and_messages_not_to_pass_on(
    community, coordinator, member, helper, offline
):
    message = conversations_services.conversation_start(
        actor=member, community=community, recipient=offline, body="Walk?"
    ).messages.get()
    with pytest.raises(PermissionDenied):
        pass_on_services.message_passed_on(actor=helper, message=message, how="by phone")
    for how in ("", "   ", "by\nphone", "x" * 201):
        with pytest.raises(ValidationFailed) as exc:
            pass_on_services.message_passed_on(actor=coordinator, message=message, how=how)
        assert "how" in exc.value.fields
    online = conversations_services.conversation_start(
        actor=member, community=community, recipient=helper, body="Private"
    ).messages.get()
    with pytest.raises(NotFound):
        pass_on_services.message_passed_on(actor=coordinator, message=online, how="by phone")
    assert Message.objects.filter(pass_on=PassOn.DONE).count() == 0
    assert not AuditEvent.objects.filter(action="message.pass_on").exists()


def test_coordinators_read_only_the_messages_to_pass_on(
    community, coordinator, member, helper, offline
):
    private = conversations_services.conversation_start(
        actor=member, community=community, recipient=helper, body="Private"
    )
    waiting = conversations_services.conversation_start(
        actor=member, community=community, recipient=offline, body="For Ode"
    )
    with pytest.raises(NotFound):
        pass_on_selectors.message_to_pass_on_get(community, private.messages.get().pk)
    assert (
        pass_on_selectors.message_to_pass_on_get(community, waiting.messages.get().pk).body
        == "For Ode"
    )
    with pytest.raises(NotFound):
        conversations_selectors.conversation_get(community, coordinator, private.pk)
    with pytest.raises(NotFound):
        conversations_selectors.conversation_get(community, coordinator, waiting.pk)


def test_an_introduction_to_an_offline_member_waits_too(community, coordinator, member, offline):
    introduction = introductions_services.introduction_make(
        actor=coordinator,
        community=community,
        first=member,
        second=offline,
        note="You both love knitting.",
    )
    message = introduction.conversation.messages.get()
    assert message.pass_on == PassOn.WAITING
    assert pass_on_selectors.messages_to_pass_on(community)[0].readers == [offline]
