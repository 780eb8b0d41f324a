"""A coordinator acting for a member reads and writes that member's messages; each message
shows "written by <coordinator> for <member>". Introductions show as such."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.communities.services import acting_for as acting_for_services
from coproduce.core.models import AuditEvent
from coproduce.messaging.models import Message
from coproduce.messaging.services import introductions as introductions_services
from tests.messaging.conftest import join

from .conftest import text


@pytest.fixture
def offline(community):
    return join(community, None, "Ode Offline", phone="01632 960001", is_offline=True)


def test_a_coordinator_acting_for_a_member_writes_as_them(
    client, community, coordinator, member, offline, number_of
):
    acting_for_services.acting_for_start(actor=coordinator, membership=offline.memberships.get())
    client.force_login(coordinator)
    client.post(reverse("web:acting_start", args=[community.slug, number_of(offline, community)]))
    new = reverse("web:conversation_new", args=[community.slug, number_of(member, community)])
    assert "You are writing for Ode Offline" in text(client.get(new))
    response = client.post(new, {"body": "Ode asks: could you help with her shopping?"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.sender == offline and message.written_by == coordinator
    event = AuditEvent.objects.get(action="conversation.start")
    assert event.actor == coordinator and event.on_behalf_of == offline
    conversation_url = response["Location"]
    inbox = text(client.get(reverse("web:inbox", args=[community.slug])))
    assert "Messages of Ode Offline" in inbox and "Mo Member" in inbox
    reply = client.post(conversation_url, {"body": "And thank you!"})
    assert reply.status_code == 302
    assert Message.objects.filter(sender=offline, written_by=coordinator).count() == 2
    client.post(reverse("web:acting_stop"))
    client.force_login(member)
    page = text(client.get(conversation_url))
    assert "written by Cora Coordinator for Ode Offline" in page


def test_an_introduction_shows_who_made_it(client, community, coordinator, member, offline):
    introduction = introductions_services.introduction_make(
        actor=coordinator,
        community=community,
        first=member,
        second=offline,
        note="You both love knitting.",
    )
    client.force_login(member)
    page = text(
        client.get(
            reverse("web:conversation_detail", args=[community.slug, introduction.conversation_id])
        )
    )
    assert "Introduction from Cora Coordinator" in page and "You both love knitting." in page
    assert "Messages with Ode Offline" in page
    assert "Waiting for a coordinator to pass it on" in page


def test_the_introducing_coordinator_cannot_read_the_conversation(
    client, community, coordinator, member, offline
):
    introduction = introductions_services.introduction_make(
        actor=coordinator, community=community, first=member, second=offline, note="Hello both."
    )
    client.force_login(coordinator)
    url = reverse("web:conversation_detail", args=[community.slug, introduction.conversation_id])
    assert client.get(url).status_code == 404
