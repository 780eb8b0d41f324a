"""Making, changing and cancelling sessions and series; the reminder the day before."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from coproduce.coproduction.models import (
    RoleStatus,
    Session,
    SessionSeries,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from coproduce.coproduction.selectors import sessions as sessions_selectors
from coproduce.coproduction.services import sessions as sessions_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.notifications.models import Notification


def _soon(days: int = 3, hour: int = 10) -> dt.datetime:
    tz = zoneinfo.ZoneInfo("Europe/London")
    day = timezone.localtime(timezone.now(), tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def _make(actor, role, **overrides):
    values = {
        "place": "Waiting room",
        "starts_at": _soon(),
        "ends_at": _soon() + dt.timedelta(hours=2),
        "capacity": 4,
    }
    values.update(overrides)
    return sessions_services.session_create(actor=actor, role=role, **values)


def test_it_creates_a_session_with_staff_present(agency_admin, role):
    session = _make(agency_admin, role, staff_present=[agency_admin])
    assert (
        session.agency_id == role.agency_id
        and session.places_taken == 0
        and session.places_left == 4
    )
    assert list(session.staff_present.all()) == [agency_admin]
    assert AuditEvent.objects.filter(action="session.create", subject_id=str(session.pk)).exists()


def test_it_lets_a_coordinator_create_one(coordinator, role):
    assert _make(coordinator, role).pk


def test_it_reads_naive_times_as_the_communitys(agency_admin, role):
    start = _soon().replace(tzinfo=None)
    session = _make(agency_admin, role, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    assert timezone.localtime(session.starts_at, zoneinfo.ZoneInfo("Europe/London")).hour == 10


@pytest.mark.parametrize("person", ["member", "outsider", "other_member"])
def test_it_refuses_people_who_are_not_staff(request, role, person):
    with pytest.raises((PermissionDenied, NotFound)):
        _make(request.getfixturevalue(person), role)
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"capacity": "3"}, "capacity"),
        ({"place": "  "}, "place"),
        ({"ends_at": _soon() - dt.timedelta(hours=1)}, "ends_at"),
        ({"ends_at": _soon()}, "ends_at"),
        ({"ends_at": _soon() + dt.timedelta(days=2)}, "ends_at"),
        ({"starts_at": timezone.now() - dt.timedelta(hours=1)}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ],
)
def test_it_refuses_bad_details_and_stores_nothing(agency_admin, role, overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        _make(agency_admin, role, **overrides)
    assert field in caught.value.fields
    assert not Session.objects.exists()
    assert not AuditEvent.objects.filter(action="session.create").exists()


def test_it_refuses_staff_present_who_are_not_the_agencys(agency_admin, role, member):
    with pytest.raises(ValidationFailed) as caught:
        _make(agency_admin, role, staff_present=[member])
    assert "staff_present" in caught.value.fields
    assert not Session.objects.exists()


def test_it_refuses_sessions_of_unpublished_roles(agency_admin, role):
    role.status = RoleStatus.DRAFT
    role.save()
    with pytest.raises(ValidationFailed) as caught:
        _make(agency_admin, role)
    assert caught.value.code == "role_not_published"


# Series --------------------------------------------------------------------------------------


def _series(actor, role, rule="FREQ=WEEKLY;BYDAY=TU;COUNT=12", **overrides):
    values = {"first_start": _soon(1), "duration_minutes": 90, "place": "Library", "capacity": 5}
    values.update(overrides)
    return sessions_services.series_create(actor=actor, role=role, rrule=rule, **values)


def test_it_materialises_a_weekly_series(agency_admin, role):
    series = _series(agency_admin, role, staff_present=[agency_admin])
    made = list(series.sessions.order_by("starts_at"))
    assert len(made) == 12
    tz = zoneinfo.ZoneInfo("Europe/London")
    for session in made:
        local = timezone.localtime(session.starts_at, tz)
        assert (
            local.weekday() == 1 and local.hour == 10
        )  # same wall-clock time across clock changes
        assert session.ends_at - session.starts_at == dt.timedelta(minutes=90)
        assert session.capacity == 5 and session.place == "Library"
        assert list(session.staff_present.all()) == [agency_admin]
    assert sessions_selectors.rrule_describe(series.rrule) == "Every Tuesday, 12 times"


def test_it_builds_the_simple_rules(agency_admin, role):
    assert (
        sessions_services.rrule_build(repeat="fortnightly", weekday=0, count=3)
        == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=3"
    )
    series = _series(
        agency_admin, role, sessions_services.rrule_build(repeat="monthly", weekday=0, count=6)
    )
    assert series.sessions.count() == 6
    assert sessions_selectors.rrule_describe(series.rrule) == "Every month, 6 times"


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "COUNT"),  # no end
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "not a repeat rule"),
        ("FREQ=NEVER;COUNT=3", "daily, weekly"),
        ("FREQ=MINUTELY;COUNT=3", "daily, weekly"),
        ("FREQ=DAILY;COUNT=53", "at most 52"),
        ("FREQ=MONTHLY;COUNT=14", "a year"),
        ("FREQ=WEEKLY;UNTIL=20990101T000000Z", "at most 52"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY;COUNT=2", "one line"),
        ("", "repeats"),
        ("garbage", "daily, weekly"),
        ("FREQ=WEEKLY;COUNT=abc", "not a repeat rule"),
    ],
)
def test_it_refuses_bad_rules_with_a_clear_message(agency_admin, role, rule, words):
    with pytest.raises(ValidationFailed) as caught:
        _series(agency_admin, role, rule)
    assert words in " ".join(caught.value.fields["rrule"])
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_it_refuses_a_series_with_bad_details(agency_admin, role):
    with pytest.raises(ValidationFailed) as caught:
        _series(
            agency_admin,
            role,
            capacity=0,
            duration_minutes=0,
            first_start=timezone.now() - dt.timedelta(days=1),
        )
    assert {"capacity", "duration_minutes", "first_start"} <= set(caught.value.fields)
    assert not Session.objects.exists()


def test_it_refuses_a_series_from_a_member(member, role):
    with pytest.raises(PermissionDenied):
        _series(member, role)


# Changing and cancelling ----------------------------------------------------------------------


def _signed(session, *people):
    return [sessions_services.signup_create(actor=p, session=session) for p in people]


def _people(community, n):
    from tests.conftest import make_person

    made = []
    for i in range(n):
        person = make_person(f"p{i}@example.org", f"Person {i}")
        memberships_services.membership_add(
            actor=None, community=community, person=person, roles=[Role.MEMBER]
        )
        made.append(person)
    return made


def test_it_promotes_the_waiting_list_when_places_are_added(agency_admin, role, community):
    session = _make(agency_admin, role, capacity=1)
    first, second = _signed(session, *_people(community, 2))
    assert second.status == SignUpStatus.WAITING
    updated = sessions_services.session_update(actor=agency_admin, session=session, capacity=2)
    assert updated.places_taken == 2
    assert SignUp.objects.get(pk=second.pk).status == SignUpStatus.BOOKED
    assert Notification.objects.filter(person=second.person, kind="session_promoted").exists()


def test_it_refuses_fewer_places_than_are_booked(agency_admin, role, community):
    session = _make(agency_admin, role, capacity=2)
    _signed(session, *_people(community, 2))
    with pytest.raises(Conflict) as caught:
        sessions_services.session_update(actor=agency_admin, session=session, capacity=1)
    assert caught.value.code == "capacity_below_booked"
    assert Session.objects.get(pk=session.pk).capacity == 2


def test_it_moves_a_session_and_reminds_again(agency_admin, role, member):
    session = _make(agency_admin, role)
    _signed(session, member)
    Session.objects.filter(pk=session.pk).update(reminded_at=timezone.now())
    moved = sessions_services.session_update(
        actor=agency_admin,
        session=session,
        starts_at=_soon(4),
        ends_at=_soon(4) + dt.timedelta(hours=1),
    )
    assert moved.reminded_at is None
    assert Notification.objects.filter(person=member, kind="session_changed").exists()
    event = AuditEvent.objects.get(action="session.update")
    assert "starts_at" in event.changes


def test_it_refuses_a_bad_change(agency_admin, role):
    session = _make(agency_admin, role)
    with pytest.raises(ValidationFailed):
        sessions_services.session_update(
            actor=agency_admin, session=session, ends_at=session.starts_at - dt.timedelta(hours=1)
        )
    assert Session.objects.get(pk=session.pk).ends_at == session.ends_at


def test_it_cancels_and_tells_everyone_signed_up(agency_admin, role, community):
    session = _make(agency_admin, role, capacity=1)
    booked, waiting = _signed(session, *_people(community, 2))
    sessions_services.session_cancel(
        actor=agency_admin, session=session, reason="Staff training day"
    )
    assert Session.objects.get(pk=session.pk).status == SessionStatus.CANCELLED
    for person in (booked.person, waiting.person):
        note = Notification.objects.get(person=person, kind="session_cancelled")
        assert "Staff training day" in note.body
    with pytest.raises(Conflict):
        sessions_services.session_cancel(actor=agency_admin, session=session)
    with pytest.raises(Conflict):
        sessions_services.session_update(actor=agency_admin, session=session, capacity=3)


def test_it_refuses_cancelling_by_a_member(member, session):
    with pytest.raises(PermissionDenied):
        sessions_services.session_cancel(actor=member, session=session)
    assert Session.objects.get(pk=session.pk).status == SessionStatus.SCHEDULED


# Reminders -----------------------------------------------------------------------------------


def test_it_reminds_booked_people_the_day_before_once(agency_admin, role, community):
    now = timezone.now()
    due = _make(
        agency_admin,
        role,
        capacity=1,
        starts_at=now + dt.timedelta(hours=30),
        ends_at=now + dt.timedelta(hours=31),
    )
    later = _make(
        agency_admin,
        role,
        starts_at=now + dt.timedelta(hours=50),
        ends_at=now + dt.timedelta(hours=51),
    )
    booked, waiting = _signed(due, *_people(community, 2))
    _signed(later, booked.person)
    assert sessions_services.sessions_remind(now=now) == 1
    assert Notification.objects.filter(person=booked.person, kind="session_reminder").count() == 1
    assert not Notification.objects.filter(person=waiting.person, kind="session_reminder").exists()
    assert sessions_services.sessions_remind(now=now) == 0
    assert Notification.objects.filter(kind="session_reminder").count() == 1
    assert Session.objects.get(pk=due.pk).reminded_at is not None
    assert Session.objects.get(pk=later.pk).reminded_at is None


def test_it_does_not_remind_for_cancelled_sessions(agency_admin, role, member):
    now = timezone.now()
    due = _make(
        agency_admin,
        role,
        starts_at=now + dt.timedelta(hours=30),
        ends_at=now + dt.timedelta(hours=31),
    )
    _signed(due, member)
    sessions_services.session_cancel(actor=agency_admin, session=due)
    assert sessions_services.sessions_remind(now=now) == 0


def test_the_periodic_job_runs_the_reminders(agency_admin, role, member):
    from coproduce.coproduction.tasks import remind_sessions

    now = timezone.now()
    due = _make(
        agency_admin,
        role,
        starts_at=now + dt.timedelta(hours=30),
        ends_at=now + dt.timedelta(hours=31),
    )
    _signed(due, member)
    assert remind_sessions.call() == 1
    assert Notification.objects.filter(person=member, kind="session_reminder").exists()
