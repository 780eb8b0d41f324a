"""The demo conversations: built once, with a message waiting for Dorothy (offline), an
introduction by the coordinator, a reported message, and old unanswered requests on the
coordinators' queue beside an offer of computer help."""

from __future__ import annotations

import pytest

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.exchanges.models import Listing
from coproduce.messaging.models import Conversation, Introduction, Message, Report
from coproduce.messaging.selectors import broker
from coproduce.messaging.selectors import pass_on as pass_on_selectors
from coproduce.ops.demo import exchanges as exchanges_demo
from coproduce.ops.demo import messaging as demo
from coproduce.ops.demo.communities import build_demo

pytestmark = pytest.mark.django_db


def test_it_builds_realistic_conversations_once():
    build_demo()
    assert exchanges_demo.build_listings() is True
    assert demo.build_conversations() is True
    community = communities_selectors.community_get("riverside")
    assert Conversation.objects.filter(community=community).count() >= 5
    waiting = pass_on_selectors.messages_to_pass_on(community)
    assert [r.full_name for m in waiting for r in m.readers] == ["Dorothy Evans"]
    assert pass_on_selectors.messages_to_pass_on(community, done=True)[0].passed_on_how.startswith(
        "by phone"
    )
    assert Message.objects.filter(
        written_by__email="coordinator@riverside.example", sender__full_name="Dorothy Evans"
    ).exists()
    introduction = Introduction.objects.get()
    assert introduction.made_by.email == "coordinator@riverside.example"
    assert introduction.listing.title == "Lift to the eye clinic on a Tuesday"
    assert Report.objects.count() == 1
    assert Listing.objects.filter(
        category__slug="computer-help", kind="offer", status="active"
    ).exists()
    queue = broker.broker_queue(community)
    waiting_titles = {listing.title for listing in queue.requests}
    assert len(waiting_titles) >= 3
    assert "Lift to the eye clinic on a Tuesday" not in waiting_titles  # introduced
    assert "Help to clear an overgrown back garden" not in waiting_titles  # answered
    counts = (Conversation.objects.count(), Message.objects.count(), Introduction.objects.count())
    assert demo.build_conversations() is False
    assert (
        Conversation.objects.count(),
        Message.objects.count(),
        Introduction.objects.count(),
    ) == counts
