"""The session pages: lists of an agency's and a role's sessions, a session's page with its
sign-up buttons, "My sessions", staff forms for a session and a repeating series, and the
iCalendar links."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from coproduce.coproduction.models import (
    Session,
    SessionSeries,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from coproduce.coproduction.selectors import calendars
from coproduce.coproduction.services import sessions

from ..web.conftest import text


def _url(name, *args):
    return reverse(f"web:{name}", args=args)


def test_it_lists_an_agencys_upcoming_sessions_with_places_left(client, member, agency, session):
    client.force_login(member)
    response = client.get(_url("agency_sessions", "riverside", agency.slug))
    assert response.status_code == 200
    page = text(response)
    assert "Peer supporter" in page and "3 places left" in page and "Sign up" in page
    assert "Add a session" not in page  # members do not run sessions
    assert calendars.agency_calendar_url(agency) in response.content.decode()


def test_it_shows_staff_the_forms(client, agency_admin, agency, role, session):
    client.force_login(agency_admin)
    page = text(client.get(_url("role_sessions", "riverside", role.pk)))
    assert "Add a session" in page and "Add repeating sessions" in page


def test_a_member_signs_up_and_cancels(client, member, session):
    client.force_login(member)
    response = client.post(_url("session_signup", "riverside", session.pk))
    assert response.status_code == 302
    signup = SignUp.objects.get(person=member)
    assert signup.status == SignUpStatus.BOOKED
    page = text(client.get(_url("session_detail", "riverside", session.pk)))
    assert "You have a place" in page and "Cancel my place" in page and "2 of 3 left" in page
    client.post(_url("signup_cancel", "riverside", session.pk, signup.pk))
    assert SignUp.objects.get(pk=signup.pk).status == SignUpStatus.CANCELLED
    assert Session.objects.get(pk=session.pk).places_taken == 0


def test_a_full_session_offers_the_waiting_list(
    client, member, session, agency_admin, coordinator, community
):
    from ..coproduction.test_signups import _people

    for person in _people(community, 3):
        sessions.signup_create(actor=person, session=session)
    client.force_login(member)
    assert "Join the waiting list" in text(
        client.get(_url("session_detail", "riverside", session.pk))
    )
    client.post(_url("session_signup", "riverside", session.pk))
    page = text(client.get(_url("session_detail", "riverside", session.pk)))
    assert "You are on the waiting list" in page and "number 1 on the waiting list" in page
    assert Session.objects.get(pk=session.pk).places_taken == 3


def test_signing_up_twice_shows_the_reason_and_changes_nothing(client, member, session):
    client.force_login(member)
    client.post(_url("session_signup", "riverside", session.pk))
    response = client.post(_url("session_signup", "riverside", session.pk), follow=True)
    assert "Already signed up" in text(response)
    assert SignUp.objects.count() == 1


def test_it_shows_why_a_member_cannot_sign_up(client, member, session):
    role = session.role
    role.vetting_level = 2
    role.save()
    client.force_login(member)
    page = text(client.get(_url("session_detail", "riverside", session.pk)))
    assert "Before you can sign up" in page and "Enhanced check" in page
    assert "Sign up" not in page.replace("Before you can sign up", "")
    response = client.post(_url("session_signup", "riverside", session.pk), follow=True)
    assert "Enhanced check" in text(response)
    assert not SignUp.objects.exists()


def test_staff_see_who_signed_up_and_members_do_not(
    client, member, agency_admin, session, other_member
):
    sessions.signup_create(actor=member, session=session)
    client.force_login(agency_admin)
    assert "Mo Member" in text(client.get(_url("session_detail", "riverside", session.pk)))
    client.force_login(member)
    assert "Who has signed up" not in text(
        client.get(_url("session_detail", "riverside", session.pk))
    )
    client.force_login(other_member)
    assert client.get(_url("session_detail", "riverside", session.pk)).status_code == 404


def test_staff_create_a_session(client, agency_admin, agency, role):
    client.force_login(agency_admin)
    assert client.get(_url("session_create", "riverside", agency.slug)).status_code == 200
    day = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    response = client.post(
        _url("session_create", "riverside", agency.slug),
        {
            "role": role.pk,
            "day": day,
            "start": "10:00",
            "end": "12:00",
            "place": "Room 2",
            "capacity": "4",
            "staff": [agency_admin.pk],
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(
        "session_detail", "riverside", session.pk
    )
    assert session.capacity == 4 and list(session.staff_present.all()) == [agency_admin]


def test_a_bad_session_form_shows_errors_and_stores_nothing(client, agency_admin, agency, role):
    client.force_login(agency_admin)
    day = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    for data in ({"end": "09:00"}, {"capacity": "0"}, {"capacity": "501"}):
        response = client.post(
            _url("session_create", "riverside", agency.slug),
            {
                "role": role.pk,
                "day": day,
                "start": "10:00",
                "end": "12:00",
                "place": "Room 2",
                "capacity": "4",
                **data,
            },
        )
        assert response.status_code == 400
        assert "There is a problem" in text(response)
    assert "The end must be after the start" in text(
        client.post(
            _url("session_create", "riverside", agency.slug),
            {
                "role": role.pk,
                "day": day,
                "start": "10:00",
                "end": "09:00",
                "place": "Room",
                "capacity": "4",
            },
        )
    )
    assert not Session.objects.exists()


def test_members_cannot_open_the_staff_forms(client, member, agency):
    client.force_login(member)
    assert client.get(_url("session_create", "riverside", agency.slug)).status_code == 403
    assert client.get(_url("series_create", "riverside", agency.slug)).status_code == 403


def test_staff_create_a_weekly_series_from_the_simple_choice(client, agency_admin, agency, role):
    client.force_login(agency_admin)
    assert client.get(_url("series_create", "riverside", agency.slug)).status_code == 200
    day = dt.date.today() + dt.timedelta(days=3)
    response = client.post(
        _url("series_create", "riverside", agency.slug),
        {
            "role": role.pk,
            "day": day.isoformat(),
            "start": "10:00",
            "duration_minutes": "120",
            "repeat": "weekly",
            "count": "12",
            "place": "Library",
            "capacity": "6",
        },
        follow=True,
    )
    series = SessionSeries.objects.get()
    weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][day.weekday()]
    assert series.rrule == f"FREQ=WEEKLY;BYDAY={weekday};COUNT=12"
    assert series.sessions.count() == 12
    assert "12 sessions published: Every" in text(response)


def test_a_bad_advanced_rule_is_explained_and_stores_nothing(client, agency_admin, agency, role):
    client.force_login(agency_admin)
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        _url("series_create", "riverside", agency.slug),
        {
            "role": role.pk,
            "day": day,
            "start": "10:00",
            "duration_minutes": "120",
            "repeat": "advanced",
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "place": "Library",
            "capacity": "6",
        },
    )
    assert response.status_code == 400
    assert "Say when the series ends" in text(response)
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_staff_change_and_cancel_a_session(client, agency_admin, member, session):
    sessions.signup_create(actor=member, session=session)
    client.force_login(agency_admin)
    assert client.get(_url("session_edit", "riverside", session.pk)).status_code == 200
    response = client.post(_url("session_cancel", "riverside", session.pk), {"reason": "Flooded"})
    assert response.status_code == 302
    assert Session.objects.get(pk=session.pk).status == SessionStatus.CANCELLED


def test_my_sessions_lists_booked_ones_and_the_private_calendar(client, member, session, community):
    sessions.signup_create(actor=member, session=session)
    client.force_login(member)
    response = client.get(_url("my_sessions", "riverside"))
    assert response.status_code == 200
    assert "Peer supporter" in text(response)
    assert calendars.member_calendar_url(member, community) in response.content.decode()
    home = client.get(_url("community", "riverside"))
    assert _url("my_sessions", "riverside") in home.content.decode()


def test_the_feeds_need_no_sign_in(client, agency, role, session, member, community):
    for url in (
        _url("agency_calendar", "riverside", agency.slug),
        _url("role_calendar", "riverside", role.pk),
        calendars.member_calendar_url(member, community).removeprefix("http://127.0.0.1:8000"),
    ):
        response = client.get(url.replace("http://testserver", ""))
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/calendar")
    assert client.get(_url("member_calendar", "riverside", "1.2.forged")).status_code == 404


def test_staff_find_the_registers_still_to_fill_in(
    client, agency_admin, member, agency, role, session
):
    held = Session.objects.create(
        community=role.community,
        agency=agency,
        role=role,
        place="Quiet room",
        starts_at=session.starts_at - dt.timedelta(days=3),
        ends_at=session.starts_at - dt.timedelta(days=3, hours=-1),
        capacity=3,
    )
    done = Session.objects.create(
        community=role.community,
        agency=agency,
        role=role,
        place="Quiet room",
        status=SessionStatus.REGISTERED,
        starts_at=session.starts_at - dt.timedelta(days=10),
        ends_at=session.starts_at - dt.timedelta(days=10, hours=-1),
        capacity=3,
    )
    client.force_login(agency_admin)
    agency_page = client.get(_url("agency_detail", "riverside", agency.slug)).content.decode()
    assert "1 register to fill in" in agency_page
    response = client.get(_url("agency_sessions", "riverside", agency.slug))
    page = response.content.decode()
    assert "Register to fill in (1)" in page
    assert _url("session_register", "riverside", held.pk) in page  # straight to the register
    assert (
        _url("session_detail", "riverside", done.pk) in page
    )  # under "Registers confirmed lately"
    assert _url("session_register", "riverside", session.pk) not in page  # not held yet
    # Members see neither the to-do list nor the count.
    client.force_login(member)
    assert (
        "register to fill in"
        not in client.get(_url("agency_detail", "riverside", agency.slug)).content.decode()
    )
    assert "to fill in" not in text(client.get(_url("agency_sessions", "riverside", agency.slug)))


def test_a_roles_page_leads_to_that_roles_sessions(client, member, role):
    client.force_login(member)
    page = client.get(_url("role_detail", "riverside", role.pk)).content.decode()
    assert (
        f'href="{_url("role_sessions", "riverside", role.pk)}">See the sessions and sign up' in page
    )


def test_date_fields_come_filled_in_a_form_browsers_accept(client, agency_admin, agency):
    """<input type="date"> shows only an ISO date (2026-12-05); any other value leaves it blank."""
    client.force_login(agency_admin)
    for name in ("session_create", "series_create", "assessment_create"):
        page = client.get(_url(name, "riverside", agency.slug)).content.decode()
        values = re.findall(r'<input type="date"[^>]*?value="([^"]*)"', page)
        assert values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values), (name, values)
