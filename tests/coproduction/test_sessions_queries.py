"""The session lists read a fixed number of queries however many sessions and sign-ups there
are: the agency's sessions, a role's sessions, My sessions and the sessions API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.coproduction.models import SignUpStatus
from coproduce.coproduction.selectors import sessions as sessions_selectors
from coproduce.coproduction.services import sessions as sessions_services

from ..api.conftest import bearer
from .test_signups import _people


def _start(days: int) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def _add(agency_admin, role, member, others, *, count: int, first_day: int) -> None:
    """`count` sessions: half one at a time, half a weekly series; the staff admin present at
    each; the member booked on each (waiting on the full ones), others booked and waiting."""
    singles = count // 2
    made = [
        sessions_services.session_create(
            actor=agency_admin,
            role=role,
            place="Room",
            starts_at=_start(first_day + i),
            ends_at=_start(first_day + i) + dt.timedelta(hours=1),
            capacity=2,
            staff_present=[agency_admin],
        )
        for i in range(singles)
    ]
    if count - singles:
        series = sessions_services.series_create(
            actor=agency_admin,
            role=role,
            rrule=f"FREQ=WEEKLY;COUNT={count - singles}",
            first_start=_start(first_day + singles),
            duration_minutes=90,
            place="Hall",
            capacity=2,
            staff_present=[agency_admin],
        )
        made += list(series.sessions.all())
    for i, session in enumerate(made):
        if i % 2:  # full: two others booked, the member waiting behind a third
            for person in others:
                sessions_services.signup_create(actor=person, session=session)
        sessions_services.signup_create(actor=member, session=session)


def _count(client, url: str, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


@pytest.fixture
def people(community):
    return _people(community, 3, prefix="q")


def _pages(community, agency, role) -> list[str]:
    slug = community.slug
    return [
        f"/c/{slug}/agencies/{agency.slug}/sessions/",
        f"/c/{slug}/roles/{role.pk}/sessions/",
        f"/c/{slug}/sessions/mine/",
    ]


@pytest.mark.parametrize("viewer", ["member", "agency_admin"])
def test_the_session_pages_read_a_fixed_number_of_queries(
    client, request, community, agency, agency_admin, role, member, people, viewer
):
    _add(agency_admin, role, member, people, count=2, first_day=1)
    person = request.getfixturevalue(viewer)
    client.force_login(person)
    pages = _pages(community, agency, role)
    few = [_count(client, url) for url in pages]
    _add(agency_admin, role, member, people, count=10, first_day=30)
    assert sessions_selectors.my_signups(community, member) and any(
        s.status == SignUpStatus.WAITING for s in sessions_selectors.my_signups(community, member)
    )
    body = client.get(pages[0]).content.decode()
    assert body.count(f"/c/{community.slug}/sessions/") >= 12
    many = [_count(client, url) for url in pages]
    assert many == few


def test_the_sessions_api_reads_a_fixed_number_of_queries(
    client, community, agency_admin, role, member, people
):
    _add(agency_admin, role, member, people, count=2, first_day=1)
    url = f"/api/v1/communities/{community.slug}/sessions?limit=50"
    headers = bearer(member)
    client.get(url, headers=headers)  # the token's last-used time is written once
    few = _count(client, url, headers=headers)
    _add(agency_admin, role, member, people, count=10, first_day=30)
    items = client.get(url, headers=headers).json()["items"]
    assert len(items) == 12
    # The positions come from one annotated query: the member waits behind the third person on full
    # sessions.
    assert sorted(
        (i["my_signup"]["status"], i["my_signup"]["waiting_position"]) for i in items
    ) == ([("booked", None)] * 6 + [("waiting", 2)] * 6)
    assert _count(client, url, headers=headers) == few
