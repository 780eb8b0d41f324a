"""The public offers page (/c/<slug>/offers/): listings marked "Everyone, on the public site", for
anyone, signed in or not, with nothing about the people who posted them and no way to answer but
signing in or applying to join."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import Community
from coproduce.exchanges.models import Listing
from coproduce.exchanges.services import listings as listings_services

from .conftest import text


def posted(community, owner, **kw) -> Listing:
    values = {
        "kind": "offer",
        "title": "Help in the garden",
        "category": "gardening",
        "neighbourhood": "Old Docks",
        "visibility": "public",
        "description": "Weeding and pruning, weekends.",
        "lat": 51.5071,
        "lng": -0.1277,
    }
    values.update(kw)
    return listings_services.listing_create(actor=owner, community=community, **values)


def url(community) -> str:
    return reverse("web:listings_public", args=[community.slug])


@pytest.fixture
def spread(community, member, agency_staff):
    shown = posted(community, member, title="Weekend gardening", availability=["sat-am"])
    request = posted(
        community,
        agency_staff,
        kind="request",
        title="Lift to the eye clinic",
        category="lifts-to-appointments",
    )
    private = posted(community, member, title="Members only lifts", visibility="community")
    closed = posted(community, member, title="Closed bike repair", category="bike-repair")
    listings_services.listing_close(actor=member, listing=closed)
    lapsed = posted(community, member, title="Lapsed knitting", category="knitting-and-crochet")
    Listing.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    return {
        "shown": shown,
        "request": request,
        "private": private,
        "closed": closed,
        "lapsed": lapsed,
    }


def test_it_shows_public_listings_to_a_visitor_who_is_not_signed_in(
    client, community, member, spread
):
    # Seen: "Everyone, on the public site" changed nothing a visitor could see.
    response = client.get(url(community))
    assert response.status_code == 200
    page = text(response)
    assert "Offers and requests in Riverside" in page
    assert "Weekend gardening" in page and "Lift to the eye clinic" in page
    assert (
        "Weeding and pruning, weekends." in page
        and "Old Docks" in page
        and "Saturday morning" in page
    )
    for hidden in ("Members only lifts", "Closed bike repair", "Lapsed knitting"):
        assert hidden not in page
    # Nothing about the people: no name, contact details, member page, map point or picture.
    for private in (
        member.full_name,
        member.display_name,
        "07700",
        "River Row",
        member.email,
        "51.507",
    ):
        assert private not in page
    body = response.content.decode()
    assert "/members/" not in body and "/images/" not in body and "/messages/" not in body
    # The only way to answer: sign in (then the listing's own page), or apply to join.
    detail = reverse("web:listing_detail", args=[community.slug, spread["shown"].pk])
    assert f'href="{reverse("account_login")}?next={detail}"' in body
    assert f'href="{reverse("web:apply", args=[community.slug])}"' in body
    assert "Sign in to answer" in page and "Apply to join Riverside" in page


def test_it_is_linked_from_the_list_of_communities(client, community, other_community):
    body = client.get(reverse("web:index")).content.decode()
    assert f'href="{url(community)}"' in body and f'href="{url(other_community)}"' in body


def test_it_shows_members_the_same_public_listings_with_a_way_in(
    client, community, member, outsider, spread
):
    client.force_login(member)
    response = client.get(url(community))
    assert [x.pk for x in response.context["page"].listings] == [
        spread["request"].pk,
        spread["shown"].pk,
    ]
    body = response.content.decode()
    assert (
        f'href="{reverse("web:listing_detail", args=[community.slug, spread["shown"].pk])}"' in body
    )
    assert "Sign in to answer" not in text(response)
    client.force_login(outsider)  # signed in, not a member: applying is the way
    page = text(client.get(url(community)))
    assert (
        "Weekend gardening" in page
        and "Apply to join Riverside" in page
        and "Sign in to answer" not in page
    )


def test_it_searches_words_with_typos_and_kinds(client, community, spread):
    assert [
        x.pk for x in client.get(url(community), {"q": "gardning"}).context["page"].listings
    ] == [spread["shown"].pk]
    assert [
        x.pk for x in client.get(url(community), {"kind": "request"}).context["page"].listings
    ] == [spread["request"].pk]
    assert [x.pk for x in client.get(url(community), {"q": "lift"}).context["page"].listings] == [
        spread["request"].pk
    ]  # not "Members only lifts"
    page = text(client.get(url(community), {"q": "members only"}))
    assert "Members only lifts" not in page and "Nothing public matches" in page


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"q": "x" * 201}, "q", "Search for at most 200 characters."),
        ({"kind": "gift"}, "kind", "Select a valid choice."),
        ({"after": "not-a-cursor"}, "after", "This page link is out of date"),
    ],
)
def test_it_refuses_bad_searches_with_a_message(client, community, spread, params, field, message):
    response = client.get(url(community), params)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "There is a problem" in text(response)


def test_it_pages_newest_first(client, community, member):
    made = [posted(community, member, title=f"Public offer {n}").pk for n in range(23)]
    first = client.get(url(community))
    assert [x.pk for x in first.context["page"].listings] == made[::-1][:20]
    more = first.context["more"]
    second = client.get(f"{url(community)}?{more}")
    assert [x.pk for x in second.context["page"].listings] == made[::-1][20:]
    assert second.context["more"] is None


def test_it_hides_an_unlisted_community_from_all_but_its_members(
    client, community, member, outsider, spread
):
    Community.objects.filter(pk=community.pk).update(is_listed=False)
    assert client.get(url(community)).status_code == 404
    client.force_login(outsider)
    assert client.get(url(community)).status_code == 404
    client.force_login(member)
    assert client.get(url(community)).status_code == 200
    assert client.get(reverse("web:listings_public", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("how_many", [3, 20])
def test_it_reads_the_page_in_a_fixed_number_of_queries(client, community, member, how_many):
    for n in range(how_many):
        posted(community, member, title=f"Public offer {n}")
    for params in ({}, {"q": "public", "kind": "offer"}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(community), params)
        assert response.status_code == 200 and len(response.context["page"].listings) == how_many
        # the community, then the page of listings (with their categories)
        assert len(queries) == 2, [q["sql"][:80] for q in queries]


def test_it_tells_the_owner_what_public_means_and_where_it_shows(client, community, member, spread):
    client.force_login(member)
    form = text(client.get(reverse("web:listing_create", args=[community.slug])))
    assert "also shown to people who are not signed in" in form and "without your name" in form
    body = client.get(
        reverse("web:listing_detail", args=[community.slug, spread["shown"].pk])
    ).content.decode()
    assert f'<a href="{url(community)}">Everyone, on the public site</a>' in body
    body = client.get(
        reverse("web:listing_detail", args=[community.slug, spread["private"].pk])
    ).content.decode()
    assert url(community) not in body and "Members of this community" in body
