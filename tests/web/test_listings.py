"""The offers and requests pages: search, post, see, change and close a listing; coordinators'
own categories."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.exchanges.models import Category, Listing, ListingStatus
from coproduce.exchanges.services import listings as listings_services

from .conftest import text


def category(slug="gardening") -> Category:
    return Category.objects.get(community=None, slug=slug)


def posted(community, owner, **kw) -> Listing:
    values = {
        "kind": "offer",
        "title": "Help in the garden",
        "category": category().pk,
        "neighbourhood": "Old Docks",
    }
    values.update(kw)
    return listings_services.listing_create(actor=owner, community=community, **values)


def form_data(**kw) -> dict:
    data = {
        "kind": "request",
        "title": "Help with a new phone",
        "description": "Setting up email.",
        "category": str(category().pk),
        "tags": "android, email",
        "expires_on": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "availability": ["mon-am", "sat-eve"],
        "neighbourhood": "Old Docks",
        "mode": "in_person",
        "visibility": "community",
    }
    data.update(kw)
    return data


def test_it_searches_listings(client, community, member, agency_staff):
    posted(community, agency_staff, title="Weeding and pruning", availability=["tue-am"])
    posted(
        community,
        agency_staff,
        kind="request",
        title="Lift to the surgery",
        category=category("lifts").pk
        if Category.objects.filter(slug="lifts").exists()
        else category().pk,
    )
    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    page = text(client.get(url))
    assert "Weeding and pruning" in page and "Lift to the surgery" in page
    assert "Asha Staff" in page and "Old Docks" in page
    body = client.get(url).content.decode()
    assert "<optgroup" in body
    page = text(client.get(url, {"q": "weding", "kind": "offer"}))
    assert "Lift to the surgery" not in page
    page = text(client.get(url, {"kind": "request"}))
    assert "Weeding and pruning" not in page and "Lift to the surgery" in page
    page = text(client.get(url, {"available": ["tue-am"]}))
    assert "Weeding and pruning" in page and "Lift to the surgery" not in page


def test_it_finds_offers_despite_a_typing_mistake(client, community, member, agency_staff):
    # Seen in the SQLite demo: "gardening" found four offers, "gardning" none, though the page
    # says small typing mistakes are fine.
    gardens = {
        posted(community, agency_staff, title=title).pk
        for title in ("Gardening for beginners", "Help with gardening", "Weekend gardening")
    }
    posted(
        community,
        agency_staff,
        title="Lifts to the surgery",
        category=category("lifts-to-appointments").pk,
    )
    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    assert "Small typing mistakes are fine" in text(client.get(url))
    for q in ("gardening", "gardning"):
        response = client.get(url, {"q": q})
        assert {listing.pk for listing in response.context["page"].listings} == gardens, q
    assert "Lifts to the surgery" not in text(client.get(url, {"q": "gardning"}))


def test_it_shows_an_empty_state(client, community, member):
    client.force_login(member)
    page = text(client.get(reverse("web:listing_search", args=[community.slug]), {"q": "zzzz"}))
    assert "Nothing matches yet" in page


def test_it_pages_with_a_more_results_link(client, community, member, agency_staff):
    for n in range(23):
        posted(community, agency_staff, title=f"Offer number {n}")
    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    response = client.get(url, {"sort": "newest"})
    body = response.content.decode()
    assert body.count('class="tag">Offer<') == 20
    more = response.context["more"]
    assert more and "after=" in more
    second = text(client.get(f"{url}?{more}"))
    assert "Offer number 0" in second and "Offer number 22" not in second
    assert "More results" not in second


def test_it_refuses_a_bad_search(client, community, member):
    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    response = client.get(url, {"category": "999999"})
    assert response.status_code == 400
    assert "Choose a category from the list." in text(response)
    response = client.get(url, {"after": "not-a-cursor"})
    assert response.status_code == 400
    assert "This page link is out of date" in text(response)


@pytest.mark.parametrize("how_many", [3, 20])
def test_it_searches_in_a_fixed_number_of_queries(
    client, community, member, agency_staff, how_many
):
    for n in range(how_many):
        posted(community, agency_staff if n % 2 else member, title=f"Gardening help {n}")
    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    client.get(url)  # warm the session and caches
    for params in ({}, {"q": "gardening", "kind": "offer"}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        assert len(response.context["page"].listings) == how_many
        # session, person, memberships with their roles and communities (this one among them),
        # the search with each result's first picture, the unread notifications: however many
        # listings (the categories and neighbourhoods are kept in memory, read again only after
        # a change: the next test)
        assert len(queries) == SEARCH_QUERIES, [q["sql"][:80] for q in queries]


SEARCH_QUERIES = 5


def test_a_new_category_or_neighbourhood_is_in_the_search_form_at_once(
    client, community, member, coordinator
):
    """The search form (drawn once and kept per community while its categories and
    neighbourhoods stay the same) shows a change on the very next request, searched or not."""
    from coproduce.communities.services import neighbourhoods as neighbourhoods_services

    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    for params in ({}, {"q": "x"}):
        assert "Bee keeping" not in text(client.get(url, params))
    bees = listings_services.category_add(
        actor=coordinator, community=community, group="garden", name="Bee keeping"
    )
    neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="Upper Mill", lat=51.5, lng=-0.1
    )
    for params in ({}, {"q": "x"}):
        page = text(client.get(url, params))
        assert "Bee keeping" in page and "Upper Mill" in page
    response = client.get(url, {"category": bees.pk, "near": "upper-mill"})
    assert response.status_code == 200, text(response)
    # A neighbourhood changed without a service (the admin, a script) counts too.
    from coproduce.communities.models import Neighbourhood

    Neighbourhood.objects.filter(community=community, slug="upper-mill").get().delete()
    assert "Upper Mill" not in text(client.get(url))


def test_it_hides_listings_from_outsiders(client, community, member, outsider, other_member):
    listing = posted(community, member, visibility="public")
    for person in (outsider, other_member):
        client.force_login(person)
        for url in (
            reverse("web:listing_search", args=[community.slug]),
            reverse("web:listing_create", args=[community.slug]),
            reverse("web:listings_mine", args=[community.slug]),
            reverse("web:listing_detail", args=[community.slug, listing.pk]),
            reverse("web:listing_edit", args=[community.slug, listing.pk]),
        ):
            assert client.get(url).status_code == 404, url
        assert (
            client.post(reverse("web:listing_close", args=[community.slug, listing.pk])).status_code
            == 404
        )


def test_it_posts_a_request(client, community, member):
    client.force_login(member)
    response = client.post(reverse("web:listing_create", args=[community.slug]), form_data())
    listing = Listing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:listing_detail", args=[community.slug, listing.pk])
    assert listing.owner == member and listing.kind == "request"
    assert listing.tags == ["android", "email"] and listing.availability == ["mon-am", "sat-eve"]
    assert listing.expires_at.date() >= dt.date.today() + dt.timedelta(days=29)
    page = text(client.get(response["Location"]))
    assert "Help with a new phone" in page and "Monday morning" in page
    assert "1 River Row" not in page


def test_it_offers_a_three_month_expiry(client, community, member):
    client.force_login(member)
    form = client.get(reverse("web:listing_create", args=[community.slug])).context["form"]
    expected = listings_services.add_months(
        dt.datetime.combine(dt.date.today(), dt.time()), 3
    ).date()
    assert abs((form.initial["expires_on"] - expected).days) <= 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"category": "999999"}, "category", "Choose a category from the list."),
        ({"title": "  "}, "title", "Give the listing a title."),
        ({"title": ""}, "title", "Give the listing a title."),
        ({"title": "x" * 121}, "title", "At most 120 characters (this is 121)."),
        (
            {"expires_on": (dt.date.today() - dt.timedelta(days=2)).isoformat()},
            "expires_on",
            "The expiry must be in the future.",
        ),
        ({"expires_on": "not a date"}, "expires_on", "Enter a real date"),
        ({"tags": "no spaces allowed here, ok"}, "tags", "is not a short word"),
    ],
)
def test_it_refuses_bad_listings(client, community, member, change, field, message):
    client.force_login(member)
    response = client.post(
        reverse("web:listing_create", args=[community.slug]), form_data(**change)
    )
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert "There is a problem" in text(response)
    assert f'href="#id_{field}' in response.content.decode()
    assert not Listing.objects.exists()


def test_it_offers_only_the_visibilities_that_work(client, community, member):
    # "Allied communities too" was offered although no allied community could see anything.
    client.force_login(member)
    url = reverse("web:listing_create", args=[community.slug])
    page = text(client.get(url))
    assert "Members of this community" in page and "Everyone, on the public site" in page
    assert "Allied communities" not in page
    response = client.post(
        url, form_data(visibility="allied")
    )  # a form kept from before, or made up
    assert response.status_code == 400
    assert response.context["form"].errors["visibility"] == [
        "Choose who can see it: members of this community, or everyone on the public site."
    ]
    assert not Listing.objects.exists()
    listing = posted(community, member)
    response = client.post(
        reverse("web:listing_edit", args=[community.slug, listing.pk]),
        form_data(visibility="allied", title="Changed"),
    )
    assert response.status_code == 400 and "visibility" in response.context["form"].errors
    listing.refresh_from_db()
    assert (listing.title, listing.visibility) == ("Help in the garden", "community")


def test_it_explains_the_vetting_for_listings_at_home(client, community, member):
    client.force_login(member)
    response = client.post(
        reverse("web:listing_create", args=[community.slug]), form_data(mode="at_home")
    )
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["mode"])
    assert "check level" in errors
    assert not Listing.objects.exists()


def test_it_lets_a_coordinator_post_for_a_member(client, community, coordinator, member, number_of):
    client.force_login(coordinator)
    client.post(reverse("web:acting_start", args=[community.slug, number_of(member, community)]))
    response = client.post(reverse("web:listing_create", args=[community.slug]), form_data())
    assert response.status_code == 302
    assert Listing.objects.get().owner == member


def test_it_escapes_text(client, community, member):
    listing = posted(
        community, member, title="<script>alert(1)</script>", description="<b>bold</b>"
    )
    client.force_login(member)
    for url in (
        reverse("web:listing_detail", args=[community.slug, listing.pk]),
        reverse("web:listing_search", args=[community.slug]),
        reverse("web:listings_mine", args=[community.slug]),
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    body = client.get(
        reverse("web:listing_detail", args=[community.slug, listing.pk])
    ).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in body


def test_it_shows_the_owner_with_a_link_and_buttons_only_to_those_who_may(
    client, community, member, agency_staff, coordinator, number_of
):
    listing = posted(community, member)
    edit = reverse("web:listing_edit", args=[community.slug, listing.pk])
    client.force_login(agency_staff)
    body = client.get(
        reverse("web:listing_detail", args=[community.slug, listing.pk])
    ).content.decode()
    assert reverse("web:member_detail", args=[community.slug, number_of(member, community)]) in body
    assert edit not in body
    for person in (member, coordinator):
        client.force_login(person)
        assert (
            edit
            in client.get(
                reverse("web:listing_detail", args=[community.slug, listing.pk])
            ).content.decode()
        )


def test_it_lets_the_owner_edit_and_close(client, community, member):
    listing = posted(community, member)
    client.force_login(member)
    edit = reverse("web:listing_edit", args=[community.slug, listing.pk])
    form = client.get(edit).context["form"]
    assert form.initial["title"] == "Help in the garden"
    response = client.post(edit, form_data(kind="offer", title="Pruning fruit trees"))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.title == "Pruning fruit trees"
    response = client.post(
        reverse("web:listing_close", args=[community.slug, listing.pk]), {"reason": "Found help"}
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.CLOSED
    page = text(client.get(response["Location"]))
    assert "This listing is closed." in page and "Close the listing" not in page
    again = client.post(edit, form_data(title="Too late"))
    assert again.status_code == 400
    assert "post a new one instead" in text(again)


def test_it_refuses_changes_by_another_member(client, community, member, agency_staff):
    listing = posted(community, member)
    client.force_login(agency_staff)
    assert (
        client.get(reverse("web:listing_edit", args=[community.slug, listing.pk])).status_code
        == 403
    )
    assert (
        client.post(
            reverse("web:listing_edit", args=[community.slug, listing.pk]),
            form_data(title="Mine now"),
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("web:listing_close", args=[community.slug, listing.pk])).status_code
        == 403
    )
    listing.refresh_from_db()
    assert listing.title == "Help in the garden" and listing.status == ListingStatus.ACTIVE


def test_it_lets_a_coordinator_close_a_listing(client, community, member, coordinator):
    listing = posted(community, member)
    client.force_login(coordinator)
    response = client.post(
        reverse("web:listing_close", args=[community.slug, listing.pk]), {"reason": ""}
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.CLOSED


def test_it_lists_my_listings(client, community, member, agency_staff):
    posted(community, member, title="My own offer")
    posted(community, agency_staff, title="Someone else's offer")
    client.force_login(member)
    page = text(client.get(reverse("web:listings_mine", args=[community.slug])))
    assert "My own offer" in page and "Someone else's offer" not in page


def test_it_links_to_listings_from_home_and_the_community(client, community, member):
    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    assert url in client.get(reverse("web:home")).content.decode()
    assert url in client.get(reverse("web:community", args=[community.slug])).content.decode()


def test_it_lets_coordinators_add_a_category(client, community, coordinator, member):
    url = reverse("web:category_add", args=[community.slug])
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    response = client.post(url, {"group": "home", "name": "Boat repair"})
    assert response.status_code == 302
    assert Category.objects.get(community=community).name == "Boat repair"
    assert "Boat repair" in text(client.get(url))
    again = client.post(url, {"group": "home", "name": "Boat repair"})
    assert again.status_code == 400 and "Already in the list." in text(again)
    empty = client.post(url, {"group": "", "name": ""})
    assert empty.status_code == 400 and "Choose a group." in text(empty)
    assert Category.objects.filter(community=community).count() == 1


def test_it_shows_offers_that_may_fit_a_request(client, community, member, agency_staff):
    import datetime as dt

    from django.utils import timezone

    from coproduce.exchanges.services import listings as listings_services

    later = timezone.now() + dt.timedelta(days=30)
    request = listings_services.listing_create(
        actor=member,
        community=community,
        kind="request",
        category="computer-help",
        title="Help with my new laptop",
        expires_at=later,
    )
    listings_services.listing_create(
        actor=agency_staff,
        community=community,
        kind="offer",
        category="computer-help",
        title="Laptop and email help",
        expires_at=later,
    )
    client.force_login(member)
    response = client.get(f"/c/{community.slug}/listings/{request.pk}/")
    body = response.content.decode()
    assert (
        "Offers that may fit" in body
        and "Laptop and email help" in body
        and "computer help" in body
    )
