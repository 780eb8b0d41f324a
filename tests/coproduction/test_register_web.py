"""The register page (a phone-sized form), its confirm step, and the agency dashboard page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.coproduction.models import Attendance, SessionStatus
from coproduce.ledger.models import Transfer
from tests.web.conftest import code_of, text

from .test_register import balance, book, fund_agency, held_yesterday, new_member


def url(session):
    return reverse("web:session_register", args=[session.community.slug, session.pk])


def confirm_url(session):
    return reverse("web:session_register_confirm", args=[session.community.slug, session.pk])


@pytest.fixture
def ready(session, agency, agency_admin, member, community):
    """Yesterday's session with the member and one more person booked, and 10 hours in the agency's
    account."""
    held_yesterday(session)
    fund_agency(agency, 600)
    other = new_member(community, "Bea Booked")
    book(session, member)
    book(session, other)
    return session, other


def test_it_shows_a_fieldset_per_booked_person(client, ready, agency_admin, member):
    session, other = ready
    client.force_login(agency_admin)
    response = client.get(url(session))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="register-person') == 2
    assert "Did Mo Member come?" not in text(
        response
    )  # the legend is the name; the radios say Came / Did not come
    assert f'id="id_came_{member.pk}_0"' in page and f'for="id_came_{member.pk}_0"' in page
    assert "Add someone who walked in" in text(response)
    assert "Asha Staff was there" in text(response)


def test_it_saves_then_confirms_and_credits(client, ready, agency_admin, member, community):
    session, other = ready
    walk_in = new_member(community, "Wally Walker")
    client.force_login(agency_admin)
    response = client.post(
        url(session),
        {
            f"came_{member.pk}": "yes",
            f"minutes_{member.pk}": "120",
            f"came_{other.pk}": "no",
            f"minutes_{other.pk}": "120",
            "walk_in": code_of(walk_in, community),
            f"staff_{agency_admin.pk}": "on",
            f"staff_minutes_{agency_admin.pk}": "120",
            "action": "confirm",
        },
    )
    assert response.status_code == 302 and response["Location"] == confirm_url(session)
    assert Attendance.objects.filter(session=session).count() == 4
    page = client.get(confirm_url(session))
    assert "This credits 2 people 2h00 each from Riverside Health Centre's account." in text(page)
    assert balance(community, member) == 0  # nothing moves before the confirm step
    key = page.context["form"]["idempotency_key"].value()
    response = client.post(confirm_url(session), {"idempotency_key": key}, follow=True)
    assert "Register confirmed" in text(response)
    assert balance(community, member) == 120 and balance(community, walk_in) == 120
    session.refresh_from_db()
    assert session.status == SessionStatus.REGISTERED
    # A double click: the same form again answers as the first did, nothing moves twice.
    client.post(confirm_url(session), {"idempotency_key": key})
    assert Transfer.objects.filter(related_type="session").count() == 1
    # The page now shows the confirmed register, with no form.
    response = client.get(url(session))
    assert (
        "can no longer change" in text(response)
        and "<form" not in response.content.decode().split("<main")[-1]
    )


def test_it_refuses_minutes_out_of_range_on_the_form(client, ready, agency_admin, member):
    session, other = ready
    client.force_login(agency_admin)
    response = client.post(
        url(session),
        {
            f"came_{member.pk}": "yes",
            f"minutes_{member.pk}": "500",
            f"came_{other.pk}": "no",
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert "whole number from 1 to 180" in text(response)
    assert f'id="id_minutes_{member.pk}_error"' in response.content.decode()
    assert not Attendance.objects.exists()


def test_it_asks_for_everyone_to_be_marked(client, ready, agency_admin, member):
    session, other = ready
    client.force_login(agency_admin)
    response = client.post(url(session), {f"came_{member.pk}": "yes", "action": "save"})
    assert response.status_code == 400
    assert "Say whether Bea Booked came." in text(response)
    assert not Attendance.objects.exists()


def test_it_refuses_an_unknown_walk_in(client, ready, agency_admin, member, other_member):
    session, other = ready
    client.force_login(agency_admin)
    response = client.post(
        url(session),
        {
            f"came_{member.pk}": "yes",
            f"came_{other.pk}": "yes",
            "walk_in": "RIV-9999",
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert "There is no member RIV-9999 in Riverside" in text(response)
    assert not Attendance.objects.exists()


def test_it_shows_the_agency_running_short_and_posts_nothing(
    client, session, agency, agency_admin, member, community
):
    held_yesterday(session)
    fund_agency(agency, 30)
    book(session, member)
    client.force_login(agency_admin)
    client.post(
        url(session),
        {f"came_{member.pk}": "yes", f"minutes_{member.pk}": "60", "action": "confirm"},
    )
    page = client.get(confirm_url(session))
    response = client.post(
        confirm_url(session), {"idempotency_key": page.context["form"]["idempotency_key"].value()}
    )
    assert response.status_code == 400
    assert "Riverside Health Centre does not have enough time credit" in text(response)
    assert balance(community, member) == 0
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_it_keeps_the_register_from_members_and_outsiders(
    client, ready, member, outsider, other_member
):
    session, _other = ready
    client.force_login(member)
    assert client.get(url(session)).status_code == 403
    assert client.post(confirm_url(session), {"idempotency_key": "k"}).status_code == 403
    for person in (outsider, other_member):
        client.force_login(person)
        assert client.get(url(session)).status_code == 404
    assert balance(session.community, member) == 0


def test_it_lets_a_coordinator_keep_the_register(client, ready, coordinator):
    session, _other = ready
    client.force_login(coordinator)
    assert client.get(url(session)).status_code == 200


def test_it_shows_the_agency_dashboard(client, ready, agency, agency_admin, member, community):
    session, other = ready
    client.force_login(agency_admin)
    client.post(
        url(session),
        {
            f"came_{member.pk}": "yes",
            f"came_{other.pk}": "yes",
            f"staff_{agency_admin.pk}": "on",
            "action": "confirm",
        },
    )
    page = client.get(confirm_url(session))
    client.post(
        confirm_url(session), {"idempotency_key": page.context["form"]["idempotency_key"].value()}
    )
    response = client.get(reverse("web:agency_dashboard", args=[community.slug, agency.slug]))
    assert response.status_code == 200
    page_text = text(response)
    assert "Hours co-produced by members 4h00" in page_text
    assert "Sessions co-delivered (staff and members together) 1" in page_text
    assert "Co-delivery rate 100%" in page_text
    assert (
        "<svg" in response.content.decode()
        and "The table below gives the same figures" in page_text
    )
    assert "approximation" in page_text


def test_it_keeps_the_dashboard_from_members(client, agency, member, outsider, community):
    for person, status in ((member, 403), (outsider, 404)):
        client.force_login(person)
        assert (
            client.get(
                reverse("web:agency_dashboard", args=[community.slug, agency.slug])
            ).status_code
            == status
        )


def test_it_refuses_a_backwards_period(client, agency, agency_admin, community):
    client.force_login(agency_admin)
    response = client.get(
        reverse("web:agency_dashboard", args=[community.slug, agency.slug]),
        {"start": "2026-05-01", "end": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "The end must be on or after the start." in text(response)
