"""Neighbourhoods through the API: the read-only list, and `near` by a neighbourhood's slug or
name."""

from __future__ import annotations

from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.exchanges.services import listings as listings_services

from .conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"
KM_NORTH = 1 / 111.19


def test_it_lists_neighbourhoods_to_members(
    client, community, coordinator, member, outsider, other_member
):
    docks = neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="Docks", lat=51.508, lng=-0.1
    )
    neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="St Anne's", lat=51.514, lng=-0.143
    )
    response = client.get(f"{BASE}/neighbourhoods", headers=bearer(member))
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0] == {
        "id": docks.pk,
        "slug": "docks",
        "name": "Docks",
        "centre": {"lat": 51.508, "lng": -0.1},
    }
    assert [i["slug"] for i in items] == ["docks", "st-annes"]
    for stranger in (outsider, other_member):
        assert_error(client.get(f"{BASE}/neighbourhoods", headers=bearer(stranger)), 404)
    assert (
        client.post(
            f"{BASE}/neighbourhoods",
            {},
            content_type="application/json",
            headers=bearer(coordinator),
        ).status_code
        == 405
    )


def test_it_searches_near_a_neighbourhood(client, community, coordinator, member):
    neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="St Anne's", lat=51.514, lng=-0.143
    )
    close = listings_services.listing_create(
        actor=member,
        community=community,
        kind="offer",
        title="Close",
        category="gardening",
        lat=51.514 + 2 * KM_NORTH,
        lng=-0.143,
    )
    listings_services.listing_create(
        actor=member,
        community=community,
        kind="offer",
        title="Far",
        category="gardening",
        lat=51.514 + 30 * KM_NORTH,
        lng=-0.143,
    )
    headers = bearer(member)
    for near in ("st-annes", "St Anne's", "51.514,-0.143"):
        response = client.get(f"{BASE}/listings", {"near": near, "within_km": 5}, headers=headers)
        assert response.status_code == 200, response.content
        items = response.json()["items"]
        assert [i["id"] for i in items] == [close.pk] and items[0]["distance_km"] == 2.0
    error = assert_error(
        client.get(f"{BASE}/listings", {"near": "Atlantis", "within_km": 5}, headers=headers), 422
    )
    assert "Atlantis" in error["fields"]["near"][0]
    assert_error(client.get(f"{BASE}/listings", {"near": "91,0"}, headers=headers), 422)
