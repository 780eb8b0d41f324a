"""Listings and categories through the API: search filters, posting, changing and closing,
bad input (nothing stored), the access matrix, pagination and a fixed query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.communities.services import memberships as memberships_services
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Category, Listing, ListingStatus
from coproduce.exchanges.services import listings as listings_services

from .conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"


def make(community, owner, **values):
    values.setdefault("kind", "offer")
    values.setdefault("title", "Help with the garden")
    values.setdefault("category", "gardening")
    return listings_services.listing_create(actor=owner, community=community, **values)


def listing_state() -> dict:
    return {
        "listings": sorted(
            Listing.objects.values_list("pk", "title", "status", "mode", "expires_at")
        ),
        "categories": Category.objects.count(),
        "audit": AuditEvent.objects.filter(action__regex=r"^(listing|category)\.").count(),
    }


def search(client, headers, **params):
    response = client.get(f"{BASE}/listings", params, headers=headers)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def titles(body) -> set[str]:
    return {item["title"] for item in body["items"]}


def send(client, method, url, data, headers):
    return getattr(client, method)(url, data=data, content_type="application/json", headers=headers)


# Happy paths ---------------------------------------------------------------------------------


def test_it_posts_reads_changes_and_closes_a_listing(client, community, member):
    headers = bearer(member)
    body = {
        "kind": "request",
        "title": "Help with my computer",
        "description": "Printer will not connect.",
        "category": "computers-and-phones"
        if Category.objects.filter(slug="computers-and-phones").exists()
        else Category.objects.filter(group="digital").first().slug,
        "tags": ["Printer", "wifi"],
        "availability": ["tue-am", "mon-pm"],
        "neighbourhood": "Old docks",
        "point": {"lat": 51.507351, "lng": -0.127758},
        "visibility": "community",
    }
    response = send(client, "post", f"{BASE}/listings", body, headers)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["title"] == "Help with my computer" and created["kind"] == "request"
    assert created["tags"] == ["printer", "wifi"] and created["availability"] == [
        "mon-pm",
        "tue-am",
    ]
    assert created["point"] == {"lat": 51.507, "lng": -0.128}  # rounded as stored
    assert created["category"]["group"] == "digital" and set(created["category"]) == {
        "id",
        "slug",
        "name",
        "group",
    }
    number = member.memberships.get(community=community).number
    assert created["owner"] == {"member_number": number, "display_name": member.display_name}
    assert (
        created["status"] == "active"
        and created["mode"] == "in_person"
        and created["is_group"] is False
    )
    url = f"{BASE}/listings/{created['id']}"

    detail = client.get(url, headers=headers)
    assert detail.status_code == 200 and detail.json() == created

    changed = send(client, "patch", url, {"title": "Help with my laptop", "point": None}, headers)
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "Help with my laptop" and changed.json()["point"] is None
    assert changed.json()["tags"] == ["printer", "wifi"]  # left out, left alone

    closed = send(client, "post", f"{url}/close", {"reason": "A neighbour helped"}, headers)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert_error(send(client, "post", f"{url}/close", {}, headers), 409, "already_closed")
    assert_error(send(client, "patch", url, {"title": "Again"}, headers), 409, "listing_closed")
    assert client.get(url, headers=headers).json()["status"] == "closed"


def test_it_lists_and_adds_categories(client, community, coordinator, member):
    response = client.get(f"{BASE}/categories", headers=bearer(member))
    assert response.status_code == 200
    items = response.json()["items"]
    assert 35 <= len(items) <= 50 and not any(item["own"] for item in items)

    added = send(
        client,
        "post",
        f"{BASE}/categories",
        {"group": "community", "name": "Repair café"},
        bearer(coordinator),
    )
    assert added.status_code == 201, added.content
    assert added.json()["own"] is True and added.json()["name"] == "Repair café"
    again = client.get(f"{BASE}/categories", headers=bearer(member)).json()["items"]
    assert added.json() in again

    before = listing_state()
    assert_error(
        send(
            client,
            "post",
            f"{BASE}/categories",
            {"group": "community", "name": "repair CAFÉ"},
            bearer(coordinator),
        ),
        409,
        "category_exists",
    )
    assert_error(
        send(
            client,
            "post",
            f"{BASE}/categories",
            {"group": "nope", "name": "X"},
            bearer(coordinator),
        ),
        422,
    )
    assert_error(
        send(
            client,
            "post",
            f"{BASE}/categories",
            {"group": "community", "name": "Mine"},
            bearer(member),
        ),
        403,
    )
    assert listing_state() == before


def test_it_lets_a_coordinator_post_for_a_member(
    client, community, coordinator, member, agency_staff
):
    number = member.memberships.get(community=community).number
    body = {
        "kind": "offer",
        "title": "Lifts to the shops",
        "category": "gardening",
        "on_behalf_of": number,
    }
    response = send(client, "post", f"{BASE}/listings", body, bearer(coordinator))
    assert response.status_code == 201, response.content
    assert response.json()["owner"]["member_number"] == number
    assert Listing.objects.get(pk=response.json()["id"]).owner == member

    before = listing_state()
    assert_error(send(client, "post", f"{BASE}/listings", body, bearer(agency_staff)), 403)
    assert_error(
        send(
            client, "post", f"{BASE}/listings", {**body, "on_behalf_of": 9999}, bearer(coordinator)
        ),
        422,
        "unknown_member",
    )
    assert listing_state() == before


# Filters -------------------------------------------------------------------------------------


@pytest.fixture
def spread(community, member, coordinator):
    """Listings that differ in one way each."""
    return {
        "garden": make(
            community,
            member,
            title="Weeding and pruning",
            category="gardening",
            availability=["tue-am"],
            lat=51.5072,
            lng=-0.1276,
        ),
        "computer": make(
            community,
            coordinator,
            kind="request",
            title="Help with my computer",
            category=Category.objects.filter(group="digital").first().slug,
            availability=["sat-pm"],
            lat=51.52,
            lng=-0.10,
        ),
        "far": make(
            community,
            member,
            title="Dog walking far away",
            category="gardening",
            lat=53.4808,
            lng=-2.2426,
        ),
        "nowhere": make(community, coordinator, title="Phone chats", category="gardening"),
    }


def test_it_filters_by_each_parameter(client, member, spread):
    headers = bearer(member)
    everything = {
        "Weeding and pruning",
        "Help with my computer",
        "Dog walking far away",
        "Phone chats",
    }
    assert titles(search(client, headers)) == everything
    assert titles(search(client, headers, q="compter")) == {
        "Help with my computer"
    }  # a typo, on both databases
    assert titles(search(client, headers, q="computer")) == {"Help with my computer"}
    assert titles(search(client, headers, q="prun")) == {"Weeding and pruning"}
    assert titles(search(client, headers, kind="request")) == {"Help with my computer"}
    assert titles(search(client, headers, kind="offer")) == everything - {"Help with my computer"}
    digital = spread["computer"].category
    assert titles(search(client, headers, category=digital.slug)) == {"Help with my computer"}
    assert titles(search(client, headers, category=str(digital.pk))) == {"Help with my computer"}
    assert titles(search(client, headers, available="tue-am,sun-eve")) == {"Weeding and pruning"}

    near = search(client, headers, near="51.5072,-0.1276", within_km=10)
    assert titles(near) == {"Weeding and pruning", "Help with my computer"}
    by_id = {item["title"]: item["distance_km"] for item in near["items"]}
    assert by_id["Weeding and pruning"] == 0.0 and 1 < by_id["Help with my computer"] < 5
    wide = search(client, headers, near="51.5072,-0.1276", sort="distance")
    assert [i["title"] for i in wide["items"]] == [
        "Weeding and pruning",
        "Help with my computer",
        "Dog walking far away",
    ]
    assert all(item["distance_km"] is None for item in search(client, headers)["items"])


def test_it_shows_only_active_unexpired_listings_in_search(client, community, member, spread):
    listings_services.listing_close(actor=member, listing=spread["garden"])
    Listing.objects.filter(pk=spread["far"].pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    assert titles(search(client, bearer(member))) == {"Help with my computer", "Phone chats"}


# Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({"within_km": 0, "near": "51.5,-0.1"}, "within_km"),
        ({"within_km": 201, "near": "51.5,-0.1"}, "within_km"),
        ({"within_km": -3, "near": "51.5,-0.1"}, "within_km"),
        ({"within_km": 1e9, "near": "51.5,-0.1"}, "within_km"),
        ({"within_km": 5}, "near"),
        ({"near": "london"}, "near"),
        ({"near": "51.5"}, "near"),
        ({"near": "95,0"}, "near"),
        ({"near": "51.5,-0.1,3"}, "near"),
        ({"sort": "distance"}, "near"),
        ({"category": "no-such-thing"}, "category"),
        ({"kind": "gift"}, "kind"),
        ({"available": "someday"}, "available"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        (
            {"cursor": "WyJuZXdlc3QiLCAxLCA5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"},
            "cursor",
        ),  # ["newest", 1, 10**22]
    ],
)
def test_it_refuses_bad_search_parameters(client, member, spread, params, field):
    error = assert_error(client.get(f"{BASE}/listings", params, headers=bearer(member)), 422)
    assert field in error["fields"], error


def test_it_refuses_bad_listings_and_stores_nothing(client, community, member, spread):
    headers = bearer(member)
    good = {"kind": "offer", "title": "Help with the garden", "category": "gardening"}
    before = listing_state()
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    cases = [
        ({**good, "category": "no-such-thing"}, 422, "category"),
        ({**good, "category": 10**12}, 422, "category"),
        ({**good, "expires_at": past}, 422, "expires_at"),
        ({**good, "expires_at": "2030-01-01T10:00:00"}, 422, "expires_at"),  # no time zone
        ({**good, "point": {"lat": 91, "lng": 0}}, 422, "point.lat"),
        ({**good, "title": "   "}, 422, "title"),
        ({**good, "availability": ["someday"]}, 422, "availability"),
        ({**good, "tags": ["two words"]}, 422, "tags"),
        ({**good, "kind": "gift"}, 422, "kind"),
        ({k: v for k, v in good.items() if k != "title"}, 422, "title"),
    ]
    for body, status, field in cases:
        error = assert_error(send(client, "post", f"{BASE}/listings", body, headers), status)
        assert field in error["fields"], (body, error)
    error = assert_error(
        send(client, "post", f"{BASE}/listings", {**good, "mode": "at_home"}, headers),
        403,
        "vetting_required",
    )
    assert "check level" in error["message"]
    url = f"{BASE}/listings/{spread['garden'].pk}"
    assert_error(send(client, "patch", url, {"mode": "at_home"}, headers), 403, "vetting_required")
    assert_error(send(client, "patch", url, {"expires_at": past}, headers), 422)
    assert_error(send(client, "patch", url, {"category": "no-such-thing"}, headers), 422)
    assert_error(send(client, "post", f"{url}/close", {"reason": "x" * 501}, headers), 422)
    assert listing_state() == before


def test_it_refuses_allied_visibility_until_federation_works(client, community, member, spread):
    # "Allied communities too" did nothing: no allied community can see anything yet.
    headers = bearer(member)
    before = listing_state()
    visibility = Listing.objects.get(pk=spread["garden"].pk).visibility
    good = {"kind": "offer", "title": "Help with the garden", "category": "gardening"}
    error = assert_error(
        send(client, "post", f"{BASE}/listings", {**good, "visibility": "allied"}, headers),
        422,
        "validation_failed",
    )
    assert error["fields"] == {"visibility": [ALLIED_REFUSED]}
    url = f"{BASE}/listings/{spread['garden'].pk}"
    error = assert_error(
        send(client, "patch", url, {"visibility": "allied"}, headers), 422, "validation_failed"
    )
    assert error["fields"] == {"visibility": [ALLIED_REFUSED]}
    assert listing_state() == before
    assert Listing.objects.get(pk=spread["garden"].pk).visibility == visibility
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["ListingIn"]["properties"]["visibility"]["enum"] == [
        "community",
        "public",
    ]  # offered: only these


ALLIED_REFUSED = (
    "Allied communities are not connected yet, so nobody outside this community could see it: "
    "choose community (members of this community) or public (everyone, on the public site)."
)


def test_it_stores_html_as_text_and_returns_it_unchanged(client, member):
    title = '<script>alert("hi")</script> <b>Bold</b> & more'
    response = send(
        client,
        "post",
        f"{BASE}/listings",
        {
            "kind": "offer",
            "title": title,
            "description": "<img src=x onerror=alert(1)>",
            "category": "gardening",
        },
        bearer(member),
    )
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["title"] == title
    assert Listing.objects.get(pk=response.json()["id"]).title == title


# Access --------------------------------------------------------------------------------------


def test_it_gives_the_access_matrix(
    client,
    community,
    other_community,
    member,
    coordinator,
    agency_staff,
    outsider,
    other_member,
    spread,
):
    listing = spread["garden"]  # the member's
    url = f"{BASE}/listings/{listing.pk}"
    for person in (member, coordinator, agency_staff):
        headers = bearer(person)
        assert client.get(url, headers=headers).status_code == 200
        assert len(search(client, headers)["items"]) == 4
        assert client.get(f"{BASE}/categories", headers=headers).status_code == 200
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    scoped_elsewhere = bearer(
        member, community=other_community
    )  # a Hillside token of a Riverside member
    for headers in (bearer(outsider), bearer(other_member), scoped_elsewhere):
        before = listing_state()
        assert_error(client.get(url, headers=headers), 404, "not_found")
        assert_error(client.get(f"{BASE}/listings", headers=headers), 404, "not_found")
        assert_error(client.get(f"{BASE}/categories", headers=headers), 404, "not_found")
        assert_error(
            send(
                client,
                "post",
                f"{BASE}/listings",
                {"kind": "offer", "title": "Sneaky", "category": "gardening"},
                headers,
            ),
            404,
        )
        assert_error(send(client, "patch", url, {"title": "Mine now"}, headers), 404)
        assert_error(send(client, "post", f"{url}/close", {}, headers), 404)
        assert_error(
            send(
                client, "post", f"{BASE}/categories", {"group": "home", "name": "Sneaky"}, headers
            ),
            404,
        )
        assert listing_state() == before
    assert client.get(url).status_code == 401

    # Other members of the community may read a listing but not change it; coordinators may.
    before = listing_state()
    assert_error(
        send(client, "patch", url, {"title": "Mine now"}, bearer(agency_staff)), 403, "not_owner"
    )
    assert_error(send(client, "post", f"{url}/close", {}, bearer(agency_staff)), 403, "not_owner")
    assert listing_state() == before
    changed = send(
        client, "patch", url, {"title": "Tidied by the coordinator"}, bearer(coordinator)
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Tidied by the coordinator"
    assert (
        send(client, "post", f"{url}/close", {}, bearer(coordinator)).json()["status"]
        == ListingStatus.CLOSED
    )

    # A listing of another community is not there, even by id.
    theirs = make(other_community, other_member)
    assert_error(client.get(f"{BASE}/listings/{theirs.pk}", headers=bearer(coordinator)), 404)
    assert_error(client.get(f"{BASE}/listings/999999", headers=bearer(coordinator)), 404)


# Pages and queries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{}, {"sort": "newest"}, {"q": "garden"}, {"near": "51.5,-0.12", "sort": "distance"}]
)
def test_it_walks_every_page_without_repeats(client, community, member, params):
    made = {
        make(community, member, title=f"Garden job {i}", lat=51.5 + i / 1000, lng=-0.12).pk
        for i in range(13)
    }
    headers = bearer(member)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        body = search(client, headers, limit=5, **params, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert pages == 3 and len(seen) == len(set(seen)) and set(seen) == made


def test_it_answers_a_page_in_a_fixed_number_of_queries(
    client, community, member, coordinator, agency_staff
):
    headers = bearer(member)

    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            search(client, headers, **params)
        return len(queries)

    make(community, member)
    search(client, headers)  # the token's first use is recorded once
    few = count(), count(q="garden", category="gardening", near="51.5,-0.1")
    for i in range(12):
        make(
            community,
            (member, coordinator, agency_staff)[i % 3],
            title=f"Garden job {i}",
            lat=51.5,
            lng=-0.1,
        )
    assert (count(), count(q="garden", category="gardening", near="51.5,-0.1")) == few


def test_it_suggests_matches_with_reasons(client, community, member, agency_staff, outsider):
    later = timezone.now() + dt.timedelta(days=30)
    request = listings_services.listing_create(
        actor=member,
        community=community,
        kind="request",
        category="gardening",
        title="Help weeding the garden",
        expires_at=later,
        availability=["tue-am"],
    )
    offer = listings_services.listing_create(
        actor=agency_staff,
        community=community,
        kind="offer",
        category="gardening",
        title="Weeding and pruning",
        expires_at=later,
        availability=["tue-am"],
    )
    url = f"{BASE}/listings/{request.pk}/matches"
    response = client.get(url, headers=bearer(member))
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["listing"]["id"] == offer.pk
    assert item["reasons"][0] == "gardening" and "both free Tuesday mornings" in item["reasons"]
    assert client.get(f"{url}?limit=0", headers=bearer(member)).status_code == 422
    assert client.get(url, headers=bearer(outsider)).status_code == 404
