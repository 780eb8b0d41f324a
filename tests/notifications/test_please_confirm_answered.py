"""A "Please confirm" notification is resolved once the hours it asks about have been answered:
confirmed, declined or disputed, by the person, a coordinator acting for them, the other side
(a dispute) or the auto-confirm job, through the web or the API. It is marked read (so the unread
count drops) and is no longer emailed if its email had not gone yet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.exchanges.models import Exchange
from coproduce.exchanges.services import answers as answers_services
from coproduce.notifications.models import Notification

from ..api.conftest import bearer, post
from ..web.conftest import recorded, text

EXCHANGES = "/api/v1/communities/riverside/exchanges"


def please_confirm(person) -> Notification:
    return Notification.objects.get(person=person, kind="exchange_recorded")


def unread_on_the_page(client, person) -> int:
    client.force_login(person)
    page = text(client.get(reverse("web:notifications")))
    if "You have 1 unread notification." in page:
        return 1
    return int(page.split("You have ")[1].split(" unread")[0])


@pytest.fixture
def waiting(community, member, agency_staff):
    """The member recorded 1h30 given to Asha, who is asked to confirm."""
    exchange = recorded(community, member, member, agency_staff)
    assert please_confirm(agency_staff).read_at is None
    return exchange


def test_confirming_on_the_web_resolves_the_please_confirm(
    client, community, agency_staff, waiting
):
    assert unread_on_the_page(client, agency_staff) == 1
    response = client.post(reverse("web:exchange_confirm", args=[community.slug, waiting.pk]))
    assert response.status_code == 302
    assert please_confirm(agency_staff).read_at is not None
    assert unread_on_the_page(client, agency_staff) == 0


def test_declining_on_the_web_resolves_it(client, community, agency_staff, waiting):
    client.force_login(agency_staff)
    client.post(
        reverse("web:exchange_decline", args=[community.slug, waiting.pk]),
        {f"decline-{waiting.pk}-reason": "It was an hour, not an hour and a half."},
    )
    assert Exchange.objects.get(pk=waiting.pk).status == "declined"
    assert please_confirm(agency_staff).read_at is not None


@pytest.mark.parametrize(
    "action, data",
    [
        ("confirm", {}),
        ("decline", {"reason": "Not me."}),
        ("dispute", {"reason": "It never happened."}),
    ],
)
def test_answering_through_the_api_resolves_it(
    client, community, agency_staff, waiting, action, data
):
    response = post(client, f"{EXCHANGES}/{waiting.pk}/{action}", data, bearer(agency_staff))
    assert response.status_code == 200, response.content
    assert please_confirm(agency_staff).read_at is not None
    listed = client.get("/api/v1/me/notifications", headers=bearer(agency_staff)).json()
    assert listed["unread_count"] == 0
    assert [item["read"] for item in listed["items"] if item["kind"] == "exchange_recorded"] == [
        True
    ]


def test_a_dispute_by_the_side_that_recorded_it_resolves_the_other_sides_please_confirm(
    client, community, member, agency_staff, waiting
):
    response = post(
        client,
        f"{EXCHANGES}/{waiting.pk}/dispute",
        {"reason": "I recorded the wrong day."},
        bearer(member),
    )
    assert response.status_code == 200, response.content
    assert please_confirm(agency_staff).read_at is not None


def test_a_coordinator_acting_for_the_member_resolves_it(
    client, community, coordinator, agency_staff, waiting
):
    client.force_login(coordinator)
    client.post(
        reverse("web:acting_start", args=[community.slug, agency_staff.memberships.get().number])
    )
    response = client.post(reverse("web:exchange_confirm", args=[community.slug, waiting.pk]))
    assert response.status_code == 302
    assert Exchange.objects.get(pk=waiting.pk).status == "confirmed"
    assert please_confirm(agency_staff).read_at is not None


def test_auto_confirm_resolves_it(community, agency_staff, waiting):
    assert answers_services.exchanges_auto_confirm(now=timezone.now() + dt.timedelta(days=30)) == 1
    assert please_confirm(agency_staff).read_at is not None


def test_it_is_not_emailed_once_answered(community, member, agency_staff, mailoutbox):
    exchange = recorded(community, member, member, agency_staff)  # its email job has not run
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    notification = please_confirm(agency_staff)
    assert notification.email_state == "skipped"
    from coproduce.notifications.services import emails as emails_services

    assert emails_services.notification_email_send(notification.pk) == ""
    assert [m for m in mailoutbox if "Please confirm" in m.subject] == []


def test_a_refused_answer_leaves_it_unread(client, community, member, agency_staff, waiting):
    # The side that recorded the hours cannot confirm them: nothing changes, the ask stays.
    response = post(client, f"{EXCHANGES}/{waiting.pk}/confirm", {}, bearer(member))
    assert response.status_code == 403
    assert please_confirm(agency_staff).read_at is None


def test_only_the_please_confirm_of_that_exchange_is_resolved(
    client, community, member, agency_staff, waiting
):
    other = recorded(community, member, member, agency_staff, title="Another job", minutes=30)
    answers_services.exchange_confirm(actor=agency_staff, exchange=waiting)
    asks = Notification.objects.filter(person=agency_staff, kind="exchange_recorded")
    by_url = {n.url: n.read_at for n in asks}
    assert by_url[f"/c/{community.slug}/exchanges/{waiting.pk}/"] is not None
    assert by_url[f"/c/{community.slug}/exchanges/{other.pk}/"] is None
