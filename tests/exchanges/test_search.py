from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.models import Person
from coproduce.core.errors import ValidationFailed
from coproduce.exchanges.selectors import search as search_selectors
from coproduce.exchanges.services import listings as listings_services

HOME = (51.5, -0.1)
KM_NORTH = 1 / 111.19  # degrees of latitude in one kilometre


def post(community, owner, **values):
    values.setdefault("kind", "offer")
    values.setdefault("title", "Help with the garden")
    values.setdefault("category", "gardening")
    return listings_services.listing_create(actor=owner, community=community, **values)


def search(community, viewer, **kw):
    return [x.pk for x in search_selectors.listing_search(community, viewer, **kw).listings]


def test_it_finds_listings_by_text_with_prefixes_and_stems(community, member, agency_staff):
    garden = post(
        community, member, title="Gardening and weeding", description="Happy to tidy borders."
    )
    computer = post(
        community,
        agency_staff,
        kind="request",
        title="Help setting up a laptop",
        category="computer-help",
        tags=["windows"],
    )
    assert search(community, member, q="garde") == [garden.pk]  # a prefix
    assert search(community, member, q="gardens") == [garden.pk]  # a stem
    assert search(community, member, q="WINDOWS") == [computer.pk]  # a tag, any case
    assert search(community, member, q="computer") == [computer.pk]  # the category's name
    assert search(community, member, q="borders tidy") == [garden.pk]  # every word, any order
    assert search(community, member, q="knitting") == []
    assert (
        search(community, member, q='garden" OR (*') is not None
    )  # search syntax is never passed through
    assert set(search(community, member, q="  ")) == {garden.pk, computer.pk}


def test_it_tolerates_typos(community, member):
    # On both databases: PostgreSQL's lexicon with pg_trgm, SQLite's lexicon with its trigram table.
    garden = post(community, member, title="Gardening and weeding")
    lifts = post(community, member, title="Lifts to the surgery", category="lifts-to-appointments")
    assert search(community, member, q="gardning") == [garden.pk]
    assert search(community, member, q="weedin gardenning") == [garden.pk]
    assert search(community, member, q="surgry") == [lifts.pk]
    assert search(community, member, q="gardning surgry") == []  # every word must still match


def test_it_ranks_better_matches_first(community, member):
    weak = post(
        community,
        member,
        title="Odd jobs",
        description="Some garden work now and then.",
        category="diy-and-small-repairs",
    )
    strong = post(
        community, member, title="Garden help: garden clearing", description="Garden and lawn."
    )
    assert search(community, member, q="garden") == [strong.pk, weak.pk]


def test_it_filters_by_kind_and_category(community, member, coordinator):
    offer = post(community, member)
    request = post(
        community,
        member,
        kind="request",
        title="Lift to hospital",
        category="lifts-to-appointments",
    )
    assert search(community, member, kind="offer") == [offer.pk]
    assert search(community, member, kind="request") == [request.pk]
    assert search(community, member, category="lifts-to-appointments") == [request.pk]
    assert search(community, member, category=offer.category_id) == [offer.pk]
    assert search(community, member, category=offer.category) == [offer.pk]
    with pytest.raises(ValidationFailed):
        search(community, member, kind="swap")


def test_it_filters_by_distance(community, member):
    near = post(community, member, lat=HOME[0] + 2 * KM_NORTH, lng=HOME[1])
    far = post(community, member, lat=HOME[0] + 50 * KM_NORTH, lng=HOME[1])
    post(community, member)  # no point
    assert search(community, member, near=HOME, within_km=3) == [near.pk]
    assert search(community, member, near=HOME, within_km=1) == []
    assert search(community, member, near=HOME, within_km=60, sort="distance") == [near.pk, far.pk]
    assert search(community, member, near=(HOME[0] + 60 * KM_NORTH, HOME[1]), sort="distance") == [
        far.pk,
        near.pk,
    ]
    page = search_selectors.listing_search(community, member, near=HOME, within_km=3)
    assert page.listings[0].distance_km == pytest.approx(2.0, abs=0.15)


