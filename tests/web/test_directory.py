from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.communities.models import Person
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import profiles as profiles_services

from .conftest import text


def add_members(community, count, start=0):
    people = []
    for i in range(start, start + count):
        person = Person.objects.create_user(
            email=f"p{i}@example.org",
            full_name=f"Person {i:03d}",
            phone=f"0770090{i:04d}",
            neighbourhood="Docks",
        )
        memberships_services.membership_add(actor=None, community=community, person=person)
        profiles_services.gift_profile_update(
            actor=person, person=person, gifts=[("hands", f"Gift {i}")]
        )
        people.append(person)
    return people


def test_it_lists_members_to_members(client, community, member, coordinator):
    client.force_login(member)
    response = client.get(reverse("web:member_directory", args=[community.slug]))
    assert response.status_code == 200
    page = text(response)
    assert "Mo Member" in page and "Cora Coordinator" in page
    assert reverse("web:member_detail", args=[community.slug, 1]) in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "other_member"])
def test_it_hides_the_directory_from_people_outside(client, community, member, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("web:member_directory", args=[community.slug])).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(client, community):
    assert client.get(reverse("web:member_directory", args=[community.slug])).status_code == 302


def test_it_searches_by_name_gift_and_number(client, community, member, agency_staff):
    profiles_services.gift_profile_update(
        actor=member, person=member, gifts=[("hands", "Bike repairs")]
    )
    client.force_login(agency_staff)
    url = reverse("web:member_directory", args=[community.slug])
    assert "Mo Member" in text(client.get(url, {"q": "bike"}))
    assert "Mo Member" not in text(client.get(url, {"q": "Asha"}))
    code = member.memberships.get().member_code
    assert "Mo Member" in text(client.get(url, {"q": code}))
    assert "Nobody matches that search" in text(client.get(url, {"q": "zzz"}))


def test_it_applies_privacy_to_each_entry(client, community, member, agency_staff):
    client.force_login(agency_staff)
    response = client.get(reverse("web:member_directory", args=[community.slug]))
    assert "07700 900001" not in response.content.decode()
    assert member.email not in response.content.decode()


def test_it_pages_with_a_next_link(client, community, member, monkeypatch):
    monkeypatch.setattr("coproduce.web.views.members.PAGE_SIZE", 3)
    add_members(community, 4)
    client.force_login(member)
    url = reverse("web:member_directory", args=[community.slug])
    first = client.get(url)
    assert first.context["page"].next_after == 3
    assert "?after=3" in first.content.decode()
    second = client.get(url, {"after": 3})
    numbers = [m.membership.number for m in second.context["page"].members]
    assert numbers == [4, 5]
    assert second.context["page"].next_after is None


def test_it_uses_a_fixed_number_of_queries(client, community, member, django_assert_num_queries):
    client.force_login(member)
    url = reverse("web:member_directory", args=[community.slug])
    add_members(community, 3)
    client.get(url)  # warm the session
    # session, person, memberships with roles (the community among them), directory page
    # (members, roles, gifts), unread notifications
    with django_assert_num_queries(7):
        small = client.get(url)
    add_members(community, 20, start=3)
    with django_assert_num_queries(7):
        large = client.get(url)
    assert len(large.context["page"].members) == len(small.context["page"].members) + 20
