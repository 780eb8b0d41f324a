"""GET /api/v1/communities/{slug}/public-listings: the listings marked "Everyone", readable with no
credentials, the same for everyone, with nothing about the people who posted them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.communities.models import Community
from coproduce.exchanges.models import Listing
from coproduce.exchanges.services import listings as listings_services

from .conftest import assert_error, bearer

URL = "/api/v1/communities/riverside/public-listings"


def posted(community, owner, **kw) -> Listing:
    values = {
        "kind": "offer",
        "title": "Help in the garden",
        "category": "gardening",
        "neighbourhood": "Old Docks",
        "visibility": "public",
        "lat": 51.5071,
        "lng": -0.1277,
        "availability": ["sat-am"],
    }
    values.update(kw)
    return listings_services.listing_create(actor=owner, community=community, **values)


@pytest.fixture
def spread(community, member, agency_staff):
    shown = posted(
        community,
        member,
        title="Weekend gardening",
        description="Weeding, pruning.",
        tags=["weeding"],
    )
    request = posted(
        community,
        agency_staff,
        kind="request",
        title="Lift to the eye clinic",
        category="lifts-to-appointments",
    )
    posted(community, member, title="Members only lifts", visibility="community")
    closed = posted(community, member, title="Closed bike repair", category="bike-repair")
    listings_services.listing_close(actor=member, listing=closed)
    lapsed = posted(community, member, title="Lapsed knitting", category="knitting-and-crochet")
    Listing.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    return {"shown": shown, "request": request}


def test_it_answers_anyone_with_public_listings_and_nothing_personal(
    client, community, member, outsider, spread
):
    response = client.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["title"] for item in body["items"]] == [
        "Lift to the eye clinic",
        "Weekend gardening",
    ]
    assert body["next_cursor"] is None
    item = body["items"][1]
    assert set(item) == {
        "id",
        "kind",
        "title",
        "description",
        "category",
        "tags",
        "neighbourhood",
        "availability",
        "mode",
        "is_group",
        "created_at",
        "expires_at",
        "url",
    }
    assert (
        item["url"] == f"/c/riverside/listings/{spread['shown'].pk}/"
    )  # members answer there, after signing in
    assert (item["description"], item["tags"], item["neighbourhood"]) == (
        "Weeding, pruning.",
        ["weeding"],
        "Old Docks",
    )
    text = str(body)
    for private in (member.full_name, member.email, "07700", "River Row", "51.507", "-0.12"):
        assert private not in text
    # The same for a member, an outsider and a stranger: it is the public view.
    assert client.get(URL, headers=bearer(member)).json() == body
    assert client.get(URL, headers=bearer(outsider)).json() == body


def test_it_searches_by_words_with_typos_and_by_kind(client, spread):
    assert [i["id"] for i in client.get(URL, {"q": "gardning"}).json()["items"]] == [
        spread["shown"].pk
    ]
    assert [i["id"] for i in client.get(URL, {"kind": "request"}).json()["items"]] == [
        spread["request"].pk
    ]
    assert client.get(URL, {"q": "members only"}).json()["items"] == []


def test_it_pages_with_a_cursor(client, community, member):
    made = [posted(community, member, title=f"Public offer {n}").pk for n in range(7)]
    first = client.get(URL, {"limit": 5}).json()
    second = client.get(URL, {"limit": 5, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in first["items"] + second["items"]] == made[::-1]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 201}, "q"),
        ({"kind": "gift"}, "kind"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"sort": "distance"}, "sort"),
    ],
)
def test_it_refuses_bad_parameters_in_the_one_error_format(client, spread, params, field):
    error = assert_error(client.get(URL, params), 422)
    assert field in error["fields"], error


def test_it_hides_unlisted_communities_and_refuses_a_bad_token(
    client, community, member, outsider, spread
):
    assert_error(client.get("/api/v1/communities/nowhere/public-listings"), 404)
    Community.objects.filter(pk=community.pk).update(is_listed=False)
    assert_error(client.get(URL), 404)
    assert_error(client.get(URL, headers=bearer(outsider)), 404)
    assert client.get(URL, headers=bearer(member)).status_code == 200
    assert_error(client.get(URL, headers={"Authorization": "Bearer nope"}), 401)


def test_it_is_in_the_schema_as_needing_no_credentials(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/communities/{slug}/public-listings"
    ]["get"]
    assert {} in operation["security"]


def test_it_answers_in_a_fixed_number_of_queries(client, community, member):
    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, params).status_code == 200
        return len(queries)

    posted(community, member)
    few = count(), count(q="garden", kind="offer")
    for n in range(12):
        posted(community, member, title=f"Garden job {n}")
    assert (
        (count(), count(q="garden", kind="offer")) == few == (2, 2)
    )  # the community, then the page