def test_it_filters_by_distance_across_the_date_line(community, member):
    east = post(community, member, lat=0, lng=179.99)
    assert search(community, member, near=(0, -179.99), within_km=5) == [east.pk]


@pytest.mark.parametrize("km", [0, -1, 200.5, 20_000, float("inf"), "3"])
def test_it_refuses_absurd_distances(community, member, km):
    with pytest.raises(ValidationFailed) as exc:
        search(community, member, near=HOME, within_km=km)
    assert "within_km" in exc.value.fields


@pytest.mark.parametrize(
    "kw",
    [
        {"within_km": 5},
        {"sort": "distance"},
        {"near": (200, 0)},
        {"near": "here"},
        {"sort": "price"},
        {"limit": 0},
        {"limit": 1000},
        {"available": ["mon-night"]},
        {"after": "not-a-cursor"},
        {"active_since_days": 0},
    ],
)
def test_it_refuses_other_bad_searches(community, member, kw):
    with pytest.raises(ValidationFailed):
        search(community, member, **kw)


def test_it_filters_by_availability_overlap(community, member):
    mornings = post(community, member, availability=["mon-am", "tue-am"])
    post(community, member, availability=["sat-eve"])
    post(community, member)
    assert search(community, member, available=["tue-am", "wed-pm"]) == [mornings.pk]
    assert len(search(community, member, available=[])) == 3


def test_it_filters_by_recently_active_owners(community, member, agency_staff):
    Person.objects.filter(pk=member.pk).update(last_login=timezone.now() - dt.timedelta(days=2))
    Person.objects.filter(pk=agency_staff.pk).update(
        last_login=timezone.now() - dt.timedelta(days=60)
    )
    recent = post(community, member)
    post(community, agency_staff)
    assert search(community, member, active_since_days=30) == [recent.pk]


def test_it_shows_each_viewer_only_what_they_may_see(
    community, member, other_member, outsider, coordinator
):
    private = post(community, member)
    public = post(community, member, visibility="public")
    assert set(search(community, coordinator)) == {private.pk, public.pk}
    assert search(community, other_member) == [public.pk]
    assert search(community, outsider) == [public.pk]
    assert search(community, outsider, q="garden") == [public.pk]


def test_it_leaves_out_closed_listings(community, member):
    closed = post(community, member)
    listings_services.listing_close(actor=member, listing=closed)
    kept = post(community, member)
    assert search(community, member) == [kept.pk]
    assert search(community, member, q="garden") == [kept.pk]


def test_it_keeps_the_search_index_in_step_with_updates(community, member):
    listing = post(community, member)
    listings_services.listing_update(
        actor=member, listing=listing, title="Knitting circle", category="knitting-and-crochet"
    )
    assert search(community, member, q="knit") == [listing.pk]
    assert search(community, member, q="garden") == []


@pytest.mark.parametrize(
    "kw",
    [
        {"sort": "newest"},
        {"q": "garden"},
        {"q": "garden", "sort": "newest"},
        {"near": HOME, "within_km": 100, "sort": "distance"},
        {"near": HOME, "sort": "distance"},
    ],
)
def test_it_pages_through_results_without_duplicates_or_gaps(community, member, kw):
    ids = {
        post(
            community,
            member,
            title=f"Garden help {i % 3}",
            lat=HOME[0] + (i % 5) * KM_NORTH,
            lng=HOME[1],
        ).pk
        for i in range(23)
    }
    seen: list[int] = []
    after = None
    for _ in range(10):
        page = search_selectors.listing_search(community, member, limit=5, after=after, **kw)
        seen += [x.pk for x in page.listings]
        after = page.next_cursor
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 23 and set(seen) == ids
    if kw.get("sort") == "distance":
        distances = [
            x.distance_km
            for x in search_selectors.listing_search(community, member, limit=23, **kw).listings
        ]
        assert distances == sorted(distances)


