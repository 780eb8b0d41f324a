"""A member's exchanges, newest first, with an "Older" link."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .conftest import confirmed, recorded, text


def url(community):
    return reverse("web:exchange_list", args=[community.slug])


def test_it_lists_both_sides_newest_first(client, community, member, agency_staff):
    confirmed(community, member, member, agency_staff, title="Painting")
    recorded(community, agency_staff, agency_staff, member, minutes=45, title="Lift")
    client.force_login(member)
    page = text(client.get(url(community)))
    assert page.index("Lift") < page.index("Painting")
    assert "Helped by Asha Staff" in page and "Helped Asha Staff" in page
    assert "0h45" in page and "Waiting for confirmation" in page and "Confirmed" in page


def test_it_pages_older_exchanges(client, community, member, agency_staff, monkeypatch):
    monkeypatch.setattr("coproduce.web.views.exchanges.PAGE_SIZE", 2)
    for i in range(3):
        recorded(community, member, member, agency_staff, title=f"Job {i}")
    client.force_login(member)
    body = client.get(url(community)).content.decode()
    assert "Job 2" in body and "Job 1" in body and "Job 0" not in body
    older = client.get(re.search(r'href="([^"]+\?before=\d+)">Older exchanges', body).group(1))
    assert "Job 0" in text(older) and "Newest exchanges" in text(older)


def test_it_reads_a_fixed_number_of_queries(
    client, community, member, agency_staff, django_assert_num_queries
):
    recorded(community, member, member, agency_staff)
    client.force_login(member)
    with django_assert_num_queries(7):
        client.get(url(community))
    for i in range(10):
        confirmed(
            community,
            member,
            member,
            agency_staff,
            minutes=30,
            title=f"Job {i}",
            expenses=[{"amount": "1.00", "note": "Bus"}],
        )
    with django_assert_num_queries(7):
        client.get(url(community))


@pytest.mark.parametrize("who, status", [("outsider", 404), ("other_member", 404)])
def test_it_is_for_members_only(client, community, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(community)).status_code == status
