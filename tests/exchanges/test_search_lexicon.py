"""PostgreSQL search through the stored vector and the word lexicon (migration 0007)."""

from __future__ import annotations

import pytest
from django.db import connection

from coproduce.exchanges import selectors, services

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the lexicon is PostgreSQL's")


def post(community, owner, **values):
    values.setdefault("kind", "offer")
    values.setdefault("category", "cooking-and-meals")
    return services.listing_create(actor=owner, community=community, **values)


def search(community, viewer, q):
    return [x.pk for x in selectors.listing_search(community, viewer, q=q).listings]


def lexicon() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM exchanges_listing_word")
        return {row[0] for row in cursor.fetchall()}


def test_it_keeps_every_word_of_created_and_changed_listings(community, member):
    listing = post(community, member, title="Batch cooking", description="Soups and stews, frozen.")
    assert {"batch", "cooking", "soups", "stews", "frozen", "meals"} <= lexicon()
    services.listing_update(actor=member, listing=listing, title="Bread baking")
    assert {"bread", "baking", "cooking"} <= lexicon()  # old words stay: they only widen typos


def test_it_widens_only_words_no_listing_has_used(community, member):
    cooking = post(community, member, title="Cooking together")
    booking = post(community, member, title="Booking train tickets online", category="internet-and-email")
    assert search(community, member, "booking") == [booking.pk]  # a real word: "cooking" is not near enough
    assert search(community, member, "cookng") == [cooking.pk]  # a typo: widened to "cooking"
    assert search(community, member, "tickts online") == [booking.pk]
    assert search(community, member, "zzzz") == []
