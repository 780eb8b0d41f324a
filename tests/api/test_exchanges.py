"""Recording hours, the lists of exchanges, and an exchange's page, through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from tests.conftest import make_person

from .conftest import assert_error, bearer, key_header, post
from .test_communities import walk

EXCHANGES = "/api/v1/communities/riverside/exchanges"


def code(person, community) -> str:
    return person.memberships.get(community=community).member_code


def body(community, provider, recipient, **values) -> dict:
    data = {
        "providers": [code(provider, community)],
        "recipients": [code(recipient, community)],
        "minutes": 90,
        "effective_on": timezone.localdate().isoformat(),
        "title": "Weeding the front garden",
        "category": "Gardening",
    }
    data.update(values)
    return data


def record(community, actor, provider, recipient, key="rec", **kw):
    return exchanges_services.exchange_record(
        actor=actor,
        community=community,
        idempotency_key=key,
        providers=[provider],
        recipients=[recipient],
        minutes=kw.pop("minutes", 60),
        effective_on=kw.pop("effective_on", timezone.localdate()),
        category=kw.pop("category", "Gardening"),
        **kw,
    )


def test_it_records_hours_for_the_other_side_to_confirm(client, community, member, agency_staff):
    response = post(
        client,
        EXCHANGES,
        body(
            community,
            member,
            agency_staff,
            expenses=[{"amount": "4.5", "currency": "gbp", "note": "Bus fare"}],
        ),
        bearer(member),
    )
    assert response.status_code == 201, response.content
    exchange = response.json()
    assert (
        exchange["status"] == "recorded"
        and exchange["minutes"] == 90
        and exchange["transfer_id"] is None
    )
    assert exchange["providers"] == [{"member_code": code(member, community), "name": "Mo Member"}]
    assert exchange["recipients"] == [
        {"member_code": code(agency_staff, community), "name": "Asha Staff"}
    ]
    assert exchange["recorded_for"]["name"] == "Mo Member"
    assert exchange["expenses"] == [{"amount": "4.50", "currency": "GBP", "note": "Bus fare"}]
    assert exchange["actions"] == {
        "answer": False,
        "dispute": True,
        "settle": False,
        "reverse": False,
    }
    waiting = client.get(f"{EXCHANGES}/to-confirm", headers=bearer(agency_staff)).json()["items"]
    assert [e["id"] for e in waiting] == [exchange["id"]]
    assert client.get(f"{EXCHANGES}/to-confirm", headers=bearer(member)).json() == {"items": []}


def test_it_takes_member_numbers_as_codes_or_numbers(client, community, member, agency_staff):
    number = member.memberships.get(community=community).number
    data = body(
        community,
        member,
        agency_staff,
        providers=[number],
        recipients=[code(agency_staff, community).lower()],
    )
    response = post(client, EXCHANGES, data, bearer(member))
    assert response.status_code == 201, response.content
    assert response.json()["providers"][0]["name"] == "Mo Member"


def test_it_answers_a_replay_with_the_original_exchange(client, community, member, agency_staff):
    headers = bearer(member)
    first = post(client, EXCHANGES, body(community, member, agency_staff), headers, key="garden-1")
    again = post(client, EXCHANGES, body(community, member, agency_staff), headers, key="garden-1")
    assert (
        (again.status_code, again.json())
        == (first.status_code, first.json())
        == (201, first.json())
    )
    assert Exchange.objects.count() == 1
    other = post(
        client,
        EXCHANGES,
        body(community, member, agency_staff, minutes=60),
        headers,
        key="garden-1",
    )
    assert_error(other, 409, "idempotency_key_reused")
    assert Exchange.objects.count() == 1


def test_it_keeps_each_persons_keys_apart(client, community, member, agency_staff):
    """Two people who happen to choose the same key do not see each other's results."""
    post(client, EXCHANGES, body(community, member, agency_staff), bearer(member), key="1")
    response = post(
        client, EXCHANGES, body(community, member, agency_staff), bearer(agency_staff), key="1"
    )
    assert response.status_code == 201
    assert Exchange.objects.count() == 2


