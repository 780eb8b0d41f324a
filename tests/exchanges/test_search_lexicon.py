"""Typo-tolerant search through the word lexicon, on both databases: on PostgreSQL the lexicon of
migration 0007 (filled by a trigger, searched with pg_trgm), on SQLite the lexicon and trigram
table of migration 0008 (filled by the listing services, searched in the same query)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

from coproduce.exchanges.selectors import search as search_selectors
from coproduce.exchanges.services import listings as listings_services


def post(community, owner, **values):
    values.setdefault("kind", "offer")
    values.setdefault("category", "cooking-and-meals")
    return listings_services.listing_create(actor=owner, community=community, **values)


def search(community, viewer, q):
    return [x.pk for x in search_selectors.listing_search(community, viewer, q=q).listings]


def lexicon() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM exchanges_listing_word")
        return {row[0] for row in cursor.fetchall()}


def test_it_keeps_every_word_of_created_and_changed_listings(community, member):
    listing = post(community, member, title="Batch cooking", description="Soups and stews, frozen.")
    assert {"batch", "cooking", "soups", "stews", "frozen", "meals"} <= lexicon()
    listings_services.listing_update(actor=member, listing=listing, title="Bread baking")
    assert {"bread", "baking", "cooking"} <= lexicon()  # old words stay: they only widen typos


def test_it_widens_only_words_no_listing_has_used(community, member):
    cooking = post(community, member, title="Cooking together")
    booking = post(
        community, member, title="Booking train tickets online", category="internet-and-email"
    )
    assert search(community, member, "booking") == [
        booking.pk
    ]  # a real word: "cooking" is not near enough
    assert search(community, member, "cookng") == [cooking.pk]  # a typo: widened to "cooking"
    assert search(community, member, "tickts online") == [booking.pk]
    assert search(community, member, "zzzz") == []


def test_it_finds_words_of_listings_changed_and_renewed(community, member):
    listing = post(community, member, title="Batch cooking")
    listings_services.listing_update(
        actor=member, listing=listing, title="Knitting circle", category="arts-and-crafts"
    )
    assert search(community, member, "kniting") == [listing.pk]
    listings_services.listing_close(actor=member, listing=listing)
    assert search(community, member, "kniting") == []  # closed: the lexicon only widens the words
    fresh = post(community, member, title="Knitting for beginners", category="arts-and-crafts")
    assert search(community, member, "kniting") == [fresh.pk]


def test_it_treats_search_syntax_as_words(community, member):
    cooking = post(community, member, title="Cooking together")
    for q in ['"cookng"', "cookng*", "(cookng)", "cookng^", "cookng'", "-cookng", "cookng:"]:
        assert search(community, member, q) == [cooking.pk], q
    assert (
        search(community, member, 'cookng" OR "zzzz') == []
    )  # every word counts, "or" and "zzzz" too


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="migration 0008 fills SQLite's lexicon only"
)
def test_it_fills_the_sqlite_lexicon_from_listings_already_there(community, member):
    cooking = post(community, member, title="Cooking together", description="Curries and soups.")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM exchanges_listing_word")
        cursor.execute("DELETE FROM exchanges_listing_word_trigram")
    assert search(community, member, "cookng") == []  # what an install upgraded from 0007 had

    # What RunPython hands the function, without the schema editor's own transaction rules.
    class Editor:
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    importlib.import_module("coproduce.exchanges.migrations.0008_sqlite_search_lexicon").up(
        apps, Editor()
    )
    assert {"cooking", "together", "curries", "soups", "meals"} <= lexicon()
    assert search(community, member, "cookng") == [cooking.pk]
    assert (
        search(community, member, "cury") == []
    )  # not similar enough: "cury" and "curries" share 3 of 10 trigrams
