"""Coordinators' "Messages to pass on": the waiting messages (and only those) with the offline
member's phone, marked passed on with how; refused twice, empty, or by members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.messaging.models import Message, PassOn
from coproduce.messaging.services import conversations as conversations_services
from tests.messaging.conftest import join

from .conftest import text


@pytest.fixture
def offline(community):
    return join(community, None, "Ode Offline", phone="01632 960001", is_offline=True)


def page_url(community):
    return reverse("web:pass_on", args=[community.slug])


def mark_url(community, message):
    return reverse("web:message_passed_on", args=[community.slug, message.pk])


def test_it_shows_waiting_messages_and_marks_them_passed_on(
    client, community, coordinator, member, offline, agency_staff
):
    message = conversations_services.conversation_start(
        actor=member, community=community, recipient=offline, body="Fancy a <b>walk</b>?"
    ).messages.get()
    conversations_services.conversation_start(
        actor=member, community=community, recipient=agency_staff, body="Private words"
    )
    client.force_login(coordinator)
    response = client.get(page_url(community))
    page = text(response)
    assert "For Ode Offline, 01632 960001" in page and "Fancy a <b>walk</b>?" in page
    assert "Fancy a &lt;b&gt;walk&lt;/b&gt;?" in response.content.decode()  # escaped
    assert "Private words" not in page
    assert "Messages to pass on : 1 waiting" in text(
        client.get(reverse("web:coordinator_dashboard", args=[community.slug]))
    )
    done = client.post(mark_url(community, message), {f"m{message.pk}-how": "by phone"})
    assert done.status_code == 302
    message.refresh_from_db()
    assert (message.pass_on, message.passed_on_by, message.passed_on_how) == (
        PassOn.DONE,
        coordinator,
        "by phone",
    )
    again = client.post(
        mark_url(community, message), {f"m{message.pk}-how": "by letter"}, follow=True
    )
    assert "already been passed on" in text(again)
    message.refresh_from_db()
    assert message.passed_on_how == "by phone"
    assert "passed on" in text(client.get(page_url(community)))


def test_it_needs_to_know_how(client, community, coordinator, member, offline):
    message = conversations_services.conversation_start(
        actor=member, community=community, recipient=offline, body="Hello"
    ).messages.get()
    client.force_login(coordinator)
    response = client.post(mark_url(community, message), {f"m{message.pk}-how": "  "})
    assert response.status_code == 400
    assert "Say how you passed it on" in text(response)
    message.refresh_from_db()
    assert message.pass_on == PassOn.WAITING


def test_it_finds_no_other_message(client, community, coordinator, member, agency_staff):
    private = conversations_services.conversation_start(
        actor=member, community=community, recipient=agency_staff, body="Private"
    ).messages.get()
    client.force_login(coordinator)
    assert (
        client.post(mark_url(community, private), {f"m{private.pk}-how": "by phone"}).status_code
        == 404
    )
    assert Message.objects.get(pk=private.pk).pass_on == PassOn.NOT_NEEDED


@pytest.mark.parametrize("who, status", [("member", 403), ("outsider", 404), ("other_member", 404)])
def test_it_keeps_others_out(client, community, member, offline, who, status, request):
    message = conversations_services.conversation_start(
        actor=member, community=community, recipient=offline, body="Hello"
    ).messages.get()
    client.force_login(request.getfixturevalue(who))
    assert client.get(page_url(community)).status_code == status
    assert (
        client.post(mark_url(community, message), {f"m{message.pk}-how": "by phone"}).status_code
        == status
    )
    message.refresh_from_db()
    assert message.pass_on == PassOn.WAITING