def test_it_lets_a_coordinator_record_for_a_member(
    client, community, member, agency_staff, coordinator
):
    data = body(community, member, agency_staff, on_behalf_of=code(member, community))
    response = post(client, EXCHANGES, data, bearer(coordinator))
    assert response.status_code == 201, response.content
    assert response.json()["recorded_for"]["name"] == "Mo Member"
    assert response.json()["recorded_by"] == "Cora Coordinator"


def test_it_refuses_a_member_recording_for_someone_else(
    client, community, member, agency_staff, coordinator, hours
):
    before = hours()
    data = body(community, coordinator, agency_staff, on_behalf_of=code(agency_staff, community))
    assert_error(post(client, EXCHANGES, data, bearer(member)), 403)
    # Nor an exchange between two other people.
    assert_error(
        post(client, EXCHANGES, body(community, coordinator, agency_staff), bearer(member)),
        403,
        "not_a_participant",
    )
    assert hours() == before


def test_it_lists_my_exchanges_newest_first_in_pages(
    client, community, member, agency_staff, coordinator
):
    ids = [record(community, member, member, agency_staff, key=f"k{i}").pk for i in range(5)]
    record(community, coordinator, coordinator, agency_staff, key="theirs")
    items = walk(client, f"{EXCHANGES}?limit=2", bearer(member))
    assert [e["id"] for e in items] == ids[::-1]


def test_it_lets_coordinators_list_every_exchange_by_status(
    client, community, member, agency_staff, coordinator
):
    mine = record(community, member, member, agency_staff, key="a")
    other = record(community, agency_staff, agency_staff, member, key="b")
    answers_services.exchange_confirm(actor=member, exchange=other)
    everything = walk(client, f"{EXCHANGES}?all=true&limit=1", bearer(coordinator))
    assert [e["id"] for e in everything] == [other.pk, mine.pk]
    confirmed = client.get(
        f"{EXCHANGES}?all=true&status=confirmed", headers=bearer(coordinator)
    ).json()["items"]
    assert [e["id"] for e in confirmed] == [other.pk]
    waiting = client.get(f"{EXCHANGES}?status=recorded", headers=bearer(member)).json()["items"]
    assert [e["id"] for e in waiting] == [mine.pk]
    assert_error(
        client.get(f"{EXCHANGES}?all=true", headers=bearer(member)), 403, "coordinators_only"
    )


def test_it_lists_exchanges_in_a_fixed_number_of_queries(
    client, community, member, agency_staff, coordinator
):
    headers = bearer(member)
    record(community, member, member, agency_staff, key="first")
    client.get(EXCHANGES, headers=headers)
    with CaptureQueriesContext(connection) as small:
        assert client.get(EXCHANGES, headers=headers).status_code == 200
    for i in range(6):
        record(
            community,
            member,
            member,
            agency_staff,
            key=f"more-{i}",
            expenses=[{"amount": "1.00", "currency": "GBP", "note": "Tea"}],
        )
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(EXCHANGES, headers=headers).json()["items"]) == 7
    assert len(large) == len(small)


def test_it_shows_an_exchange_to_its_people_and_the_coordinators(
    client, community, member, agency_staff, coordinator, outsider, other_member
):
    exchange = record(community, member, member, agency_staff)
    url = f"{EXCHANGES}/{exchange.pk}"
    seen = client.get(url, headers=bearer(agency_staff)).json()
    assert seen["id"] == exchange.pk and seen["actions"]["answer"] is True
    assert client.get(url, headers=bearer(member)).json()["actions"]["answer"] is False
    assert client.get(url, headers=bearer(coordinator)).status_code == 200
    # A member who is not in it, outsiders and members of other communities: the same 404.
    neighbour = make_person("neighbour@riverside.example", "Nell Neighbour")
    memberships_services.membership_add(actor=None, community=community, person=neighbour)
    not_in_it = assert_error(client.get(url, headers=bearer(neighbour)), 404, "not_found")
    missing = assert_error(
        client.get(f"{EXCHANGES}/999999", headers=bearer(neighbour)), 404, "not_found"
    )
    assert not_in_it == missing
    assert_error(client.get(url, headers=bearer(outsider)), 404, "not_found")
    assert_error(client.get(url, headers=bearer(other_member)), 404, "not_found")
    assert_error(
        client.get(
            f"/api/v1/communities/hillside/exchanges/{exchange.pk}", headers=bearer(other_member)
        ),
        404,
        "not_found",
    )


