"""References after a confirmed exchange, through the API."""

from __future__ import annotations

import pytest

from coproduce.communities.services import memberships as memberships_services
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import ExchangeReference
from coproduce.exchanges.services import answers as answers_services
from tests.conftest import make_person

from .conftest import assert_error, bearer, post
from .test_exchanges import code, record

BASE = "/api/v1/communities/riverside"


@pytest.fixture
def neighbour(community):
    person = make_person("neighbour@riverside.example", "Nia Neighbour")
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


@pytest.fixture
def done(community, member, agency_staff):
    exchange = record(community, member, member, agency_staff, key="ref")
    return answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)


def refs_url(community, person) -> str:
    return f"{BASE}/members/{person.memberships.get(community=community).number}/references"


def test_it_leaves_a_reference_and_shows_it_to_members(
    client, community, member, agency_staff, neighbour, done
):
    response = post(
        client,
        f"{BASE}/exchanges/{done.pk}/references",
        {"subject": code(agency_staff, community), "kind": "positive", "text": "Very kind."},
        bearer(member),
    )
    assert response.status_code == 201, response.content
    assert (
        response.json()["kind"] == "positive"
        and response.json()["subject"]["name"] == agency_staff.display_name
    )
    for viewer in (agency_staff, neighbour):
        items = client.get(refs_url(community, agency_staff), headers=bearer(viewer)).json()[
            "items"
        ]
        assert [i["text"] for i in items] == ["Very kind."]
    again = post(
        client,
        f"{BASE}/exchanges/{done.pk}/references",
        {"subject": code(agency_staff, community), "kind": "neutral", "text": "Again."},
        bearer(member),
    )
    assert_error(again, 409, "already_left")
    assert ExchangeReference.objects.count() == 1


def test_it_refuses_before_confirmation_and_stores_nothing(client, community, member, agency_staff):
    exchange = record(community, member, member, agency_staff, key="pending")
    response = post(
        client,
        f"{BASE}/exchanges/{exchange.pk}/references",
        {"subject": code(member, community), "kind": "positive", "text": "Fine."},
        bearer(agency_staff),
    )
    assert_error(response, 409, "not_confirmed")
    missing = post(
        client,
        f"{BASE}/exchanges/999999/references",
        {"subject": code(member, community), "kind": "positive", "text": "Fine."},
        bearer(agency_staff),
    )
    assert_error(missing, 404)
    assert not ExchangeReference.objects.exists()


def test_it_refuses_oneself_and_bad_kinds(client, community, member, agency_staff, done):
    response = post(
        client,
        f"{BASE}/exchanges/{done.pk}/references",
        {"subject": code(member, community), "kind": "positive", "text": "Me."},
        bearer(member),
    )
    assert_error(response, 422)
    response = post(
        client,
        f"{BASE}/exchanges/{done.pk}/references",
        {"subject": code(agency_staff, community), "kind": "glowing", "text": "Hm."},
        bearer(member),
    )
    assert_error(response, 422)
    assert not ExchangeReference.objects.exists()


def test_it_keeps_a_concern_from_its_subject_and_other_members(
    client, community, member, agency_staff, neighbour, coordinator, done
):
    response = post(
        client,
        f"{BASE}/exchanges/{done.pk}/references",
        {"subject": code(agency_staff, community), "kind": "concern", "text": "Asked for money."},
        bearer(member),
    )
    assert response.status_code == 201, response.content
    for viewer in (agency_staff, neighbour, member):
        listed = client.get(refs_url(community, agency_staff), headers=bearer(viewer))
        assert listed.status_code == 200 and listed.json()["items"] == []
        assert b"Asked for money" not in listed.content
    items = client.get(refs_url(community, agency_staff), headers=bearer(coordinator)).json()[
        "items"
    ]
    assert [(i["kind"], i["text"]) for i in items] == [("concern", "Asked for money.")]


def test_it_records_a_coordinator_acting_for_a_member(
    client, community, member, agency_staff, coordinator, done
):
    response = post(
        client,
        f"{BASE}/exchanges/{done.pk}/references",
        {
            "subject": code(member, community),
            "kind": "neutral",
            "text": "On time.",
            "on_behalf_of": code(agency_staff, community),
        },
        bearer(coordinator),
    )
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action="exchange.reference")
    assert (event.actor_id, event.on_behalf_of_id) == (coordinator.pk, agency_staff.pk)


def test_it_is_not_found_for_outsiders(client, community, member, agency_staff, outsider, done):
    response = client.get(refs_url(community, agency_staff), headers=bearer(outsider))
    assert_error(response, 404)
