"""The sessions API: listing and adding sessions (one, or a series), a session with places left
and its calendar URL, signing up, the waiting list, cancelling, and refusals that change
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.coproduction.models import Session, SessionSeries, SignUp
from coproduce.coproduction.services import sessions
from coproduce.core.models import AuditEvent

from ..api.conftest import assert_error, bearer
from .test_signups import _people

BASE = "/api/v1/communities/riverside/sessions"


def _state() -> tuple[int, int, int, list]:
    return (
        Session.objects.count(),
        SignUp.objects.count(),
        AuditEvent.objects.count(),
        list(Session.objects.values_list("places_taken", flat=True)),
    )


def _start(days=3) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)


def test_it_lists_sessions_with_places_left_and_calendar_url(client, member, session, agency, role):
    response = client.get(BASE, headers=bearer(member))
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["id"] == session.pk and item["places_left"] == 3 and item["capacity"] == 3
    assert item["calendar_url"].endswith(f"/c/riverside/roles/{role.pk}/sessions.ics")
    assert (
        item["agency"] == {"slug": agency.slug, "name": agency.name} and item["my_signup"] is None
    )
    assert client.get(f"{BASE}?agency={agency.slug}", headers=bearer(member)).json()["items"]
    assert client.get(f"{BASE}?role={role.pk}", headers=bearer(member)).json()["items"]
    later = (session.starts_at + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert client.get(BASE, {"from": later}, headers=bearer(member)).json()["items"] == []
    assert (
        client.get(
            BASE,
            {"to": session.starts_at.isoformat().replace("+00:00", "Z")},
            headers=bearer(member),
        ).json()["items"]
        == []
    )
    assert_error(
        client.get(f"{BASE}?agency=nowhere", headers=bearer(member)), 422, "unknown_agency"
    )


def test_it_pages_sessions(client, agency_admin, member, role):
    for day in range(1, 6):
        sessions.session_create(
            actor=agency_admin,
            role=role,
            place="Room",
            starts_at=_start(day),
            ends_at=_start(day) + dt.timedelta(hours=1),
            capacity=2,
        )
    first = client.get(f"{BASE}?limit=2", headers=bearer(member)).json()
    second = client.get(
        f"{BASE}?limit=2&cursor={first['next_cursor']}", headers=bearer(member)
    ).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 2
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


def test_outsiders_get_404(client, outsider, other_member, session):
    for person in (outsider, other_member):
        assert_error(client.get(BASE, headers=bearer(person)), 404)
        assert_error(client.get(f"{BASE}/{session.pk}", headers=bearer(person)), 404)


def test_staff_add_a_session(client, agency_admin, role, membership_of, community):
    number = membership_of(agency_admin, community).number
    response = client.post(
        BASE,
        {
            "role_id": role.pk,
            "place": "Room 1",
            "starts_at": _start().isoformat(),
            "ends_at": (_start() + dt.timedelta(hours=2)).isoformat(),
            "capacity": 5,
            "staff_present": [number],
        },
        content_type="application/json",
        headers=bearer(agency_admin),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["capacity"] == 5 and body["places_left"] == 5
    assert body["staff_present"] == [
        {"member_number": number, "display_name": agency_admin.display_name}
    ]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"capacity": 0}, "validation_failed"),
        ({"capacity": 501}, "validation_failed"),
        ({"ends_at": "BEFORE"}, "validation_failed"),
        ({"starts_at": "PAST"}, "validation_failed"),
        ({"role_id": 999999}, "unknown_role"),
        ({"staff_present": ["MEMBER"]}, "validation_failed"),
    ],
)
def test_bad_sessions_are_refused_and_nothing_is_stored(
    client, agency_admin, member, role, membership_of, community, change, code
):
    body = {
        "role_id": role.pk,
        "place": "Room 1",
        "starts_at": _start().isoformat(),
        "ends_at": (_start() + dt.timedelta(hours=2)).isoformat(),
        "capacity": 5,
    }
    body.update(change)
    if body["ends_at"] == "BEFORE":
        body["ends_at"] = (_start() - dt.timedelta(hours=1)).isoformat()
    if body["starts_at"] == "PAST":
        body["starts_at"] = (timezone.now() - dt.timedelta(hours=3)).isoformat()
    if body.get("staff_present") == ["MEMBER"]:
        body["staff_present"] = [membership_of(member, community).number]
    headers = bearer(agency_admin)
    before = _state()
    assert_error(
        client.post(BASE, body, content_type="application/json", headers=headers), 422, code
    )
    assert _state() == before


def test_members_cannot_add_sessions(client, member, role):
    headers = bearer(member)
    before = _state()
    assert_error(
        client.post(
            BASE,
            {
                "role_id": role.pk,
                "place": "Room",
                "starts_at": _start().isoformat(),
                "ends_at": (_start() + dt.timedelta(hours=1)).isoformat(),
                "capacity": 2,
            },
            content_type="application/json",
            headers=headers,
        ),
        403,
        "not_agency_staff",
    )
    assert _state() == before


def test_staff_add_a_series_and_bad_rules_are_explained(client, agency_admin, role):
    body = {
        "role_id": role.pk,
        "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=12",
        "first_start": _start(1).isoformat(),
        "duration_minutes": 90,
        "place": "Library",
        "capacity": 4,
    }
    response = client.post(
        f"{BASE}/series", body, content_type="application/json", headers=bearer(agency_admin)
    )
    assert response.status_code == 201, response.content
    assert (
        len(response.json()["sessions"]) == 12
        and response.json()["repeats"] == "Every Tuesday, 12 times"
    )
    headers = bearer(agency_admin)
    before = _state()
    for rule in ("FREQ=WEEKLY;BYDAY=TU", "FREQ=DAILY;COUNT=60", "NONSENSE"):
        error = assert_error(
            client.post(
                f"{BASE}/series",
                {**body, "rrule": rule},
                content_type="application/json",
                headers=headers,
            ),
            422,
        )
        assert error["fields"]["rrule"]
    assert _state() == before and SessionSeries.objects.count() == 1


def test_a_session_shows_places_left_and_my_signup(client, member, session):
    client.post(
        f"{BASE}/{session.pk}/signups", content_type="application/json", headers=bearer(member)
    )
    body = client.get(f"{BASE}/{session.pk}", headers=bearer(member)).json()
    assert body["places_left"] == 2 and body["places_taken"] == 1
    assert body["my_signup"]["status"] == "booked"


def test_signing_up_fills_places_then_the_waiting_list(client, community, session):
    people = _people(community, 4)
    statuses = [
        client.post(
            f"{BASE}/{session.pk}/signups", content_type="application/json", headers=bearer(p)
        ).json()["status"]
        for p in people
    ]
    assert statuses == ["booked", "booked", "booked", "waiting"]
    assert Session.objects.get(pk=session.pk).places_taken == 3
    waiting = SignUp.objects.get(person=people[3])
    assert (
        client.get(f"{BASE}/{session.pk}/signups", headers=bearer(people[3])).json()["items"][0][
            "waiting_position"
        ]
        == 1
    )
    first = SignUp.objects.get(person=people[0])
    response = client.delete(f"{BASE}/{session.pk}/signups/{first.pk}", headers=bearer(people[0]))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert SignUp.objects.get(pk=waiting.pk).status == "booked"
    assert Session.objects.get(pk=session.pk).places_taken == 3


def test_signing_up_twice_is_409_and_changes_nothing(client, member, session):
    headers = bearer(member)
    client.post(f"{BASE}/{session.pk}/signups", content_type="application/json", headers=headers)
    before = _state()
    assert_error(
        client.post(
            f"{BASE}/{session.pk}/signups", content_type="application/json", headers=headers
        ),
        409,
        "already_signed_up",
    )
    assert _state() == before


def test_signing_up_without_the_check_gives_the_reasons(client, member, session):
    role = session.role
    role.vetting_level = 1
    role.save()
    headers = bearer(member)
    before = _state()
    error = assert_error(
        client.post(
            f"{BASE}/{session.pk}/signups", content_type="application/json", headers=headers
        ),
        422,
        "not_eligible",
    )
    assert "ID checked" in error["message"] and error["fields"]["person"]
    assert _state() == before


def test_staff_see_every_signup_and_members_only_their_own(
    client, agency_admin, member, community, session, membership_of
):
    other = _people(community, 1)[0]
    sessions.signup_create(actor=other, session=session)
    number = membership_of(member, community).number
    response = client.post(
        f"{BASE}/{session.pk}/signups",
        {"on_behalf_of": number},
        content_type="application/json",
        headers=bearer(agency_admin),
    )
    assert response.status_code == 201 and response.json()["person"]["member_number"] == number
    assert (
        len(
            client.get(f"{BASE}/{session.pk}/signups", headers=bearer(agency_admin)).json()["items"]
        )
        == 2
    )
    mine = client.get(f"{BASE}/{session.pk}/signups", headers=bearer(member)).json()["items"]
    assert [s["person"]["member_number"] for s in mine] == [number]


def test_a_member_cannot_sign_up_or_cancel_for_someone_else(
    client, member, community, session, membership_of
):
    other = _people(community, 1)[0]
    theirs = sessions.signup_create(actor=other, session=session)
    headers = bearer(member)
    before = _state()
    assert_error(
        client.post(
            f"{BASE}/{session.pk}/signups",
            {"on_behalf_of": membership_of(other, community).number},
            content_type="application/json",
            headers=headers,
        ),
        403,
    )
    assert_error(client.delete(f"{BASE}/{session.pk}/signups/{theirs.pk}", headers=headers), 404)
    assert _state() == before


def test_cancelled_sessions_refuse_signups(client, agency_admin, member, session):
    response = client.post(
        f"{BASE}/{session.pk}/cancel",
        {"reason": "Closed"},
        content_type="application/json",
        headers=bearer(agency_admin),
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert_error(
        client.post(
            f"{BASE}/{session.pk}/signups", content_type="application/json", headers=bearer(member)
        ),
        409,
        "session_cancelled",
    )


def test_staff_change_a_session(client, agency_admin, session):
    response = client.patch(
        f"{BASE}/{session.pk}",
        {"capacity": 10, "place": "Hall"},
        content_type="application/json",
        headers=bearer(agency_admin),
    )
    assert (
        response.status_code == 200
        and response.json()["capacity"] == 10
        and response.json()["place"] == "Hall"
    )


def test_it_lists_the_sessions_that_took_place_without_a_register(
    client, agency_admin, session, role
):
    """`status=scheduled` with `from` in the past and `to` now: the registers still to fill in."""
    held = Session.objects.create(
        community=role.community,
        agency=role.agency,
        role=role,
        place="Quiet room",
        starts_at=timezone.now() - dt.timedelta(days=2, hours=2),
        ends_at=timezone.now() - dt.timedelta(days=2),
        capacity=3,
    )
    Session.objects.create(
        community=role.community,
        agency=role.agency,
        role=role,
        place="Quiet room",
        status="registered",
        starts_at=timezone.now() - dt.timedelta(days=9, hours=2),
        ends_at=timezone.now() - dt.timedelta(days=9),
        capacity=3,
    )
    query = {
        "from": (timezone.now() - dt.timedelta(days=30)).isoformat().replace("+00:00", "Z"),
        "to": timezone.now().isoformat().replace("+00:00", "Z"),
        "status": "scheduled",
    }
    response = client.get(BASE, query, headers=bearer(agency_admin))
    assert [item["id"] for item in response.json()["items"]] == [held.pk]
    query["status"] = "registered"
    assert len(client.get(BASE, query, headers=bearer(agency_admin)).json()["items"]) == 1
    assert_error(client.get(BASE, {"status": "done"}, headers=bearer(agency_admin)), 422)
