"""Signing up for a session: eligibility, places, the waiting list and its promotion, and
cancelling; a race for the last places on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from coproduce.communities.models import CheckKind, CheckResult, Role
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.coproduction.models import Session, SessionStatus, SignUp, SignUpStatus
from coproduce.coproduction.selectors import sessions as sessions_selectors
from coproduce.coproduction.services import sessions as sessions_services
from coproduce.core.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from coproduce.core.models import AuditEvent
from coproduce.notifications.models import Notification

from ..conftest import make_person


def _people(community, n, prefix="p"):
    made = []
    for i in range(n):
        person = make_person(f"{prefix}{i}@example.org", f"Person {prefix}{i}")
        memberships_services.membership_add(
            actor=None, community=community, person=person, roles=[Role.MEMBER]
        )
        made.append(person)
    return made


def test_it_books_a_place(member, session):
    signup = sessions_services.signup_create(actor=member, session=session)
    assert signup.status == SignUpStatus.BOOKED
    assert Session.objects.get(pk=session.pk).places_taken == 1
    event = AuditEvent.objects.get(action="signup.create")
    assert event.person_id == member.pk and event.changes["status"] == [None, "booked"]


def test_it_puts_people_on_the_waiting_list_when_full_and_never_overbooks(community, session):
    people = _people(community, 5)
    made = [sessions_services.signup_create(actor=p, session=session) for p in people]
    assert [s.status for s in made] == ["booked"] * 3 + ["waiting"] * 2
    fresh = Session.objects.get(pk=session.pk)
    assert fresh.places_taken == 3 == fresh.capacity and fresh.places_left == 0
    assert (
        sessions_selectors.waiting_position(made[3]) == 1
        and sessions_selectors.waiting_position(made[4]) == 2
    )


def test_it_refuses_signing_up_twice(member, session):
    sessions_services.signup_create(actor=member, session=session)
    with pytest.raises(Conflict) as caught:
        sessions_services.signup_create(actor=member, session=session)
    assert caught.value.code == "already_signed_up" and caught.value.status == 409
    assert SignUp.objects.count() == 1 and Session.objects.get(pk=session.pk).places_taken == 1


def test_it_lets_a_person_sign_up_again_after_cancelling(member, session):
    first = sessions_services.signup_create(actor=member, session=session)
    sessions_services.signup_cancel(actor=member, signup=first)
    again = sessions_services.signup_create(actor=member, session=session)
    assert (
        again.status == SignUpStatus.BOOKED and Session.objects.get(pk=session.pk).places_taken == 1
    )


def test_it_refuses_without_the_required_vetting_and_says_why(
    member, session, coordinator, community
):
    role = session.role
    role.vetting_level = 1
    role.save()
    with pytest.raises(ValidationFailed) as caught:
        sessions_services.signup_create(actor=member, session=session)
    assert caught.value.code == "not_eligible"
    assert "ID checked" in caught.value.message and caught.value.fields["person"]
    assert not SignUp.objects.exists() and Session.objects.get(pk=session.pk).places_taken == 0
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.ID_SEEN,
        result=CheckResult.PASSED,
        checked_on=timezone.localdate(),
    )
    assert (
        sessions_services.signup_create(actor=member, session=session).status == SignUpStatus.BOOKED
    )


def test_it_refuses_without_the_training(member, session):
    role = session.role
    role.training = ["Safeguarding adults"]
    role.save()
    with pytest.raises(ValidationFailed) as caught:
        sessions_services.signup_create(actor=member, session=session)
    assert "Safeguarding adults" in caught.value.message
    assert not SignUp.objects.exists()


def test_it_refuses_cancelled_and_past_sessions(member, agency_admin, session):
    sessions_services.session_cancel(actor=agency_admin, session=session)
    with pytest.raises(Conflict) as caught:
        sessions_services.signup_create(actor=member, session=session)
    assert caught.value.code == "session_cancelled"
    Session.objects.filter(pk=session.pk).update(
        status=SessionStatus.SCHEDULED, starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    with pytest.raises(Conflict) as caught:
        sessions_services.signup_create(actor=member, session=Session.objects.get(pk=session.pk))
    assert caught.value.code == "session_started"
    assert not SignUp.objects.exists()


def test_staff_and_coordinators_sign_up_a_member(
    agency_admin, coordinator, member, session, community
):
    signup = sessions_services.signup_create(actor=agency_admin, session=session, person=member)
    assert signup.person == member
    assert AuditEvent.objects.get(action="signup.create").on_behalf_of_id == member.pk
    assert Notification.objects.filter(person=member, kind="session_signup").exists()
    other = _people(community, 1)[0]
    assert (
        sessions_services.signup_create(actor=coordinator, session=session, person=other).person
        == other
    )


def test_a_member_cannot_sign_up_someone_else(member, session, community):
    other = _people(community, 1)[0]
    with pytest.raises(PermissionDenied):
        sessions_services.signup_create(actor=member, session=session, person=other)
    assert not SignUp.objects.exists()


@pytest.mark.parametrize("person", ["outsider", "other_member"])
def test_outsiders_cannot_sign_up(request, person, session):
    with pytest.raises(NotFound):
        sessions_services.signup_create(actor=request.getfixturevalue(person), session=session)
    assert not SignUp.objects.exists()


def test_staff_cannot_sign_up_a_non_member(agency_admin, session, outsider):
    with pytest.raises(NotFound):
        sessions_services.signup_create(actor=agency_admin, session=session, person=outsider)


def test_cancelling_a_place_promotes_the_first_waiting_and_tells_them(community, session):
    people = _people(community, 5)
    made = [sessions_services.signup_create(actor=p, session=session) for p in people]
    sessions_services.signup_cancel(actor=people[1], signup=made[1])
    assert SignUp.objects.get(pk=made[1].pk).status == SignUpStatus.CANCELLED
    assert SignUp.objects.get(pk=made[3].pk).status == SignUpStatus.BOOKED
    assert SignUp.objects.get(pk=made[3].pk).promoted_at is not None
    assert SignUp.objects.get(pk=made[4].pk).status == SignUpStatus.WAITING
    assert Session.objects.get(pk=session.pk).places_taken == 3
    note = Notification.objects.get(person=people[3], kind="session_promoted")
    assert note.url == f"/c/riverside/sessions/{session.pk}/"
    assert not Notification.objects.filter(person=people[4], kind="session_promoted").exists()
    assert AuditEvent.objects.filter(action="signup.promote", person_id=people[3].pk).exists()


def test_cancelling_a_waiting_place_frees_nothing(community, session):
    people = _people(community, 4)
    made = [sessions_services.signup_create(actor=p, session=session) for p in people]
    sessions_services.signup_cancel(actor=people[3], signup=made[3])
    assert Session.objects.get(pk=session.pk).places_taken == 3
    assert not Notification.objects.filter(kind="session_promoted").exists()


def test_cancelling_twice_or_by_another_member_is_refused(community, member, session):
    signup = sessions_services.signup_create(actor=member, session=session)
    other = _people(community, 1)[0]
    with pytest.raises(PermissionDenied):
        sessions_services.signup_cancel(actor=other, signup=signup)
    sessions_services.signup_cancel(actor=member, signup=signup)
    with pytest.raises(Conflict) as caught:
        sessions_services.signup_cancel(actor=member, signup=SignUp.objects.get(pk=signup.pk))
    assert caught.value.code == "already_cancelled"
    assert Session.objects.get(pk=session.pk).places_taken == 0


def test_staff_cancel_a_members_place(agency_admin, member, session):
    signup = sessions_services.signup_create(actor=member, session=session)
    sessions_services.signup_cancel(actor=agency_admin, signup=signup)
    assert AuditEvent.objects.get(action="signup.cancel").on_behalf_of_id == member.pk


def test_signups_show_staff_everything_and_members_their_own(
    agency_admin, member, community, session
):
    other = _people(community, 1)[0]
    mine = sessions_services.signup_create(actor=member, session=session)
    sessions_services.signup_create(actor=other, session=session)
    assert len(sessions_selectors.signups_for(agency_admin, session)) == 2
    assert sessions_selectors.signups_for(member, session) == [mine]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writers; the race is proven on PostgreSQL, which `make test` "
    "also runs",
)
def test_it_books_exactly_the_capacity_when_people_race(community, session):
    people = _people(community, 10, prefix="race")
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(person):
        barrier.wait()
        try:
            signup = sessions_services.signup_create(
                actor=person,
                session=Session(
                    pk=session.pk, community=community, agency=session.agency, role=session.role
                ),
            )
            with lock:
                outcomes.append(signup.status)
        except ApplicationError as exc:  # pragma: no cover - reported by the assertion
            with lock:
                outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked"] * 3 + ["waiting"] * 7
    fresh = Session.objects.get(pk=session.pk)
    assert fresh.places_taken == 3
    assert SignUp.objects.filter(session=session, status=SignUpStatus.BOOKED).count() == 3
