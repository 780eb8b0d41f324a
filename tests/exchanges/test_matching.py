from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from coproduce.communities import services as community_services
from coproduce.exchanges import matching, services
from coproduce.exchanges.models import Listing
from tests.conftest import make_person

from .matching_pairs import OFFERS, REQUESTS

SLOTS = ["mon-am", "tue-am", "wed-pm", "thu-eve", "fri-am", "sat-pm"]


def member(community, name):
    person = make_person(None, name)
    community_services.membership_add(actor=None, community=community, person=person)
    return person


def post(community, owner, kind, category, title, description="", **kw):
    return services.listing_create(
        actor=owner, community=community, kind=kind, category=category, title=title, description=description,
        expires_at=timezone.now() + dt.timedelta(days=60), **kw,
    )


@pytest.fixture
def labelled(community):
    """Every offer of the labelled set by its own member, and the requests by one member each."""
    rng = random.Random(7)
    offers = {}
    for key, (category, title, description) in OFFERS.items():
        owner = member(community, f"Offer {key}")
        offers[key] = post(community, owner, "offer", category, title, description,
                           availability=rng.sample(SLOTS, 2), lat=51.5 + rng.uniform(-0.03, 0.03),
                           lng=-0.12 + rng.uniform(-0.04, 0.04))
    requests = []
    for i, (title, description, category, good) in enumerate(REQUESTS):
        owner = member(community, f"Asker {i}")
        listing = post(community, owner, "request", category, title, description,
                       availability=rng.sample(SLOTS, 2), lat=51.5 + rng.uniform(-0.03, 0.03),
                       lng=-0.12 + rng.uniform(-0.04, 0.04))
        requests.append((listing, offers[good]))
    return requests


def recall_at(labelled, viewer, k):
    hits = 0
    for request, good in labelled:
        found = [m.listing.pk for m in matching.matches_for(request, viewer, limit=k)]
        hits += good.pk in found
    return hits / len(labelled)


def test_it_finds_the_good_offer_in_the_top_ten_for_most_requests(labelled, coordinator):
    assert len(labelled) >= 100
    recall10 = recall_at(labelled, coordinator, 10)
    recall1 = recall_at(labelled, coordinator, 1)
    print(f"lexical matcher: recall@1 {recall1:.2f}, recall@10 {recall10:.2f} over {len(labelled)} requests")
    assert recall10 >= 0.9
    assert recall1 >= 0.5


def test_it_explains_a_match_in_plain_words(community, coordinator):
    gardener = member(community, "Gardener")
    asker = member(community, "Asker")
    offer = post(community, gardener, "offer", "gardening", "Weeding and pruning", availability=["tue-am", "fri-pm"],
                 lat=51.5000, lng=-0.1200)
    request = post(community, asker, "request", "gardening", "Help with weeding", availability=["tue-am"],
                   lat=51.5070, lng=-0.1200)
    [match] = matching.matches_for(request, coordinator)
    assert match.listing == offer
    assert match.reasons[0] == "gardening"
    assert "0.8 km away" in match.reasons
    assert "both free Tuesday mornings" in match.reasons


def test_it_matches_both_ways_and_never_the_same_owner(community, coordinator):
    person = member(community, "Both Ways")
    other = member(community, "Other")
    own_offer = post(community, person, "offer", "gardening", "Weeding")
    request = post(community, person, "request", "gardening", "Weeding please")
    offer = post(community, other, "offer", "gardening", "Weeding for you")
    assert [m.listing for m in matching.matches_for(request, coordinator)] == [offer]
    assert [m.listing for m in matching.matches_for(offer, coordinator)] == [request]
    assert own_offer not in [m.listing for m in matching.matches_for(request, coordinator)]


def test_it_leaves_out_closed_and_expired_listings(community, coordinator):
    a, b, c = member(community, "A"), member(community, "B"), member(community, "C")
    request = post(community, a, "request", "gardening", "Weeding please")
    closed = post(community, b, "offer", "gardening", "Weeding")
    services.listing_close(actor=b, listing=closed)
    expired = post(community, c, "offer", "gardening", "Weeding too")
    Listing.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert matching.matches_for(request, coordinator) == []
