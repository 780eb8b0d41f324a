"""The session and register pages across a session's life: the register only once the session
has started, ways back from a confirmed register, what a past session's page says, what a
member who may not take a role on sees instead of "Sign up", and the repeating-sessions form's
count and number messages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.coproduction.models import (
    Attendance,
    AttendanceRole,
    CoproductionRole,
    Session,
    SessionSeries,
    SessionStatus,
    SignUp,
)
from coproduce.coproduction.selectors import agencies as agency_selectors
from coproduce.coproduction.selectors import sessions as sessions_selectors
from coproduce.coproduction.services import register
from coproduce.coproduction.services import sessions as sessions_services
from coproduce.coproduction.services.register import RegisterLine

from ..web.conftest import text
from .test_register import fund_agency, held_yesterday, new_member


def _url(name, *args):
    return reverse(f"web:{name}", args=args)


def _main(response) -> str:
    return response.content.decode().split("<main")[-1]


@pytest.fixture
def later(role):
    """A session ten days away."""
    start = (timezone.now() + dt.timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    return Session.objects.create(
        community=role.community,
        agency=role.agency,
        role=role,
        place="Room 1",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=4,
    )


@pytest.fixture
def confirmed(session, agency, agency_admin, member, community):
    """Yesterday's session: the member and Bea booked beforehand; the member came for 90
    minutes, Bea did not, the admin was there as staff; the register confirmed."""
    bea = new_member(community, "Bea Booked")
    sessions_services.signup_create(actor=member, session=session)
    sessions_services.signup_create(actor=bea, session=session)
    held_yesterday(session)
    fund_agency(agency, 600)
    register.register_save(
        actor=agency_admin,
        session=session,
        lines=[
            RegisterLine(member, True, 90),
            RegisterLine(bea, False),
            RegisterLine(agency_admin, True, 120, AttendanceRole.STAFF),
        ],
    )
    register.register_confirm(actor=agency_admin, session=session, idempotency_key="review-confirm")
    session.refresh_from_db()
    return session


# 1. The register opens when the session starts ---------------------------------------------


def test_it_does_not_offer_the_register_before_the_session_starts(client, agency_admin, later):
    client.force_login(agency_admin)
    response = client.get(_url("session_register", "riverside", later.pk))
    assert response.status_code == 200
    page = text(response)
    assert "The register opens when the session starts (" in page
    assert sessions_selectors.starts_text(later) in page
    assert "Confirm and credit hours" not in page and "<form" not in _main(response)
    assert f'href="{_url("session_detail", "riverside", later.pk)}"' in response.content.decode()
    detail = text(client.get(_url("session_detail", "riverside", later.pk)))
    assert (
        "Fill in the register" not in detail
        and "The register opens when the session starts" in detail
    )


def test_a_register_sent_before_the_session_starts_changes_nothing(
    client, agency_admin, member, later
):
    sessions_services.signup_create(actor=member, session=later)
    client.force_login(agency_admin)
    response = client.post(
        _url("session_register", "riverside", later.pk),
        {f"came_{member.pk}": "yes", f"minutes_{member.pk}": "120", "action": "confirm"},
    )
    assert response.status_code == 409
    assert "The register opens when the session starts" in text(response)
    assert not Attendance.objects.exists()
    response = client.post(
        _url("session_register_confirm", "riverside", later.pk), {"idempotency_key": "k1"}
    )
    assert response.status_code == 409 and "The register opens when the session starts" in text(
        response
    )
    assert client.get(_url("session_register_confirm", "riverside", later.pk)).status_code == 200
    assert Session.objects.get(pk=later.pk).status == SessionStatus.SCHEDULED


def test_the_session_page_offers_the_register_once_the_session_has_started(
    client, agency_admin, session
):
    held_yesterday(session)
    client.force_login(agency_admin)
    page = text(client.get(_url("session_detail", "riverside", session.pk)))
    assert "Fill in the register" in page and "The register opens" not in page
    response = client.get(_url("session_register", "riverside", session.pk))
    assert response.status_code == 200 and "Confirm and credit hours" in text(response)


# 2. Ways back from a confirmed register ---------------------------------------------------


def test_a_confirmed_register_links_back_to_the_session_and_the_agencys_sessions(
    client, agency_admin, agency, confirmed
):
    client.force_login(agency_admin)
    response = client.get(_url("session_register", "riverside", confirmed.pk))
    body = response.content.decode()
    assert "can no longer change" in text(response)
    assert f'href="{_url("session_detail", "riverside", confirmed.pk)}">Back to the session' in body
    assert (
        f'href="{_url("agency_sessions", "riverside", agency.slug)}">All sessions at Riverside '
        "Health Centre" in body
    )


# 3. A past session's page -----------------------------------------------------------------


def test_a_confirmed_sessions_page_shows_who_came_and_the_credits(
    client, agency_admin, member, confirmed
):
    client.force_login(agency_admin)
    page = text(client.get(_url("session_detail", "riverside", confirmed.pk)))
    assert "left" not in page.replace("left as", "")  # no "Places 1 of 3 left"
    assert (
        "Booked" not in page and "Who has signed up" not in page and "Cancel the place" not in page
    )
    assert "Who came" in page
    assert "Mo Member 1h30 Member" in page and "Asha Staff 2h00 Staff" in page
    assert "Bea Booked" not in page  # did not come
    assert "Credits posted 1h30 · Credits for a co-production session" in page
    assert "See the register" in page and "Fill in the register" not in page
    assert "Cancel this session" not in page


def test_a_member_sees_what_the_register_says_of_them(client, member, confirmed):
    client.force_login(member)
    response = client.get(_url("session_detail", "riverside", confirmed.pk))
    page = text(response)
    assert "The register shows you came, for 1h30." in page
    assert (
        "You have a place" not in page and "Cancel my place" not in page and "of 3 left" not in page
    )
    assert "Who came" not in page  # the names are for staff
    assert (
        f'action="{_url("session_signup", "riverside", confirmed.pk)}"'
        not in response.content.decode()
    )


def test_before_the_register_is_confirmed_staff_see_bookings_as_not_confirmed(
    client, agency_admin, member, session
):
    sessions_services.signup_create(actor=member, session=session)
    held_yesterday(session)
    client.force_login(agency_admin)
    response = client.get(_url("session_detail", "riverside", session.pk))
    page = text(response)
    assert "Mo Member Booked (register not confirmed yet)" in page
    assert "of 3 left" not in page and "Cancel the place of" not in page
    assert "signup_cancel" not in response.content.decode()
    client.force_login(member)
    response = client.get(_url("session_detail", "riverside", session.pk))
    assert "Cancel my place" not in text(response) and "of 3 left" not in text(response)
    assert "<form" not in _main(response)


# 4. Members who may not take the role on yet ------------------------------------------------


def _needs_check(role):
    role.vetting_level = 2
    role.save(update_fields=["vetting_level"])


def test_a_member_who_may_not_sign_up_sees_why_once_and_no_button(
    client, member, role, session, later, coordinator, membership_of, community
):
    _needs_check(role)
    client.force_login(member)
    response = client.get(_url("role_sessions", "riverside", role.pk))
    page, body = text(response), response.content.decode()
    assert page.count("Enhanced check") == 1  # the reason, once at the top
    assert page.count("You cannot sign up yet") == 2  # instead of each session's button
    # "Ask a coordinator" opens a message to the longest-serving coordinator.
    ask = _url("conversation_new", "riverside", membership_of(coordinator, community).number)
    assert "Ask a coordinator" in page and f'href="{ask}"' in body
    assert not re.search(r">\s*(Sign up|Join the waiting list)\s*</button>", body)
    assert _url("session_signup", "riverside", session.pk) not in body
    detail = client.get(_url("session_detail", "riverside", session.pk))
    page = text(detail)
    assert (
        page.count("Enhanced check") == 1
        and "You cannot sign up yet" in page
        and "Ask a coordinator" in page
    )
    assert _url("session_signup", "riverside", session.pk) not in detail.content.decode()
    assert f'href="{ask}"' in detail.content.decode()


def test_without_a_coordinator_asking_leads_to_the_communitys_page(client, member, role, session):
    _needs_check(role)
    client.force_login(member)
    body = client.get(_url("role_sessions", "riverside", role.pk)).content.decode()
    assert f'href="{_url("community", "riverside")}">Ask a coordinator' in body


def test_the_agencys_list_works_out_each_roles_eligibility_once(
    client, member, agency, agency_admin, role, session, later, monkeypatch
):
    _needs_check(role)
    other = CoproductionRole.objects.create(
        community=agency.community,
        agency=agency,
        title="Garden helper",
        description="Weed the beds.",
        commitment="An hour",
        staff_lead=agency_admin,
        status=role.status,
    )
    open_one = Session.objects.create(
        community=other.community,
        agency=agency,
        role=other,
        place="Garden",
        starts_at=later.starts_at,
        ends_at=later.ends_at,
        capacity=2,
    )
    calls = []
    real = agency_selectors.eligibility
    monkeypatch.setattr(
        agency_selectors, "eligibility", lambda person, r: calls.append(r.pk) or real(person, r)
    )
    client.force_login(member)
    response = client.get(_url("agency_sessions", "riverside", agency.slug))
    page, body = text(response), response.content.decode()
    assert sorted(calls) == sorted([role.pk, other.pk])  # per role, not per session
    assert "For “Peer supporter”:" in page and page.count("Enhanced check") == 1
    assert page.count("You cannot sign up yet") == 2
    assert (
        f'action="{_url("session_signup", "riverside", open_one.pk)}"' in body
    )  # the other role is open
    assert f'action="{_url("session_signup", "riverside", session.pk)}"' not in body


def test_an_eligible_member_still_gets_the_button(client, member, role, session):
    client.force_login(member)
    page = text(client.get(_url("role_sessions", "riverside", role.pk)))
    assert (
        "Sign up" in page
        and "You cannot sign up yet" not in page
        and "Before you can sign up" not in page
    )


# 5. The repeating-sessions form -----------------------------------------------------------


def _series(client, agency, role, **data):
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    values = {
        "role": role.pk,
        "day": day,
        "start": "10:00",
        "duration_minutes": "120",
        "repeat": "advanced",
        "count": "",
        "rrule": "",
        "place": "Library",
        "capacity": "6",
    }
    values.update(data)
    return client.post(_url("series_create", "riverside", agency.slug), values)


def test_a_written_rule_without_an_end_uses_how_many_sessions(client, agency_admin, agency, role):
    client.force_login(agency_admin)
    response = _series(client, agency, role, rrule="FREQ=WEEKLY;BYDAY=TU", count="4")
    assert response.status_code == 302, text(response)
    series = SessionSeries.objects.get()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=4" and series.sessions.count() == 4


def test_a_written_rule_that_agrees_with_the_count_is_kept(client, agency_admin, agency, role):
    client.force_login(agency_admin)
    assert (
        _series(client, agency, role, rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=3", count="3").status_code
        == 302
    )
    assert SessionSeries.objects.get().sessions.count() == 3


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            "FREQ=WEEKLY;BYDAY=TU;COUNT=6",
            "The repeat rule says COUNT=6 but “How many sessions” says 4.",
        ),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20991231", "The repeat rule ends on a date (UNTIL)"),
    ],
)
def test_a_written_rule_that_disagrees_with_the_count_gets_one_error(
    client, agency_admin, agency, role, rule, words
):
    client.force_login(agency_admin)
    response = _series(client, agency, role, rrule=rule, count="4")
    assert response.status_code == 400
    body = response.content.decode()
    assert words in text(response)
    assert 'id="id_count_error"' in body
    assert len(re.findall(r'class="errorlist"', _main(response))) == 1  # next to the field only
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"duration_minutes": "0"}, "duration_minutes", "A session lasts at least a minute."),
        (
            {"duration_minutes": "2000"},
            "duration_minutes",
            "A session lasts at most 24 hours (1440 minutes).",
        ),
        ({"repeat": "weekly", "count": "60"}, "count", "At most 52 sessions in a series."),
        ({"repeat": "weekly", "count": "0"}, "count", "A series has at least one session."),
        (
            {"repeat": "weekly", "count": "12", "capacity": "0"},
            "capacity",
            "A session has at least 1 place.",
        ),
    ],
)
def test_the_series_form_gives_one_plain_message_per_field(
    client, agency_admin, agency, role, data, field, message
):
    client.force_login(agency_admin)
    response = _series(client, agency, role, **{"rrule": "FREQ=WEEKLY;COUNT=2", **data})
    assert response.status_code == 400
    page = text(response)
    assert message in page and "Ensure this value" not in page
    errors = re.search(
        rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S
    )
    assert errors and errors.group(1).count("<li>") == 1
    if field == "count":
        assert "Say how many sessions there will be" not in page
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("capacity", "message"),
    [("0", "A session has at least 1 place."), ("501", "At most 500 places in a session.")],
)
def test_the_session_form_gives_plain_number_messages(
    client, agency_admin, agency, role, capacity, message
):
    client.force_login(agency_admin)
    day = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    response = client.post(
        _url("session_create", "riverside", agency.slug),
        {
            "role": role.pk,
            "day": day,
            "start": "10:00",
            "end": "12:00",
            "place": "Room 2",
            "capacity": capacity,
        },
    )
    assert response.status_code == 400
    assert message in text(response) and "Ensure this value" not in text(response)


# 6. Time boxes as tall as the others --------------------------------------------------------


def test_time_boxes_are_styled_like_the_other_boxes_and_tall_enough():
    css = (
        Path(__file__).resolve().parents[2] / "coproduce/web/static/coproduce/site.css"
    ).read_text()
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
    for_time = [
        body
        for selectors, body in rules
        if "input[type=time]" in [s.strip() for s in selectors.split(",")]
    ]
    assert any("border:" in body for body in for_time)  # the same box as text and date inputs
    assert any(re.search(r"min-height:\s*44px", body) for body in for_time)


def test_the_signups_of_a_cancelled_session_are_not_called_unconfirmed(
    client, agency_admin, member, session
):
    sessions_services.signup_create(actor=member, session=session)
    sessions_services.session_cancel(actor=agency_admin, session=session)
    held_yesterday(session)
    client.force_login(agency_admin)
    page = text(client.get(_url("session_detail", "riverside", session.pk)))
    assert "register not confirmed" not in page and "Fill in the register" not in page
    assert SignUp.objects.filter(session=session).exists()
