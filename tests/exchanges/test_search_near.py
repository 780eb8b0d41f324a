"""Searching near a neighbourhood: by its slug or name, measured from its centre."""

from __future__ import annotations

import pytest

from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.core.errors import ValidationFailed
from coproduce.exchanges.selectors import search as search_selectors
from coproduce.exchanges.services import listings as listings_services

from ..conftest import make_person

KM_NORTH = 1 / 111.19  # degrees of latitude in one kilometre
DOCKS = (51.508, -0.100)


def post(community, owner, **values):
    values.setdefault("kind", "offer")
    values.setdefault("title", "Help with the garden")
    values.setdefault("category", "gardening")
    return listings_services.listing_create(actor=owner, community=community, **values)


def search(community, viewer, **kw):
    return [x.pk for x in search_selectors.listing_search(community, viewer, **kw).listings]


@pytest.fixture
def docks(community, coordinator):
    return neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="The Docks", lat=DOCKS[0], lng=DOCKS[1]
    )


def test_it_measures_from_a_neighbourhoods_centre(community, member, docks):
    close = post(community, member, lat=DOCKS[0] + 1 * KM_NORTH, lng=DOCKS[1])
    far = post(community, member, lat=DOCKS[0] + 6 * KM_NORTH, lng=DOCKS[1])
    for near in ("the-docks", "The Docks", "the docks"):
        assert search(community, member, near=near, within_km=2) == [close.pk], near
    assert search(community, member, near="the-docks", sort="distance") == [close.pk, far.pk]
    page = search_selectors.listing_search(community, member, near="the-docks", within_km=2)
    assert page.listings[0].distance_km == pytest.approx(1.0, abs=0.15)
    # The same as giving the centre as a point, as text or as a pair.
    assert search(community, member, near=f"{DOCKS[0]},{DOCKS[1]}", within_km=2) == [close.pk]
    assert search(community, member, near=DOCKS, within_km=2) == [close.pk]


def test_it_names_an_unknown_neighbourhood(community, member, docks):
    with pytest.raises(ValidationFailed) as refused:
        search(community, member, near="Atlantis", within_km=2)
    assert "Atlantis" in refused.value.fields["near"][0] and "Riverside" in refused.value.message
    with pytest.raises(ValidationFailed):
        search(community, member, near="x" * 81)


def test_it_does_not_use_another_communitys_neighbourhoods(community, other_community, member):
    hillside_coordinator = make_person("coord@hillside.example", "Hal Hillside", mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=other_community, person=hillside_coordinator, roles=[Role.COORDINATOR]
    )
    neighbourhoods_services.neighbourhood_add(
        actor=hillside_coordinator, community=other_community, name="Hilltop", lat=51.6, lng=-0.2
    )
    with pytest.raises(ValidationFailed):
        search(community, member, near="hilltop")
