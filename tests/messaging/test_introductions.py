"""A coordinator introduces two members: one message to both in their conversation, both told,
counted and audited; refused (nothing stored) for non-coordinators, one person twice, oneself,
non-members, a listing neither posted, and a blocked pair, without saying who blocked whom."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.core.errors import NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.messaging.models import Conversation, Introduction, Message
from coproduce.messaging.selectors import broker
from coproduce.messaging.selectors import conversations as conversations_selectors
from coproduce.messaging.selectors import introductions as introductions_selectors
from coproduce.messaging.services import blocks as blocks_services
from coproduce.messaging.services import conversations as conversations_services
from coproduce.messaging.services import introductions as introductions_services
from coproduce.notifications.models import Notification

from .conftest import join, post

pytestmark = pytest.mark.django_db


def state():
    return (
        Conversation.objects.count(),
        Message.objects.count(),
        Introduction.objects.count(),
        Notification.objects.count(),
        AuditEvent.objects.filter(action="introduction.make").count(),
    )


def introduce(
    actor, community, first, second, note="Mo needs laptop help; Hal is good with them.", **kw
):
    return introductions_services.introduction_make(
        actor=actor, community=community, first=first, second=second, note=note, **kw
    )


def test_it_writes_to_both_in_their_conversation_and_counts_it(
    community, coordinator, member, helper
):
    request = post(community, member, days_ago=10)
    introduction = introduce(coordinator, community, member, helper, listing=request)
    conversation = introduction.conversation
    assert {conversation.starter, conversation.recipient} == {member, helper}
    assert conversation.listing == request
    message = conversation.messages.get()
    assert message.sender == coordinator and message.written_by == coordinator
    assert message.body == introduction.note
    for person in (member, helper):
        thread = conversations_selectors.conversation_get(community, person, conversation.pk).thread
        assert [m.is_introduction for m in thread] == [True]
    notes = Notification.objects.filter(kind="introduction").order_by("person_id")
    assert {n.person for n in notes} == {member, helper}
    assert all("Cora Coordinator introduced you to" in n.title for n in notes)
    assert all(introduction.note not in n.body for n in notes)  # the note stays on the site
    event = AuditEvent.objects.get(action="introduction.make")
    assert event.actor == coordinator and event.subject_id == str(introduction.pk)
    counts = introductions_selectors.introduction_counts(
        community, since=broker.month_start(community, timezone.now())
    )
    assert counts == {"total": 1, "recent": 1}


def test_it_reuses_their_conversation_about_the_same_listing(
    community, coordinator, member, helper
):
    request = post(community, member)
    talk = conversations_services.conversation_start(
        actor=helper, community=community, recipient=member, listing=request, body="Shall I help?"
    )
    introduction = introduce(coordinator, community, member, helper, listing=request)
    assert introduction.conversation == talk
    assert talk.messages.count() == 2
    other = introduce(coordinator, community, member, helper)
    assert other.conversation != talk and other.conversation.listing is None


def test_it_counts_only_this_month_as_recent(community, coordinator, member, helper):
    old = introduce(coordinator, community, member, helper)
    Introduction.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    introduce(coordinator, community, helper, member)
    counts = introductions_selectors.introduction_counts(
        community, since=broker.month_start(community, timezone.now())
    )
    assert counts == {"total": 2, "recent": 1}


@pytest.mark.parametrize("who", ["member", "agency_staff"])
def test_it_refuses_anyone_but_a_coordinator(community, member, helper, agency_staff, who, request):
    actor = request.getfixturevalue(who)
    other = helper if actor != member else agency_staff
    before = state()
    with pytest.raises(PermissionDenied):
        introduce(actor, community, member if actor != member else helper, other)
    assert state() == before


def test_it_refuses_outsiders_with_not_found(community, outsider, member, helper):
    with pytest.raises(NotFound):
        introduce(outsider, community, member, helper)
    assert Introduction.objects.count() == 0


def test_it_refuses_introducing_someone_to_themselves(community, coordinator, member):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        introduce(coordinator, community, member, member)
    assert exc.value.code == "self" and "second" in exc.value.fields
    with pytest.raises(ValidationFailed):
        introduce(coordinator, community, coordinator, member)
    assert state() == before


def test_it_refuses_people_who_are_not_active_members(
    community, coordinator, member, other_member, outsider
):
    before = state()
    for stranger in (other_member, outsider):
        with pytest.raises(ValidationFailed) as exc:
            introduce(coordinator, community, member, stranger)
        assert exc.value.code == "not_a_member" and "second" in exc.value.fields
    assert state() == before


def test_it_refuses_a_listing_neither_posted(community, coordinator, member, helper):
    third = join(community, "third@riverside.example", "Tia Third")
    request = post(community, third)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        introduce(coordinator, community, member, helper, listing=request)
    assert exc.value.code == "listing_owner"
    assert state() == before


@pytest.mark.parametrize("blocker", ["member", "helper"])
def test_it_refuses_a_blocked_pair_without_saying_who_blocked(
    community, coordinator, member, helper, blocker
):
    if blocker == "member":
        blocks_services.member_block(actor=member, community=community, person=helper)
    else:
        blocks_services.member_block(actor=helper, community=community, person=member)
    before = state()
    with pytest.raises(PermissionDenied) as exc:
        introduce(coordinator, community, member, helper)
    assert exc.value.code == "blocked"
    assert exc.value.message == (
        "These two members cannot be introduced: they are not taking messages from each other."
    )
    assert state() == before


def test_it_refuses_an_empty_note(community, coordinator, member, helper):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        introduce(coordinator, community, member, helper, note="   ")
    assert "note" in exc.value.fields
    assert state() == before
