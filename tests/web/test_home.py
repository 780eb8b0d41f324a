from __future__ import annotations

import datetime as dt

from django.urls import reverse

from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import vetting as vetting_services

from .conftest import text


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_it_greets_a_member_with_their_communities_and_gifts(client, community, member):
    profiles_services.gift_profile_update(
        actor=member, person=member, gifts=[("hands", "Gardening"), ("teach", "Knitting")]
    )
    vetting_services.check_record(
        actor=member,
        community=community,
        person=member,
        kind="id_seen",
        result="passed",
        checked_on=dt.date.today(),
    )
    client.force_login(member)
    response = client.get(reverse("web:home"))
    page = text(response)
    assert response.status_code == 200
    assert "Hello, Mo Member" in page
    assert "Riverside" in page and "RIV-" in page
    assert "Gardening" in page and "Knitting" in page
    assert "ID checked" in page
    assert reverse("web:profile_details") in response.content.decode()
    assert "Coordinate Riverside" not in page


def test_it_links_a_coordinator_to_their_dashboard(client, community, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("web:home"))
    assert reverse("web:coordinator_dashboard", args=[community.slug]) in response.content.decode()


def test_it_points_someone_with_no_community_to_the_list(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert "You are not a member of a community yet." in text(response)


def test_it_shows_each_community_of_a_person_in_two(client, community, other_community, member):
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    client.force_login(member)
    page = text(client.get(reverse("web:home")))
    assert "RIV-" in page and "HIL-" in page