def test_it_stops_a_community_token_at_its_community(
    client, community, other_community, member, agency_staff, hours
):
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    scoped = bearer(member, community=other_community)
    exchange = record(community, member, member, agency_staff)
    before = hours()
    assert_error(client.get(EXCHANGES, headers=scoped), 404, "not_found")
    assert_error(client.get(f"{EXCHANGES}/{exchange.pk}", headers=scoped), 404, "not_found")
    assert_error(
        post(client, EXCHANGES, body(community, member, agency_staff), scoped), 404, "not_found"
    )
    base = "/api/v1/communities/riverside"
    for url in ("/accounts/me", "/fund", f"/exchanges/{exchange.pk}", "/exchanges/to-confirm"):
        assert_error(client.get(base + url, headers=scoped), 404, "not_found")
    assert_error(post(client, f"{base}/fund/donations", {"minutes": 5}, scoped), 404, "not_found")
    assert_error(
        post(client, f"{base}/exchanges/{exchange.pk}/dispute", {"reason": "x"}, scoped),
        404,
        "not_found",
    )
    assert hours() == before


def test_it_needs_two_factor_sign_in_for_a_coordinators_session_writes(
    client, community, member, agency_staff, hours
):
    person = make_person("coord2@riverside.example", "Second Coordinator")  # not MFA-exempt
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=["coordinator"]
    )
    client.force_login(person)
    before = hours()
    response = client.post(
        "/api/v1/communities/riverside/exchanges/entries",
        data=body(community, member, agency_staff),
        content_type="application/json",
        headers=key_header(),
    )
    assert_error(response, 403, "mfa_required")
    assert hours() == before


def test_it_lets_a_coordinator_see_a_members_list_to_confirm(
    client, community, member, agency_staff, coordinator
):
    exchange = record(community, member, member, agency_staff)
    url = f"{EXCHANGES}/to-confirm?on_behalf_of={code(agency_staff, community)}"
    assert [e["id"] for e in client.get(url, headers=bearer(coordinator)).json()["items"]] == [
        exchange.pk
    ]
    assert_error(client.get(url, headers=bearer(member)), 403, "coordinators_only")


def test_it_refuses_writes_from_outside_the_community(
    client, community, member, agency_staff, outsider, other_member, hours
):
    before = hours()
    for person in (outsider, other_member):
        assert_error(
            post(client, EXCHANGES, body(community, member, agency_staff), bearer(person)),
            404,
            "not_found",
        )
    assert hours() == before


@pytest.mark.parametrize("days_ago", [0, 365])
def test_it_accepts_dates_up_to_a_year_ago(client, community, member, agency_staff, days_ago):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    response = post(
        client,
        EXCHANGES,
        body(community, member, agency_staff, effective_on=day.isoformat()),
        bearer(member),
    )
    assert response.status_code == 201, response.content
    assert response.json()["effective_on"] == day.isoformat()
    assert Exchange.objects.get().status == ExchangeStatus.RECORDED


def test_it_needs_a_key_for_a_write(client, community, member, agency_staff):
    response = client.post(
        EXCHANGES,
        data=body(community, member, agency_staff),
        content_type="application/json",
        headers=bearer(member),
    )
    error = assert_error(response, 422, "idempotency_key_required")
    assert "Idempotency-Key" in error["message"] and error["fields"] == {
        "Idempotency-Key": ["Required."]
    }
    response = client.post(
        EXCHANGES,
        data=body(community, member, agency_staff),
        content_type="application/json",
        headers=key_header(bearer(member), key="has spaces"),
    )
    assert "Idempotency-Key" in assert_error(response, 422, "validation_failed")["fields"]
    assert not Exchange.objects.exists()
