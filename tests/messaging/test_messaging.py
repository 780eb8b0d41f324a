"""Messages between members: relayed without contact details, refused when blocked (nothing
stored), only between members of one community, readable by coordinators only once reported."""

from __future__ import annotations

import pytest
from django.core import mail

from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.messaging.models import Block, Conversation, Message, Report
from coproduce.messaging.selectors import conversations as conversations_selectors
from coproduce.messaging.selectors import pass_on as pass_on_selectors
from coproduce.messaging.selectors import reports as reports_selectors
from coproduce.messaging.services import blocks as blocks_services
from coproduce.messaging.services import conversations as conversations_services
from coproduce.messaging.services import reports as reports_services
from tests.conftest import make_person

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def helper(community):
    person = make_person("helper@riverside.example", "Hal Helper", phone="07700 900777")
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


def _start(actor, community, recipient, body="Could you help with my computer?"):
    return conversations_services.conversation_start(
        actor=actor, community=community, recipient=recipient, body=body
    )


def test_it_relays_a_message_without_contact_details(
    community, member, helper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = _start(member, community, helper)
    assert conversation.starter == member and conversation.recipient == helper
    assert [m.body for m in conversation.messages.all()] == ["Could you help with my computer?"]
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["helper@riverside.example"]
    assert "Mo Member sent you a message" in email.body
    assert f"/c/riverside/messages/{conversation.pk}/" in email.body
    for detail in ("member@riverside.example", "07700 900001", "1 River Row"):
        assert detail not in email.body and detail not in email.subject
    assert AuditEvent.objects.filter(
        action="conversation.start", subject_id=str(conversation.pk)
    ).exists()


def test_it_sends_no_email_to_an_offline_member_and_shows_it_to_coordinators(
    community, member, coordinator, django_capture_on_commit_callbacks
):
    offline = make_person(None, "Ode Offline", is_offline=True)
    memberships_services.membership_add(actor=None, community=community, person=offline)
    with django_capture_on_commit_callbacks(execute=True):
        _start(member, community, offline)
    assert mail.outbox == []
    waiting = pass_on_selectors.messages_to_pass_on(community)
    assert [m.sender for m in waiting] == [member]
    assert [m.pass_on for m in waiting] == ["waiting"] and waiting[0].readers == [offline]


def test_it_refuses_messages_to_a_member_who_blocked_you_and_stores_nothing(
    community, member, helper
):
    conversation = _start(member, community, helper)
    blocks_services.member_block(actor=helper, community=community, person=member)
    before = (Conversation.objects.count(), Message.objects.count())
    with pytest.raises(PermissionDenied) as refused:
        _start(member, community, helper, body="Again")
    assert refused.value.code == "blocked"
    with pytest.raises(PermissionDenied) as refused:
        conversations_services.message_send(actor=member, conversation=conversation, body="Hello?")
    assert refused.value.code == "blocked"
    with pytest.raises(PermissionDenied) as refused:
        conversations_services.message_send(
            actor=helper, conversation=conversation, body="I blocked you"
        )
    assert refused.value.code == "blocked"
    assert (Conversation.objects.count(), Message.objects.count()) == before


def test_it_lets_messages_through_again_after_unblocking(community, member, helper):
    blocks_services.member_block(actor=helper, community=community, person=member)
    blocks_services.member_block(actor=helper, community=community, person=member)
    assert Block.objects.count() == 1
    blocks_services.member_unblock(actor=helper, community=community, person=member)
    assert _start(member, community, helper).pk


def test_it_refuses_messages_to_oneself(community, member):
    with pytest.raises(ValidationFailed) as refused:
        _start(member, community, member)
    assert "recipient" in refused.value.fields
    assert Conversation.objects.count() == 0


def test_it_refuses_people_outside_the_community(community, member, other_member, outsider):
    with pytest.raises(NotFound):
        _start(member, community, other_member)
    with pytest.raises(NotFound):
        _start(outsider, community, member)
    with pytest.raises(NotFound):
        _start(other_member, community, member)
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001, "bad\x00byte", "bell\x07"])
def test_it_refuses_bad_bodies(community, member, helper, body):
    with pytest.raises(ValidationFailed) as refused:
        _start(member, community, helper, body=body)
    assert "body" in refused.value.fields
    assert Message.objects.count() == 0


def test_it_stores_html_as_written(community, member, helper):
    conversation = _start(member, community, helper, body="<script>alert(1)</script>\nLine two")
    assert conversation.messages.get().body == "<script>alert(1)</script>\nLine two"


def test_it_lists_conversations_newest_first_with_the_last_message(
    community, member, helper, coordinator
):
    first = _start(member, community, helper, body="First")
    second = _start(coordinator, community, member, body="Second")
    conversations_services.message_send(actor=helper, conversation=first, body="Latest reply")
    found = conversations_selectors.conversations_of(member, community)
    assert [c.pk for c in found] == [first.pk, second.pk]
    assert found[0].other == helper and found[0].last_body == "Latest reply"
    assert found[0].last_sender_id == helper.pk
    assert found[1].other == coordinator


def test_it_lists_conversations_in_a_fixed_number_of_queries(
    community, member, helper, coordinator, django_assert_num_queries
):
    _start(member, community, helper)
    _start(coordinator, community, member)
    with django_assert_num_queries(1):
        found = conversations_selectors.conversations_of(member, community)
        [(c.other.display_name, c.last_body) for c in found]


def test_it_hides_conversations_from_everyone_else(
    community, member, helper, coordinator, agency_staff, other_member
):
    conversation = _start(member, community, helper)
    for viewer in (coordinator, agency_staff, other_member):
        with pytest.raises(NotFound):
            conversations_selectors.conversation_get(community, viewer, conversation.pk)
    assert (
        conversations_selectors.conversation_get(community, helper, conversation.pk)
        .thread[0]
        .sender
        == member
    )
    assert reports_selectors.reported_conversations(community) == []


def test_it_shows_a_reported_conversation_to_coordinators(community, member, helper, coordinator):
    conversation = _start(helper, community, member, body="Rude words")
    unreported = _start(member, community, coordinator, body="Hello")
    other = _start(helper, community, coordinator, body="Private")
    report = reports_services.message_report(
        actor=member, message=conversation.messages.get(), reason="Rude"
    )
    assert [c.pk for c in reports_selectors.reported_conversations(community)] == [conversation.pk]
    seen = conversations_selectors.conversation_get(community, coordinator, conversation.pk)
    assert [m.body for m in seen.thread] == ["Rude words"]
    with pytest.raises(NotFound):
        conversations_selectors.conversation_get(community, member, other.pk)
    assert conversations_selectors.conversation_get(
        community, coordinator, unreported.pk
    )  # their own
    handled = reports_services.report_handle(actor=coordinator, report=report, note="Spoke to them")
    assert handled.handled_by == coordinator and handled.handled_at is not None
    with pytest.raises(Conflict):
        reports_services.report_handle(actor=coordinator, report=report, note="")


def test_it_lets_only_coordinators_handle_reports(community, member, helper):
    conversation = _start(helper, community, member)
    report = reports_services.message_report(
        actor=member, message=conversation.messages.get(), reason="Spam"
    )
    with pytest.raises(PermissionDenied):
        reports_services.report_handle(actor=member, report=report, note="")
    assert Report.objects.get().handled_at is None


def test_it_lets_only_the_people_in_it_report_a_message(community, member, helper, agency_staff):
    conversation = _start(helper, community, member)
    with pytest.raises(NotFound):
        reports_services.message_report(
            actor=agency_staff, message=conversation.messages.get(), reason="Nosy"
        )
    assert Report.objects.count() == 0
