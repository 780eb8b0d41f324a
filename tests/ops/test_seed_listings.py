"""`coproduce seed --listings`: synthetic offers and requests in bulk, for the listing benchmark."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection, connections

from coproduce import cli
from coproduce.communities.models import Community, Membership, MembershipStatus, Neighbourhood
from coproduce.exchanges.models import Listing, ListingKind, ListingStatus
from coproduce.exchanges.selectors import search as search_selectors
from coproduce.exchanges.services.listings import (
    POINT_DECIMALS,
    availability_mask,
    listing_search_document,
)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def run_cli(argv, capsys, monkeypatch) -> tuple[int, str]:
    """`coproduce ARGV` in this process; returns (exit code, stderr). Django closes connections
    after a command, which would break the test's transaction, so that is skipped."""
    monkeypatch.setattr(connections, "close_all", lambda: None)
    code = 0
    try:
        cli.main([*argv[:1], "--skip-checks", *argv[1:]])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


def fingerprint(community) -> list[tuple]:
    numbers = dict(
        Membership.objects.filter(community=community).values_list("person_id", "number")
    )
    return [
        (numbers[row[0]], *row[1:])
        for row in Listing.objects.filter(community=community)
        .order_by("id")
        .values_list(
            "owner_id",
            "kind",
            "title",
            "description",
            "category__slug",
            "tags",
            "availability",
            "neighbourhood",
            "lat",
            "lng",
            "mode",
            "is_group",
            "visibility",
            "status",
        )
    ]


def test_it_seeds_listings_in_each_community(db):
    out = seed("--communities", "2", "--members", "50", "--listings", "200", "--seed", "5")
    assert "Seeded 100 members and 400 listings in 2 communities" in out
    for community in Community.objects.filter(slug__startswith="seed-"):
        listings = list(Listing.objects.filter(community=community).select_related("category"))
        assert len(listings) == 200
        assert Neighbourhood.objects.filter(community=community).count() == 4
        owners = set(
            Membership.objects.filter(
                community=community, status=MembershipStatus.ACTIVE
            ).values_list("person_id", flat=True)
        )
        assert {x.owner_id for x in listings} <= owners
        assert {x.kind for x in listings} == {ListingKind.OFFER, ListingKind.REQUEST}
        assert {x.status for x in listings} == set(ListingStatus.values)
        assert {x.visibility for x in listings} == {
            "community",
            "public",
        }  # never "allied" before federation
        for x in listings:
            assert x.search_document == listing_search_document(
                title=x.title, description=x.description, tags=x.tags, category_name=x.category.name
            )
            assert x.availability_mask == availability_mask(x.availability) > 0
            assert x.lat is None or round(x.lat, POINT_DECIMALS) == x.lat
            assert (x.status == ListingStatus.CLOSED) == (x.closed_at is not None)
            assert x.created_at <= x.updated_at


def test_it_makes_listings_that_search_finds(db):
    seed("--members", "50", "--listings", "200", "--seed", "5")
    community = Community.objects.get(slug="seed-1")
    viewer = Membership.objects.get(community=community, number=2).person
    listing = (
        Listing.objects.filter(community=community, status=ListingStatus.ACTIVE)
        .order_by("id")
        .first()
    )
    found = search_selectors.listing_search(
        community, viewer, q=listing.tags[0], category=listing.category_id, limit=100
    )
    assert listing.pk in [x.pk for x in found.listings]
    assert all(x.status == ListingStatus.ACTIVE for x in found.listings)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid, document FROM exchanges_listing_fts ORDER BY rowid")
            fts = cursor.fetchall()
        assert fts == list(Listing.objects.order_by("id").values_list("id", "search_document"))
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM exchanges_listing WHERE search_vector IS NULL")
            assert cursor.fetchone()[0] == 0
    with connection.cursor() as cursor:  # the typo lexicon, on both databases
        cursor.execute(
            "SELECT count(*) FROM exchanges_listing_word WHERE word = %s", [listing.tags[0]]
        )
        assert cursor.fetchone()[0] == 1
    word = listing.tags[0]
    typo = word[:3] + word[2:]  # a letter doubled: "gammes"
    found = search_selectors.listing_search(
        community, viewer, q=typo, category=listing.category_id, limit=100
    )
    assert listing.pk in [x.pk for x in found.listings], typo


def test_it_seeds_the_same_listings_from_the_same_seed(db):
    seed("--members", "40", "--listings", "150", "--seed", "9")
    seed("--members", "40", "--listings", "150", "--seed", "9")
    seed("--members", "40", "--listings", "150", "--seed", "10")
    first, second, other = (fingerprint(Community.objects.get(slug=f"seed-{n}")) for n in (1, 2, 3))
    assert len(first) == 150
    assert first == second
    assert first != other


@pytest.mark.parametrize("args", [["--listings", "-1"], ["--listings", "-200", "--members", "10"]])
def test_it_refuses_a_negative_number_of_listings(db, capsys, monkeypatch, args):
    code, err = run_cli(["seed", *args], capsys, monkeypatch)
    assert code == 1
    assert "--listings must be at least 0" in err
    assert not Community.objects.exists()
    assert not Listing.objects.exists()
