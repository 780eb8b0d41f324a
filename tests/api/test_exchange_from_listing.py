"""Recording hours for a listing through the API: `listing_id` links them and sets the
category; a listing of another community, or one the caller cannot see, is refused."""

from __future__ import annotations

from coproduce.exchanges.models import Exchange
from coproduce.exchanges.services import listings as listings_services

from .conftest import assert_error, bearer, hours_state, post
from .test_exchanges import EXCHANGES, body


def test_it_links_the_exchange_to_the_listing(client, community, member, agency_staff):
    listing = listings_services.listing_create(
        actor=agency_staff,
        community=community,
        kind="offer",
        title="Laptop help",
        category="computer-help",
    )
    response = post(
        client,
        EXCHANGES,
        body(community, agency_staff, member, listing_id=listing.pk, title="", category="Whatever"),
        bearer(member),
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (
        data["listing_id"] == listing.pk
        and data["category"] == "Computer help"
        and data["title"] == "Laptop help"
    )
    exchange = Exchange.objects.get()
    assert (exchange.listing_id, exchange.category) == (listing.pk, "Computer help")
    detail = client.get(f"{EXCHANGES}/{exchange.pk}", headers=bearer(member)).json()
    assert detail["listing_id"] == listing.pk


def test_it_refuses_a_listing_not_here_and_stores_nothing(
    client, community, other_community, member, agency_staff, other_member
):
    elsewhere = listings_services.listing_create(
        actor=other_member,
        community=other_community,
        kind="offer",
        title="Hillside help",
        category="gardening",
    )
    before = hours_state()
    for bad in (elsewhere.pk, 987654):
        error = assert_error(
            post(
                client,
                EXCHANGES,
                body(community, member, agency_staff, listing_id=bad),
                bearer(member),
            ),
            422,
            "unknown_listing",
        )
        assert error["fields"]["listing_id"]
    for bad in ("12", 0, True):
        assert_error(
            post(
                client,
                EXCHANGES,
                body(community, member, agency_staff, listing_id=bad),
                bearer(member),
            ),
            422,
        )
    assert hours_state() == before
