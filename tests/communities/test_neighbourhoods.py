"""Neighbourhoods: coordinators name parts of the area with a rough centre; members search near
them."""

from __future__ import annotations

import pytest

from coproduce.communities.models import Neighbourhood
from coproduce.communities.selectors import neighbourhoods as neighbourhoods_selectors
from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.ops.demo.communities import NEIGHBOURHOOD_CENTRES, NEIGHBOURHOODS


def test_it_adds_and_lists_neighbourhoods_by_name(community, other_community, coordinator):
    neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="Old Town", lat=51.503, lng=-0.124
    )
    docks = neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name=" Docks ", lat="51.508", lng=-0.1
    )
    assert (docks.name, docks.slug, docks.lat, docks.lng) == ("Docks", "docks", 51.508, -0.1)
    assert [n.name for n in neighbourhoods_selectors.neighbourhoods_of(community)] == [
        "Docks",
        "Old Town",
    ]
    assert neighbourhoods_selectors.neighbourhoods_of(other_community) == []
    event = AuditEvent.objects.get(action="neighbourhood.add", subject_id=str(docks.pk))
    assert event.actor_id == coordinator.pk and event.changes["name"] == [None, "Docks"]


def test_it_finds_a_neighbourhood_by_slug_or_name(community, other_community, coordinator):
    anne = neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="St Anne's", lat=51.5, lng=-0.1
    )
    for text in ("St Anne's", "st anne's", "st-annes", " ST-ANNES "):
        assert neighbourhoods_selectors.neighbourhood_named(community, text) == anne, text
    assert neighbourhoods_selectors.neighbourhood_named(community, "Nowhere") is None
    assert neighbourhoods_selectors.neighbourhood_named(community, "") is None
    assert neighbourhoods_selectors.neighbourhood_named(other_community, "st-annes") is None


def test_it_updates_a_neighbourhood(community, coordinator):
    hood = neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="Millbrook", lat=51.49, lng=-0.14
    )
    neighbourhoods_services.neighbourhood_update(
        actor=coordinator, neighbourhood=hood, name="Millbrook Vale", lat=51.491, lng=-0.139
    )
    hood.refresh_from_db()
    assert (hood.name, hood.slug, hood.lat, hood.lng) == (
        "Millbrook Vale",
        "millbrook-vale",
        51.491,
        -0.139,
    )
    event = AuditEvent.objects.get(action="neighbourhood.update")
    assert event.changes["name"] == ["Millbrook", "Millbrook Vale"]


@pytest.mark.parametrize(
    ("name", "lat", "lng", "field"),
    [
        ("", 51.5, -0.1, "name"),
        ("x" * 81, 51.5, -0.1, "name"),
        ("Bad\x00name", 51.5, -0.1, "name"),
        ("!!!", 51.5, -0.1, "name"),
        ("Docks", 91, -0.1, "lat"),
        ("Docks", 51.5, -181, "lng"),
        ("Docks", "north", -0.1, "lat"),
        ("Docks", float("nan"), -0.1, "lat"),
        ("Docks", 51.5, None, "lng"),
    ],
)
def test_it_refuses_bad_values_and_stores_nothing(community, coordinator, name, lat, lng, field):
    with pytest.raises(ValidationFailed) as refused:
        neighbourhoods_services.neighbourhood_add(
            actor=coordinator, community=community, name=name, lat=lat, lng=lng
        )
    assert field in refused.value.fields
    assert not Neighbourhood.objects.exists()


def test_it_refuses_a_name_taken_and_people_who_do_not_coordinate(
    community, coordinator, member, outsider
):
    neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="Docks", lat=51.5, lng=-0.1
    )
    other = neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="Old Town", lat=51.5, lng=-0.1
    )
    with pytest.raises(Conflict) as taken:
        neighbourhoods_services.neighbourhood_add(
            actor=coordinator, community=community, name="docks", lat=51.5, lng=-0.1
        )
    assert taken.value.code == "neighbourhood_exists"
    with pytest.raises(Conflict):
        neighbourhoods_services.neighbourhood_update(
            actor=coordinator, neighbourhood=other, name="DOCKS", lat=51.5, lng=-0.1
        )
    with pytest.raises(PermissionDenied):
        neighbourhoods_services.neighbourhood_add(
            actor=member, community=community, name="Quay", lat=51.5, lng=-0.1
        )
    with pytest.raises((PermissionDenied, NotFound)):
        neighbourhoods_services.neighbourhood_add(
            actor=outsider, community=community, name="Quay", lat=51.5, lng=-0.1
        )
    assert Neighbourhood.objects.count() == 2


def test_the_demo_centres_lie_where_the_demo_listings_are():
    # ops/demo/exchanges.py puts listing points in 51.48-51.52 N, 0.09-0.15 W.
    assert set(NEIGHBOURHOOD_CENTRES) == set(NEIGHBOURHOODS)
    for lat, lng in NEIGHBOURHOOD_CENTRES.values():
        assert 51.48 <= lat <= 51.52 and -0.15 <= lng <= -0.09
