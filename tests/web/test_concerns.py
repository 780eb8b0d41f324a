"""Coordinators' concerns page: open and closed concerns, closing one with what was done (once,
with an outcome), and never a concern about the coordinator looking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.exchanges.models import ExchangeReference
from coproduce.exchanges.services import references as references_services

from .conftest import confirmed, text


def page_url(community):
    return reverse("web:exchange_concerns", args=[community.slug])


def close_url(community, reference):
    return reverse("web:concern_close", args=[community.slug, reference.pk])


def raise_concern(community, author, subject, text="Turned up late and was rude."):
    exchange = confirmed(community, author, author, subject)
    return references_services.reference_leave(
        actor=author, exchange=exchange, subject=subject, kind="concern", text=text
    )


def test_it_closes_a_concern_with_what_was_done(
    client, community, coordinator, member, agency_staff
):
    concern = raise_concern(community, member, agency_staff)
    client.force_login(coordinator)
    page = text(client.get(page_url(community)))
    assert "Turned up late and was rude." in page and "Open (1)" in page
    assert "1 open" in text(client.get(reverse("web:coordinator_dashboard", args=[community.slug])))
    response = client.post(
        close_url(community, concern), {f"c{concern.pk}-outcome": "Spoke to both; apology."}
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (
        concern.concern_closed_by == coordinator
        and concern.concern_outcome == "Spoke to both; apology."
    )
    page = text(client.get(page_url(community)))
    assert (
        "Open (0)" in page
        and "Closed by Cora Coordinator" in page
        and "Spoke to both; apology." in page
    )
    again = client.post(
        close_url(community, concern), {f"c{concern.pk}-outcome": "Again"}, follow=True
    )
    assert "already been closed" in text(again)
    concern.refresh_from_db()
    assert concern.concern_outcome == "Spoke to both; apology."


def test_it_needs_an_outcome(client, community, coordinator, member, agency_staff):
    concern = raise_concern(community, member, agency_staff)
    client.force_login(coordinator)
    response = client.post(close_url(community, concern), {f"c{concern.pk}-outcome": ""})
    assert response.status_code == 400
    assert "Say what was done about the concern." in text(response)
    assert ExchangeReference.objects.get(pk=concern.pk).concern_closed_at is None


def test_it_never_shows_a_coordinator_a_concern_about_themselves(
    client, community, coordinator, member
):
    concern = raise_concern(community, member, coordinator, text="Pushy about the hours.")
    client.force_login(coordinator)
    assert "Pushy about the hours." not in text(client.get(page_url(community)))
    assert (
        client.post(close_url(community, concern), {f"c{concern.pk}-outcome": "Fine"}).status_code
        == 404
    )
    member_page = reverse(
        "web:member_detail", args=[community.slug, coordinator.memberships.get().number]
    )
    assert "Pushy about the hours." not in text(client.get(member_page))
    assert ExchangeReference.objects.get(pk=concern.pk).concern_closed_at is None


@pytest.mark.parametrize("who, status", [("member", 403), ("agency_staff", 403), ("outsider", 404)])
def test_it_keeps_others_out(
    client, community, coordinator, member, agency_staff, who, status, request
):
    concern = raise_concern(community, member, agency_staff)
    client.force_login(request.getfixturevalue(who))
    assert client.get(page_url(community)).status_code == status
    assert (
        client.post(close_url(community, concern), {f"c{concern.pk}-outcome": "x"}).status_code
        == status
    )
    assert ExchangeReference.objects.get(pk=concern.pk).concern_closed_at is None
