"""References on the exchange page, the member's page and the coordinators' concerns page."""

from __future__ import annotations

import pytest

from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.models import ExchangeReference
from coproduce.exchanges.services import references as references_services
from tests.conftest import make_person

from .conftest import confirmed, recorded, text


@pytest.fixture
def neighbour(community):
    person = make_person("neighbour@riverside.example", "Nia Neighbour")
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


def exchange_url(community, exchange) -> str:
    return f"/c/{community.slug}/exchanges/{exchange.pk}/"


def member_url(community, person) -> str:
    return f"/c/{community.slug}/members/{person.memberships.get(community=community).number}/"


def form(subject, kind="positive", words="Brilliant with the weeding."):
    return {"reference-subject": subject.pk, "reference-kind": kind, "reference-text": words}


def test_it_offers_the_form_after_confirmation_and_saves_a_reference(
    client, community, member, agency_staff
):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(member)
    page = client.get(exchange_url(community, exchange))
    assert "Leave a reference" in text(page)
    assert "a concern goes privately to the coordinators" in text(page)
    assert page.content.decode().count("<h1") == 1
    response = client.post(exchange_url(community, exchange) + "reference/", form(agency_staff))
    assert response.status_code == 302
    reference = ExchangeReference.objects.get()
    assert (reference.author, reference.subject, reference.kind) == (
        member,
        agency_staff,
        "positive",
    )
    page = client.get(exchange_url(community, exchange))
    assert "Leave a reference" not in text(page) and "Brilliant with the weeding." in text(page)


def test_it_offers_no_form_before_confirmation_and_stores_nothing(
    client, community, member, agency_staff
):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    assert "Leave a reference" not in text(client.get(exchange_url(community, exchange)))
    response = client.post(exchange_url(community, exchange) + "reference/", form(member))
    assert response.status_code == 400
    assert not ExchangeReference.objects.exists()


def test_it_shows_problems_with_the_form(client, community, member, agency_staff):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(member)
    response = client.post(
        exchange_url(community, exchange) + "reference/", form(agency_staff, kind="", words="")
    )
    assert response.status_code == 400
    assert "Choose positive, neutral or a concern." in text(response)
    assert not ExchangeReference.objects.exists()


def test_it_refuses_someone_outside_the_exchange(
    client, community, member, agency_staff, neighbour
):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(neighbour)
    response = client.post(exchange_url(community, exchange) + "reference/", form(member))
    assert response.status_code == 404
    assert not ExchangeReference.objects.exists()


def test_it_never_shows_a_concern_to_its_subject_or_other_members(
    client, community, member, agency_staff, neighbour, coordinator
):
    exchange = confirmed(community, member, member, agency_staff)
    references_services.reference_leave(
        actor=member,
        exchange=exchange,
        subject=agency_staff,
        kind="concern",
        text="Asked me to lend money.",
    )
    references_services.reference_leave(
        actor=agency_staff,
        exchange=exchange,
        subject=member,
        kind="positive",
        text="Lovely afternoon.",
    )
    for viewer in (agency_staff, neighbour, member):
        client.force_login(viewer)
        assert "lend money" not in text(client.get(member_url(community, agency_staff)))
    client.force_login(agency_staff)
    assert "lend money" not in text(client.get(exchange_url(community, exchange)))
    assert client.get(f"/c/{community.slug}/coordinate/concerns/").status_code == 403
    for viewer in (member, neighbour):
        client.force_login(viewer)
        assert "Lovely afternoon." in text(client.get(member_url(community, member)))
    client.force_login(coordinator)
    page = text(client.get(member_url(community, agency_staff)))
    assert "lend money" in page and "Concern: private, only coordinators see this" in page
    concerns = client.get(f"/c/{community.slug}/coordinate/concerns/")
    assert concerns.status_code == 200 and "lend money" in text(concerns)
    assert (
        "/coordinate/concerns/" in client.get(f"/c/{community.slug}/coordinate/").content.decode()
    )


@pytest.mark.parametrize("back", ["to_confirm", ""])
def test_confirming_suggests_leaving_a_reference_on_the_page_it_lands_on(
    client, community, member, agency_staff, back
):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    response = client.post(
        exchange_url(community, exchange) + "confirm/", {"back": back}, follow=True
    )
    landed = response.redirect_chain[-1][0]
    assert landed == (
        f"/c/{community.slug}/exchanges/to-confirm/" if back else exchange_url(community, exchange)
    )
    page = text(response)
    assert "Confirmed: 1h30 for Weeding the front garden." in page
    assert "How did it go? Leave a reference about Mo Member" in page
    link = exchange_url(community, exchange) + "#leave-reference"
    assert f'href="{link}"' in response.content.decode()
    form_page = client.get(exchange_url(community, exchange)).content.decode()
    assert 'id="leave-reference"' in form_page and "Leave the reference" in form_page


def test_a_coordinator_confirming_for_a_member_is_offered_the_reference_for_them(
    client, community, coordinator, member, agency_staff
):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(coordinator)
    client.post(f"/c/{community.slug}/members/{agency_staff.memberships.get().number}/act/")
    response = client.post(
        exchange_url(community, exchange) + "confirm/", {"back": "to_confirm"}, follow=True
    )
    assert "How did it go? Leave a reference about Mo Member" in text(response)


def test_a_refused_confirmation_suggests_no_reference(client, community, member, agency_staff):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(agency_staff)
    response = client.post(
        exchange_url(community, exchange) + "confirm/", {"back": "to_confirm"}, follow=True
    )
    page = text(response)
    assert "not waiting for an answer" in page and "How did it go?" not in page