def test_it_refuses_a_cursor_from_another_sort(community, member):
    for _ in range(3):
        post(community, member)
    cursor = search_selectors.listing_search(community, member, limit=1, sort="newest").next_cursor
    with pytest.raises(ValidationFailed):
        search_selectors.listing_search(community, member, near=HOME, sort="distance", after=cursor)


@pytest.mark.parametrize("count", [3, 30])
def test_it_reads_a_page_in_a_fixed_number_of_queries(
    community, member, django_assert_num_queries, count
):
    for i in range(count):
        post(
            community,
            member,
            title=f"Garden help {i}",
            tags=["garden"],
            availability=["mon-am"],
            lat=HOME[0] + (i % 4) * KM_NORTH,
            lng=HOME[1],
        )
    viewer = Person.objects.get(pk=member.pk)  # no cached roles: count those queries too
    with django_assert_num_queries(2):  # the viewer's memberships with their roles, then the page
        page = search_selectors.listing_search(
            community, viewer, q="garden", near=HOME, within_km=10, available=["mon-am"], limit=20
        )
        for listing in page.listings:
            assert listing.owner.display_name and listing.category.name
    assert len(page.listings) == min(count, 20)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"sort": "newest"},
        {"q": "garden"},
        {"q": "garden help", "kind": "offer"},
        {"near": HOME, "within_km": 100, "sort": "distance"},
        {"near": HOME, "sort": "relevance", "category": "gardening"},
    ],
)
def test_cards_are_the_search_as_plain_values(community, member, kw):
    """listing_cards: the same listings as listing_search, in the same order and pages, each
    card naming what the listing does, with its first picture (by position)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from coproduce.exchanges.selectors import images as images_selectors
    from coproduce.exchanges.services import images as images_services
    from tests.exchanges.images import picture

    for i in range(13):
        listing = post(
            community,
            member,
            kind="offer" if i % 3 else "request",
            title=f"Garden help {i % 4} <b>",
            neighbourhood="Old Docks" if i % 2 else "",
            lat=HOME[0] + (i % 5) * KM_NORTH,
            lng=HOME[1],
        )
        for n in range(i % 3):  # none, one or two pictures (the first by position is shown)
            images_services.listing_image_add(
                actor=listing.owner,
                listing=listing,
                upload=SimpleUploadedFile("p.png", picture("PNG", colour=(n * 90, 10, 10))),
                alt_text=f"Picture {n} of {i} & more" if n or i % 2 else "",
            )
    after_models = after_cards = None
    pages = 0
    while True:
        models = search_selectors.listing_search(
            community, member, limit=4, after=after_models, **kw
        )
        cards = search_selectors.listing_cards(community, member, limit=4, after=after_cards, **kw)
        pictures = images_selectors.images_for(x.pk for x in models.listings)
        assert [c.pk for c in cards.listings] == [x.pk for x in models.listings]
        for card, listing in zip(cards.listings, models.listings, strict=True):
            first = next(iter(pictures.get(listing.pk, [])), None)
            assert card.title == listing.title and card.kind == listing.kind
            assert card.get_kind_display() == listing.get_kind_display()
            assert card.category.name == listing.category.name
            assert card.owner.display_name == listing.owner.display_name
            assert card.neighbourhood == listing.neighbourhood
            assert (card.created_at, card.expires_at) == (listing.created_at, listing.expires_at)
            assert card.distance_km == listing.distance_km
            assert card.relevance == listing.relevance
            if first is None:
                assert card.picture is None
            else:
                assert card.picture == (first.pk, first.alt_text)
        assert cards.next_cursor == models.next_cursor
        pages += 1
        after_models, after_cards = models.next_cursor, cards.next_cursor
        if after_models is None:
            break
    assert pages >= 2 or kw.get("q")


def test_cards_refuse_what_the_search_refuses(community, member):
    for kw in ({"sort": "sideways"}, {"limit": 0}, {"within_km": 5}, {"after": "junk"}):
        with pytest.raises(ValidationFailed) as models:
            search_selectors.listing_search(community, member, **kw)
        with pytest.raises(ValidationFailed) as cards:
            search_selectors.listing_cards(community, member, **kw)
        assert cards.value.fields == models.value.fields
