"""The attendance register: saving a draft, confirming it (one all-or-nothing transfer), and
what is refused. Built on the shared fixtures: Riverside Health Centre (`agency`), its admin
(`agency_admin`, the standard agency_staff person) and a two-hour `session`."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.coproduction.models import (
    Attendance,
    AttendanceRole,
    Session,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from coproduce.coproduction.selectors import register as register_selectors
from coproduce.coproduction.services import register as register_services
from coproduce.coproduction.services.register import RegisterLine
from coproduce.core.audit import AuditEvent
from coproduce.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from coproduce.ledger import errors
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors import statements as statements_selectors
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services
from tests.conftest import make_person


def fund_agency(agency, minutes: int) -> None:
    transfers_services.transfer_create(
        actor=None,
        community=agency.community,
        idempotency_key=f"seed-agency-{minutes}",
        legs=[
            postings_services.Leg(
                accounts_services.issuance_account(agency.community).pk, -minutes
            ),
            postings_services.Leg(agency.account_id, minutes),
        ],
    )


def held_yesterday(session: Session) -> Session:
    start = timezone.now() - dt.timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    session.refresh_from_db()
    return session


def book(session: Session, person) -> None:
    SignUp.objects.create(session=session, person=person, status=SignUpStatus.BOOKED)


def new_member(community, name: str):
    person = make_person(None, name)
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


def balance(community, person) -> int:
    account = accounts_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


@pytest.fixture
def past_session(session):
    return held_yesterday(session)


@pytest.fixture
def funded(agency):
    fund_agency(agency, 600)
    return agency


def test_it_saves_a_draft_with_the_session_length_by_default(
    past_session, agency_admin, member, other_member
):
    book(past_session, member)
    register_services.register_save(
        actor=agency_admin,
        session=past_session,
        lines=[
            RegisterLine(member, True),
            RegisterLine(agency_admin, True, 90, AttendanceRole.STAFF),
        ],
    )
    rows = {a.person_id: a for a in Attendance.objects.filter(session=past_session)}
    assert rows[member.pk].minutes == 120 and rows[member.pk].attended
    assert (
        rows[agency_admin.pk].role == AttendanceRole.STAFF and rows[agency_admin.pk].minutes == 90
    )
    assert AuditEvent.objects.filter(action="session.register_save").count() == 1
    # A draft can be changed: lines left out are removed.
    register_services.register_save(
        actor=agency_admin, session=past_session, lines=[RegisterLine(member, False, 50)]
    )
    rows = {a.person_id: a for a in Attendance.objects.filter(session=past_session)}
    assert (
        list(rows) == [member.pk]
        and rows[member.pk].attended is False
        and rows[member.pk].minutes == 0
    )


def test_it_takes_a_walk_in_member(past_session, agency_admin, member):
    register_services.register_save(
        actor=agency_admin, session=past_session, lines=[RegisterLine(member, True, 60)]
    )
    assert Attendance.objects.get(session=past_session).person_id == member.pk


@pytest.mark.parametrize("minutes", [0, -5, 181, 1000, True, 1.5])
def test_it_refuses_minutes_out_of_range(past_session, agency_admin, member, minutes):
    book(past_session, member)
    with pytest.raises(ValidationFailed) as caught:
        register_services.register_save(
            actor=agency_admin, session=past_session, lines=[RegisterLine(member, True, minutes)]
        )
    assert "lines.0.minutes" in caught.value.fields
    assert "from 1 to 180" in caught.value.message
    assert not Attendance.objects.exists()


def test_it_allows_an_hour_over_the_session_length(past_session, agency_admin, member):
    book(past_session, member)
    register_services.register_save(
        actor=agency_admin, session=past_session, lines=[RegisterLine(member, True, 180)]
    )
    assert Attendance.objects.get().minutes == 180


def test_it_refuses_someone_neither_booked_nor_a_member(
    past_session, agency_admin, member, outsider, other_member
):
    for stranger in (outsider, other_member):
        with pytest.raises(ValidationFailed) as caught:
            register_services.register_save(
                actor=agency_admin,
                session=past_session,
                lines=[RegisterLine(member, True), RegisterLine(stranger, True)],
            )
        assert "not booked on this session and is not a member" in caught.value.message
        assert set(caught.value.fields) == {"lines.1.person"}
    assert not Attendance.objects.exists()


def test_it_refuses_staff_lines_for_people_not_on_the_staff(past_session, agency_admin, member):
    with pytest.raises(ValidationFailed) as caught:
        register_services.register_save(
            actor=agency_admin,
            session=past_session,
            lines=[RegisterLine(member, True, None, AttendanceRole.STAFF)],
        )
    assert "not on Riverside Health Centre's staff" in caught.value.message


def test_it_refuses_the_same_person_twice(past_session, agency_admin, member):
    with pytest.raises(ValidationFailed):
        register_services.register_save(
            actor=agency_admin,
            session=past_session,
            lines=[RegisterLine(member, True), RegisterLine(member, False)],
        )


def test_it_lets_only_staff_and_coordinators_keep_the_register(
    past_session, member, coordinator, outsider, other_member, agency_staff
):
    for person in (member,):
        with pytest.raises(PermissionDenied):
            register_services.register_save(
                actor=person, session=past_session, lines=[RegisterLine(member, True)]
            )
        with pytest.raises(PermissionDenied):
            register_services.register_confirm(
                actor=person, session=past_session, idempotency_key="k-member"
            )
    for person in (outsider, other_member):
        with pytest.raises(ApplicationError) as caught:
            register_services.register_save(
                actor=person, session=past_session, lines=[RegisterLine(member, True)]
            )
        assert caught.value.status == 404
    # A coordinator may.
    register_services.register_save(
        actor=coordinator, session=past_session, lines=[RegisterLine(member, True)]
    )
    assert Attendance.objects.count() == 1


def test_it_credits_every_attending_member_in_one_transfer(
    past_session, funded, agency_admin, member, community
):
    walk_in = new_member(community, "Wal King")
    absent = new_member(community, "Abe Sent")
    for person in (member, absent):
        book(past_session, person)
    register_services.register_save(
        actor=agency_admin,
        session=past_session,
        lines=[
            RegisterLine(member, True),
            RegisterLine(absent, False),
            RegisterLine(walk_in, True, 45),
            RegisterLine(agency_admin, True, None, AttendanceRole.STAFF),
        ],
    )
    before = Transfer.objects.count()
    session = register_services.register_confirm(
        actor=agency_admin, session=past_session, idempotency_key="k1"
    )
    assert Transfer.objects.count() == before + 1
    assert (
        session.status == SessionStatus.REGISTERED and session.register_confirmed_by == agency_admin
    )
    assert session.transfer.related_type == "session" and session.transfer.related_id == str(
        session.pk
    )
    assert balance(community, member) == 120
    assert balance(community, walk_in) == 45
    assert balance(community, absent) == 0
    assert (
        accounts_selectors.account_of(community, agency_admin) is None
    )  # staff are paid, not credited
    funded.account.refresh_from_db()
    assert funded.account.balance_minutes == 600 - 165
    assert AuditEvent.objects.filter(action="session.register_confirm").count() == 1
    report = ledger_audit([community.pk])
    assert report.clean, report.violations


def test_it_credits_at_the_community_rate_rounding_half_up(
    past_session, funded, agency_admin, member, community
):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"credits_per_hour_percent": 150},
        reason="Double shifts count more",
    )
    other = new_member(community, "Ode Minutes")
    register_services.register_save(
        actor=agency_admin,
        session=past_session,
        lines=[RegisterLine(member, True, 61), RegisterLine(other, True, 1)],
    )
    register_services.register_confirm(
        actor=agency_admin, session=past_session, idempotency_key="k-rate"
    )
    assert balance(community, member) == 92  # 61 x 1.5 = 91.5, rounded up
    assert balance(community, other) == 2  # 1.5 -> 2


def test_it_credits_from_issuance_when_the_rule_says_so(
    past_session, agency, agency_admin, member, community
):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"session_credits_from": "issuance"},
        reason="The council funds session credits",
    )
    register_services.register_save(
        actor=agency_admin, session=past_session, lines=[RegisterLine(member, True)]
    )
    session = register_services.register_confirm(
        actor=agency_admin, session=past_session, idempotency_key="k-iss"
    )
    assert session.transfer.reason == "session_credit"
    legs = {p.account_id: p.amount_minutes for p in session.transfer.postings.all()}
    assert (
        legs[accounts_services.issuance_account(community).pk] == -120
    )  # new credits, not the agency's
    assert balance(community, member) == 120
    agency.account.refresh_from_db()
    assert agency.account.balance_minutes == 0
    assert ledger_audit([community.pk]).clean


def test_it_posts_nothing_when_the_agency_has_too_little_credit(
    past_session, agency, agency_admin, member, community
):
    fund_agency(agency, 100)
    other = new_member(community, "Oti Other")
    register_services.register_save(
        actor=agency_admin,
        session=past_session,
        lines=[RegisterLine(member, True, 60), RegisterLine(other, True, 60)],
    )
    before = Transfer.objects.count()
    with pytest.raises(errors.LimitExceeded) as caught:
        register_services.register_confirm(
            actor=agency_admin, session=past_session, idempotency_key="k-poor"
        )
    assert "Riverside Health Centre does not have enough time credit" in caught.value.message
    assert Transfer.objects.count() == before
    assert balance(community, member) == 0 and balance(community, other) == 0
    past_session.refresh_from_db()
    assert past_session.status == SessionStatus.SCHEDULED and past_session.transfer_id is None
    # Still a draft: it can be corrected and confirmed with a new key.
    register_services.register_save(
        actor=agency_admin,
        session=past_session,
        lines=[RegisterLine(member, True, 60), RegisterLine(other, False)],
    )
    register_services.register_confirm(
        actor=agency_admin, session=past_session, idempotency_key="k-poor-2"
    )
    assert balance(community, member) == 60
    assert ledger_audit([community.pk]).clean


def test_it_posts_nothing_when_one_member_is_at_their_ceiling(
    past_session, funded, agency_admin, member, community
):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"credit_ceiling_minutes": 100},
        reason="Keep balances modest",
    )
    other = new_member(community, "Cee Ling")
    register_services.register_save(
        actor=agency_admin,
        session=past_session,
        lines=[RegisterLine(member, True, 60), RegisterLine(other, True, 120)],
    )
    with pytest.raises(errors.LimitExceeded):
        register_services.register_confirm(
            actor=agency_admin, session=past_session, idempotency_key="k-ceiling"
        )
    assert balance(community, member) == 0 and balance(community, other) == 0
    funded.account.refresh_from_db()
    assert funded.account.balance_minutes == 600
    assert Session.objects.get(pk=past_session.pk).status == SessionStatus.SCHEDULED


def test_it_refuses_a_register_confirmed_twice(
    past_session, funded, agency_admin, member, community
):
    register_services.register_save(
        actor=agency_admin, session=past_session, lines=[RegisterLine(member, True)]
    )
    first = register_services.register_confirm(
        actor=agency_admin, session=past_session, idempotency_key="k-once"
    )
    # The same key again: the original result, nothing moves again.
    again = register_services.register_confirm(
        actor=agency_admin, session=past_session, idempotency_key="k-once"
    )
    assert again.pk == first.pk and again.transfer_id == first.transfer_id
    with pytest.raises(Conflict) as caught:
        register_services.register_confirm(
            actor=agency_admin, session=past_session, idempotency_key="k-twice"
        )
    assert caught.value.code == "already_confirmed"
    assert balance(community, member) == 120
    assert Transfer.objects.filter(related_type="session").count() == 1
    # And attendance can no longer change.
    with pytest.raises(Conflict) as caught:
        register_services.register_save(
            actor=agency_admin, session=past_session, lines=[RegisterLine(member, True, 30)]
        )
    assert caught.value.code == "already_confirmed"
    assert Attendance.objects.get().minutes == 120


def test_it_refuses_an_incomplete_register(past_session, funded, agency_admin, member, community):
    booked = new_member(community, "Bo Oked")
    book(past_session, booked)
    register_services.register_save(
        actor=agency_admin, session=past_session, lines=[RegisterLine(member, True)]
    )
    with pytest.raises(ValidationFailed) as caught:
        register_services.register_confirm(
            actor=agency_admin, session=past_session, idempotency_key="k-inc"
        )
    assert caught.value.code == "register_incomplete"
    assert balance(community, member) == 0


def test_it_refuses_to_confirm_before_the_session(session, funded, agency_admin, member, community):
    register_services.register_save(
        actor=agency_admin, session=session, lines=[RegisterLine(member, True)]
    )
    with pytest.raises(Conflict) as caught:
        register_services.register_confirm(
            actor=agency_admin, session=session, idempotency_key="k-early"
        )
    assert caught.value.code == "session_not_started"
    assert balance(community, member) == 0


def test_it_confirms_a_register_with_nobody_to_credit(past_session, agency_admin, member):
    register_services.register_save(
        actor=agency_admin, session=past_session, lines=[RegisterLine(member, False)]
    )
    session = register_services.register_confirm(
        actor=agency_admin, session=past_session, idempotency_key="k-none"
    )
    assert session.status == SessionStatus.REGISTERED and session.transfer_id is None


def test_it_reads_the_register_in_a_fixed_number_of_queries(
    past_session, funded, agency_admin, member, community, django_assert_max_num_queries
):
    people = [new_member(community, f"Person {i}") for i in range(5)]
    for person in people:
        book(past_session, person)
    register_services.register_save(
        actor=agency_admin,
        session=past_session,
        lines=[RegisterLine(p, True) for p in people] + [RegisterLine(member, True, 30)],
    )
    session = register_selectors.session_for_register(community, past_session.pk)
    with django_assert_max_num_queries(5):
        reg = register_selectors.register_of(session)
    assert [row.booked for row in reg.rows] == [True] * 5 + [False]
    assert reg.plan.people == 6 and reg.plan.total == 5 * 120 + 30


def test_it_records_a_coordinator_as_staff(past_session, coordinator):
    register_services.register_save(
        actor=coordinator,
        session=past_session,
        lines=[RegisterLine(coordinator, True, None, AttendanceRole.STAFF)],
    )
    assert Attendance.objects.get().role == AttendanceRole.STAFF


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers")
def test_it_posts_once_when_two_confirm_at_the_same_time(
    past_session, funded, agency_admin, member, community
):
    register_services.register_save(
        actor=agency_admin, session=past_session, lines=[RegisterLine(member, True)]
    )
    barrier = threading.Barrier(4)
    outcomes: list = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        barrier.wait()
        try:
            result = register_services.register_confirm(
                actor=agency_admin, session=past_session, idempotency_key=f"race-{n % 2}"
            )
            outcome = ("ok", result.transfer_id)
        except ApplicationError as exc:
            outcome = ("refused", exc.code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome = ("error", repr(exc))
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert {o[1] for o in outcomes if o[0] == "refused"} <= {"already_confirmed"}
    assert len({o[1] for o in outcomes if o[0] == "ok"}) == 1
    assert (
        Transfer.objects.filter(related_type="session", related_id=str(past_session.pk)).count()
        == 1
    )
    assert balance(community, member) == 120
    assert ledger_audit([community.pk]).clean


def test_a_members_statement_names_the_agency_not_the_others_credited(
    past_session, funded, agency_admin, member, other_member, community
):
    book(past_session, member)
    book(past_session, other_member)
    register_services.register_save(
        actor=agency_admin,
        session=past_session,
        lines=[RegisterLine(member, True), RegisterLine(other_member, True)],
    )
    register_services.register_confirm(
        actor=agency_admin, session=past_session, idempotency_key="k-with"
    )
    (line,) = statements_selectors.statement_page(community, member).lines
    assert line.transfer.get_reason_display() == "Credits for a co-production session"
    assert line.counterparties == [funded.account.name]  # not the other member who came
    agency_lines = statements_selectors.account_statement(funded.account)
    assert sorted(agency_lines[0].counterparties) == sorted(
        [
            accounts_services.member_account(community, member).name,
            accounts_services.member_account(community, other_member).name,
        ]
    )


def test_confirming_takes_the_same_queries_for_three_or_twelve_people(
    past_session, funded, agency_admin, community
):
    from django.db import connection as default_connection
    from django.test.utils import CaptureQueriesContext

    def confirm(session, people, key):
        session = Session.objects.get(pk=session.pk)  # both as a view would load them
        for person in people:
            book(session, person)
        register_services.register_save(
            actor=agency_admin,
            session=session,
            lines=[RegisterLine(person, True, 10) for person in people],
        )
        with CaptureQueriesContext(default_connection) as queries:
            register_services.register_confirm(
                actor=agency_admin, session=session, idempotency_key=key
            )
        return len(queries)

    second = held_yesterday(
        Session.objects.create(
            community=past_session.community,
            agency=past_session.agency,
            role=past_session.role,
            place="Room 2",
            starts_at=past_session.starts_at,
            ends_at=past_session.ends_at,
            capacity=20,
        )
    )
    few = confirm(past_session, [new_member(community, f"Few {i}") for i in range(3)], "k-few")
    many = confirm(second, [new_member(community, f"Many {i}") for i in range(12)], "k-many")
    assert few == many  # the accounts are found (or opened) for everyone at once, not one by one
    assert ledger_audit([community.pk]).clean
