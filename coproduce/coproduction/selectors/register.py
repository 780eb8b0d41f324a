"""The attendance register of a session as it stands: every booked person, walk-ins and staff,
and what confirming it would credit (`CreditPlan`, worked out here for both the page and
`services.register.register_confirm`, so they cannot disagree). The writes are in
services/register.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import NotFound

from ..models import (
    AgencyMembership,
    Attendance,
    AttendanceRole,
    Session,
    SessionStatus,
    SignUp,
    SignUpStatus,
)

EXTRA_MINUTES = 60  # a register may record up to an hour more than the session's length


def session_minutes(session: Session) -> int:
    return max(1, int((session.ends_at - session.starts_at).total_seconds() // 60))


def max_minutes(session: Session) -> int:
    return session_minutes(session) + EXTRA_MINUTES


def credit_for(minutes: int, percent: int) -> int:
    """Credits for minutes alongside staff at the community's rate, rounded half up to a whole
    minute."""
    return (minutes * percent + 50) // 100


@dataclass
class CreditPlan:
    """What confirming would do: who earns what, from which account."""

    source: str  # "agency" | "issuance"
    source_name: str
    percent: int
    credits: list[tuple[Any, int, int]] = field(default_factory=list)  # (person, minutes, credited)
    staff: list[Any] = field(default_factory=list)
    unmarked: list[Any] = field(default_factory=list)  # booked people with no line yet

    @property
    def total(self) -> int:
        return sum(credited for _p, _m, credited in self.credits)

    @property
    def people(self) -> int:
        return sum(1 for _p, _m, credited in self.credits if credited)


def _plan(
    session: Session, rows: list[Attendance], booked_ids: set[int], rules: dict
) -> CreditPlan:
    source = rules["session_credits_from"]
    name = (
        f"{session.community.name}'s issuance (new credits)"
        if source == "issuance"
        else f"{session.agency.name}'s account"
    )
    plan = CreditPlan(source=source, source_name=name, percent=rules["credits_per_hour_percent"])
    marked = {row.person_id for row in rows}
    for row in rows:
        if not row.attended:
            continue
        if row.role == AttendanceRole.STAFF:
            plan.staff.append(row.person)
        else:
            plan.credits.append((row.person, row.minutes, credit_for(row.minutes, plan.percent)))
    plan.unmarked = sorted(booked_ids - marked)
    return plan


@dataclass
class RegisterRow:
    person: Any
    member_code: str | None
    role: str
    booked: bool
    attendance: Attendance | None


@dataclass
class Register:
    session: Session
    rows: list[RegisterRow]  # booked members, then walk-ins, then staff
    plan: CreditPlan
    confirmed: bool
    session_minutes: int
    max_minutes: int


def session_for_register(community, session_id: int) -> Session:
    """A session of this community, with its agency and role. Raises NotFound."""
    found = (
        Session.objects.select_related(
            "community", "agency", "role", "register_confirmed_by", "transfer"
        )
        .filter(community=community, pk=session_id)
        .first()
    )
    if found is None:
        raise NotFound("No such session.")
    return found


def register_of(session: Session) -> Register:
    """The register as it stands: every booked person (marked or not), walk-ins and staff
    already recorded; and what confirming would credit. A fixed number of queries."""
    rows = list(Attendance.objects.filter(session=session).select_related("person").order_by("id"))
    signups = list(
        SignUp.objects.filter(session=session, status=SignUpStatus.BOOKED).select_related("person")
    )
    by_person = {row.person_id: row for row in rows}
    booked_ids = {s.person_id for s in signups}
    numbers = memberships_selectors.member_numbers(session.community, booked_ids | set(by_person))
    prefix = session.community.member_prefix

    def code(pk: int) -> str | None:
        number = numbers.get(pk)
        return member_refs_selectors.member_code(prefix, number) if number is not None else None

    lines = [
        RegisterRow(
            s.person, code(s.person_id), AttendanceRole.CITIZEN, True, by_person.get(s.person_id)
        )
        for s in signups
    ]
    lines += [
        RegisterRow(a.person, code(a.person_id), a.role, False, a)
        for a in rows
        if a.person_id not in booked_ids and a.role == AttendanceRole.CITIZEN
    ]
    lines += [
        RegisterRow(a.person, code(a.person_id), a.role, False, a)
        for a in rows
        if a.person_id not in booked_ids and a.role == AttendanceRole.STAFF
    ]
    plan = _plan(session, rows, booked_ids, communities_selectors.rules_for(session.community))
    return Register(
        session=session,
        rows=lines,
        plan=plan,
        confirmed=session.status == SessionStatus.REGISTERED,
        session_minutes=session_minutes(session),
        max_minutes=max_minutes(session),
    )


def staff_choices(session: Session) -> list:
    """People who may be recorded as staff on this session: the agency's current staff and
    those named as present on the session."""
    staff = [
        m.person
        for m in AgencyMembership.objects.filter(agency=session.agency, ended_at__isnull=True)
        .select_related("person")
        .order_by("person__full_name")
    ]
    ids = {p.pk for p in staff}
    staff += [p for p in session.staff_present.all() if p.pk not in ids]
    return staff
