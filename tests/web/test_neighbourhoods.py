"""The coordinators' neighbourhoods page, and searching near a neighbourhood on the offers and
requests page."""

from __future__ import annotations

from django.urls import reverse

from coproduce.communities.models import Neighbourhood
from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.exchanges.services import listings as listings_services

from .conftest import text

KM_NORTH = 1 / 111.19


def hood(community, coordinator, name="Old Town", lat=51.503, lng=-0.124):
    return neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name=name, lat=lat, lng=lng
    )


def test_it_lets_a_coordinator_add_and_change_neighbourhoods(client, community, coordinator):
    client.force_login(coordinator)
    url = reverse("web:neighbourhoods", args=[community.slug])
    dashboard = client.get(
        reverse("web:coordinator_dashboard", args=[community.slug])
    ).content.decode()
    assert f'href="{url}"' in dashboard
    page = client.get(url)
    assert page.status_code == 200 and "None yet" in text(page)
    response = client.post(url, {"name": "Millbrook", "lat": "51.489", "lng": "-0.138"})
    assert response.status_code == 302
    added = Neighbourhood.objects.get()
    assert (added.name, added.slug, added.lat, added.lng) == (
        "Millbrook",
        "millbrook",
        51.489,
        -0.138,
    )
    assert "Millbrook" in text(client.get(url))
    edit = reverse("web:neighbourhood_edit", args=[community.slug, added.pk])
    assert 'value="51.489"' in client.get(edit).content.decode()
    assert (
        client.post(edit, {"name": "Millbrook Vale", "lat": "51.49", "lng": "-0.138"}).status_code
        == 302
    )
    added.refresh_from_db()
    assert (added.name, added.lat) == ("Millbrook Vale", 51.49)


def test_it_shows_refusals_on_the_form_and_stores_nothing(client, community, coordinator):
    hood(community, coordinator)
    client.force_login(coordinator)
    url = reverse("web:neighbourhoods", args=[community.slug])
    response = client.post(url, {"name": "", "lat": "91", "lng": "east"})
    assert response.status_code == 400
    page = text(response)
    assert "Give the neighbourhood a name." in page and "Enter a number, such as -0.124." in page
    response = client.post(url, {"name": "old town", "lat": "51.5", "lng": "-0.1"})
    assert (
        response.status_code == 400
        and "There is already a neighbourhood called 'old town'." in text(response)
    )
    assert Neighbourhood.objects.count() == 1


def test_it_keeps_members_and_outsiders_out(client, community, coordinator, member, outsider):
    added = hood(community, coordinator)
    client.force_login(member)
    assert client.get(reverse("web:neighbourhoods", args=[community.slug])).status_code == 403
    assert (
        client.post(
            reverse("web:neighbourhoods", args=[community.slug]),
            {"name": "Quay", "lat": "51.5", "lng": "-0.1"},
        ).status_code
        == 403
    )
    assert (
        client.get(reverse("web:neighbourhood_edit", args=[community.slug, added.pk])).status_code
        == 403
    )
    client.force_login(outsider)
    assert client.get(reverse("web:neighbourhoods", args=[community.slug])).status_code == 404
    assert Neighbourhood.objects.count() == 1


def test_it_searches_near_a_neighbourhood(client, community, coordinator, member):
    hood(community, coordinator)
    hood(community, coordinator, name="Docks", lat=51.508, lng=-0.100)
    listings_services.listing_create(
        actor=member,
        community=community,
        kind="offer",
        title="Weeding nearby",
        category="gardening",
        lat=51.503 + KM_NORTH,
        lng=-0.124,
    )
    listings_services.listing_create(
        actor=member,
        community=community,
        kind="offer",
        title="Weeding far away",
        category="gardening",
        lat=51.503 + 20 * KM_NORTH,
        lng=-0.124,
    )
    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    form = client.get(url).content.decode()
    assert (
        '<label for="id_near">Near' in form and '<option value="old-town">Old Town</option>' in form
    )
    assert '<label for="id_within_km">Within (km)' in form
    response = client.get(url, {"near": "old-town", "within_km": "3"})
    page = text(response)
    assert response.status_code == 200
    assert "Weeding nearby" in page and "Weeding far away" not in page and "1.0 km away" in page
    page = text(client.get(url, {"near": "old-town", "sort": "distance"}))
    assert page.index("Weeding nearby") < page.index("Weeding far away")


def test_it_names_an_unknown_neighbourhood_and_asks_where_from(
    client, community, coordinator, member
):
    hood(community, coordinator)
    client.force_login(member)
    url = reverse("web:listing_search", args=[community.slug])
    response = client.get(url, {"near": "atlantis", "within_km": "3"})
    assert response.status_code == 400
    assert "There is no neighbourhood called “atlantis” here." in text(response)
    assert 'href="#id_near"' in response.content.decode()
    response = client.get(url, {"within_km": "3"})
    assert response.status_code == 400 and "Say where to measure the distance from." in text(
        response
    )
    response = client.get(url, {"near": "old-town", "within_km": "500"})
    assert response.status_code == 400 and "Search within at most 200 km." in text(response)
