"""The message pages: inbox, a conversation, writing to a member, reporting and blocking, and the
coordinators' reported conversations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import PermissionDenied
from coproduce.exchanges.services import listings as listings_services
from coproduce.messaging.models import Conversation, Message, Report
from coproduce.messaging.services import blocks as blocks_services
from coproduce.messaging.services import conversations as conversations_services
from tests.conftest import make_person

from .conftest import text
from .test_pages import assert_accessible


@pytest.fixture
def helper(community):
    person = make_person("helper@riverside.example", "Hal Helper", phone="07700 900777")
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


def _start(actor, community, recipient, body="Could you help with my computer?"):
    return conversations_services.conversation_start(
        actor=actor, community=community, recipient=recipient, body=body
    )


def test_it_starts_a_conversation_from_a_member_page(client, community, member, helper, number_of):
    client.force_login(member)
    number = number_of(helper, community)
    detail = client.get(reverse("web:member_detail", args=[community.slug, number]))
    new_url = reverse("web:conversation_new", args=[community.slug, number])
    assert new_url in detail.content.decode()
    page = client.get(new_url)
    assert page.status_code == 200
    assert_accessible(page, new_url)
    response = client.post(new_url, {"body": "Hello Hal"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "web:conversation_detail", args=[community.slug, conversation.pk]
    )
    thread = client.get(response["Location"])
    assert "Hello Hal" in text(thread)
    assert "07700 900777" not in thread.content.decode()
    assert "helper@riverside.example" not in thread.content.decode()


def test_it_starts_a_conversation_about_a_listing(client, community, member, helper, number_of):
    listing = listings_services.listing_create(
        actor=helper, community=community, kind="offer", title="Computer help", category="gardening"
    )
    client.force_login(member)
    detail = client.get(reverse("web:listing_detail", args=[community.slug, listing.pk]))
    new_url = reverse("web:conversation_new", args=[community.slug, number_of(helper, community)])
    assert f"{new_url}?listing={listing.pk}" in detail.content.decode()
    client.post(new_url, {"body": "Is it still on?", "listing": str(listing.pk)})
    assert Conversation.objects.get().listing == listing


def test_it_shows_html_escaped(client, community, member, helper):
    conversation = _start(helper, community, member, body="<script>alert(1)</script>")
    client.force_login(member)
    for url in (
        reverse("web:inbox", args=[community.slug]),
        reverse("web:conversation_detail", args=[community.slug, conversation.pk]),
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_it_replies_and_shows_the_inbox_accessibly(client, community, member, helper):
    conversation = _start(helper, community, member)
    client.force_login(member)
    url = reverse("web:conversation_detail", args=[community.slug, conversation.pk])
    assert_accessible(client.get(url), url)
    response = client.post(url, {"body": "Yes, Tuesday?"})
    assert response.status_code == 302
    inbox_url = reverse("web:inbox", args=[community.slug])
    inbox = client.get(inbox_url)
    assert_accessible(inbox, inbox_url)
    assert "Hal Helper" in text(inbox) and "Yes, Tuesday?" in text(inbox)


def test_it_refuses_an_empty_or_garbled_reply(client, community, member, helper):
    conversation = _start(helper, community, member)
    client.force_login(member)
    url = reverse("web:conversation_detail", args=[community.slug, conversation.pk])
    for body in ("", "bad\x00byte"):
        response = client.post(url, {"body": body})
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()
    assert Message.objects.count() == 1


def test_it_refuses_writing_to_a_member_who_blocked_you(
    client, community, member, helper, number_of
):
    blocks_services.member_block(actor=helper, community=community, person=member)
    client.force_login(member)
    response = client.post(
        reverse("web:conversation_new", args=[community.slug, number_of(helper, community)]),
        {"body": "Hello?"},
    )
    assert response.status_code == 400
    assert "not taking messages from you" in text(response)
    assert Conversation.objects.count() == 0


def test_it_blocks_from_a_conversation(client, community, member, helper, number_of):
    conversation = _start(helper, community, member)
    client.force_login(member)
    response = client.post(
        reverse("web:member_block", args=[community.slug, number_of(helper, community)]),
        {"conversation": str(conversation.pk)},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Unblock this member" in text(page)
    with pytest.raises(PermissionDenied):
        _start(helper, community, member)


def test_it_keeps_conversations_from_others(
    client, community, member, helper, coordinator, other_member, outsider
):
    conversation = _start(helper, community, member)
    url = reverse("web:conversation_detail", args=[community.slug, conversation.pk])
    for person in (coordinator, other_member, outsider):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "Hi"}).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("web:inbox", args=[community.slug])).status_code == 404
    assert Message.objects.count() == 1


def test_it_refuses_writing_to_oneself(client, community, member, number_of):
    client.force_login(member)
    response = client.post(
        reverse("web:conversation_new", args=[community.slug, number_of(member, community)]),
        {"body": "Me"},
    )
    assert response.status_code == 400
    assert Conversation.objects.count() == 0


def test_it_shows_a_reported_conversation_to_coordinators(
    client, community, member, helper, coordinator
):
    conversation = _start(helper, community, member, body="Something unkind")
    hidden = _start(helper, community, member, body="Not reported")
    client.force_login(member)
    message = conversation.messages.get()
    response = client.post(
        reverse("web:message_report", args=[community.slug, message.pk]), {"reason": "Unkind"}
    )
    assert response.status_code == 302
    assert Report.objects.get().message == message

    client.force_login(coordinator)
    dashboard = client.get(reverse("web:coordinator_dashboard", args=[community.slug]))
    reports_url = reverse("web:message_reports", args=[community.slug])
    assert reports_url in dashboard.content.decode()
    page = client.get(reports_url)
    assert_accessible(page, reports_url)
    assert "Unkind" in text(page)
    thread_url = reverse("web:conversation_detail", args=[community.slug, conversation.pk])
    assert "Something unkind" in text(client.get(thread_url))
    assert (
        client.get(reverse("web:conversation_detail", args=[community.slug, hidden.pk])).status_code
        == 404
    )

    handled = client.post(
        reverse("web:report_handled", args=[community.slug, Report.objects.get().pk]),
        {"note": "Spoke to Hal"},
    )
    assert handled.status_code == 302
    assert Report.objects.get().handled_by == coordinator


def test_it_refuses_the_reports_page_to_members(client, community, member):
    client.force_login(member)
    assert client.get(reverse("web:message_reports", args=[community.slug])).status_code == 403


def test_it_links_messages_from_home(client, community, member):
    client.force_login(member)
    assert (
        reverse("web:inbox", args=[community.slug])
        in client.get(reverse("web:home")).content.decode()
    )


def test_it_shows_the_inbox_in_a_fixed_number_of_queries(
    client, community, member, helper, coordinator
):
    _start(helper, community, member)
    client.force_login(member)
    url = reverse("web:inbox", args=[community.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _start(coordinator, community, member)
    other = make_person("third@riverside.example", "Tess Third")
    memberships_services.membership_add(actor=None, community=community, person=other)
    _start(other, community, member)
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)
