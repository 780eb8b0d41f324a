"""A session's attendance register and the agency dashboard.

The register is kept by the agency's staff and the community's coordinators: read it, replace
the draft (`PUT`, the whole register each time), confirm it. Confirming credits every attending
member in one transfer and needs an `Idempotency-Key` header: the same key again answers with
the original result; confirming an already confirmed register with another key is 409
`already_confirmed`. Outsiders get 404; members who are not staff 403."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Path, Query, Router, Schema
from pydantic import Field

from coproduce.coproduction.access import access_staff_work
from coproduce.coproduction.models import AttendanceRole, SessionStatus
from coproduce.coproduction.selectors import agencies
from coproduce.coproduction.selectors import dashboard as coproduction_dashboard_selectors
from coproduce.coproduction.selectors import register as register_selectors
from coproduce.coproduction.services import register as register_services

from .. import paths
from ..schemas import (
    MAX_NUMBER,
    READ_ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    MemberRef,
    ObjectId,
    Slug,
)

router = Router(tags=["attendance"])

AgencySlug = Annotated[
    str,
    Path(
        ...,
        pattern=r"^[-a-zA-Z0-9_]+$",
        max_length=80,
        description="The agency's web address name.",
    ),
]


# Shapes --------------------------------------------------------------------------------------


class LineIn(Schema):
    member: MemberRef = Field(description="The person, by member number (staff too).")
    attended: bool = Field(strict=True, description="true: came; false: did not come.")
    minutes: int | None = Field(
        None,
        strict=True,
        ge=-MAX_NUMBER,
        le=MAX_NUMBER,
        description="Whole minutes there, from 1 to the session's length plus 60; null for the "
        "whole session. Ignored when `attended` is false.",
    )
    role: AttendanceRole = Field(
        AttendanceRole.CITIZEN,
        description="`citizen` (credited) or `staff` (recorded, "
        "not credited: staff are paid). Staff must be on the agency's staff.",
    )


class RegisterIn(Schema):
    lines: list[LineIn] = Field(
        max_length=500, description="The whole register; people left out are removed."
    )


class LineOut(Schema):
    member_code: str | None = Field(description="Null for someone who is no longer a member.")
    name: str
    role: AttendanceRole
    booked: bool = Field(description="Booked on the session (not a walk-in or staff).")
    attended: bool | None = Field(description="Null while a booked person is not marked yet.")
    minutes: int | None


class CreditOut(Schema):
    member_code: str | None
    name: str
    minutes: int = Field(description="Minutes there.")
    credited_minutes: int = Field(
        description="Minutes credited: minutes x the rate, rounded half up."
    )


class RegisterOut(Schema):
    session_id: int
    status: SessionStatus
    session_minutes: int = Field(description="The session's length; the default for a line.")
    max_minutes: int = Field(description="The most a line may record.")
    credits_from: str = Field(
        description="`agency` (its own account) or `issuance` (new credits), by community rule."
    )
    credits_per_hour_percent: int
    lines: list[LineOut]
    credits: list[CreditOut] = Field(
        description="Who confirming credits (or credited), and how much."
    )
    credited_minutes: int
    confirmed_at: dt.datetime | None
    confirmed_by: str | None
    transfer_id: int | None = Field(
        description="The ledger transfer, once confirmed (null when nobody was credited)."
    )


class PeriodQuery(Schema):
    start: dt.date | None = Field(
        None, description="First day; default the first of the month 11 months ago."
    )
    end: dt.date | None = Field(None, description="Last day; default today.")


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM.")
    citizen_minutes: int
    credited_minutes: int
    people: int
    new_people: int
    sessions: int
    codelivered_sessions: int


class ReferralCountOut(Schema):
    status: str
    label: str
    count: int


class PartnerSpendOut(Schema):
    partner: str
    redemptions: int
    people: int
    minutes: int


class DashboardOut(Schema):
    agency: str
    start: dt.date
    end: dt.date
    citizen_minutes: int = Field(
        description="Hours co-produced: members' minutes on confirmed registers."
    )
    staff_minutes: int
    credited_minutes: int = Field(description="Credits issued to members for those minutes.")
    people: int
    new_people: int = Field(description="People whose first attendance here falls in the period.")
    returning_people: int
    sessions: int = Field(description="Sessions held (register confirmed).")
    codelivered_sessions: int = Field(
        description="Sessions with at least one staff member and one member attending."
    )
    codelivery_percent: int | None
    months: list[MonthOut]
    referrals: list[ReferralCountOut] = Field(
        description="Referrals made in the period, by outcome now."
    )
    spending: list[PartnerSpendOut] = Field(
        description="An approximation: redemptions in the period by people who earned credits here "
        "in it, by partner."
    )


# Output --------------------------------------------------------------------------------------


def register_out(reg: register_selectors.Register) -> dict:
    session = reg.session
    codes = {row.person.pk: row.member_code for row in reg.rows}
    return {
        "session_id": session.pk,
        "status": session.status,
        "session_minutes": reg.session_minutes,
        "max_minutes": reg.max_minutes,
        "credits_from": reg.plan.source,
        "credits_per_hour_percent": reg.plan.percent,
        "lines": [
            {
                "member_code": row.member_code,
                "name": row.person.display_name,
                "role": row.role,
                "booked": row.booked,
                "attended": row.attendance.attended if row.attendance else None,
                "minutes": row.attendance.minutes if row.attendance else None,
            }
            for row in reg.rows
        ],
        "credits": [
            {
                "member_code": codes.get(person.pk),
                "name": person.display_name,
                "minutes": minutes,
                "credited_minutes": credited,
            }
            for person, minutes, credited in reg.plan.credits
        ],
        "credited_minutes": reg.plan.total,
        "confirmed_at": session.register_confirmed_at,
        "confirmed_by": session.register_confirmed_by.display_name
        if session.register_confirmed_by
        else None,
        "transfer_id": session.transfer_id,
    }


def _session(request, slug: str, session_id: int):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    session = register_selectors.session_for_register(community, session_id)
    access_staff_work(request.user, session.agency)
    return community, session


def _current(community, session_id: int) -> dict:
    return register_out(
        register_selectors.register_of(
            register_selectors.session_for_register(community, session_id)
        )
    )


# Routes --------------------------------------------------------------------------------------


@router.get(
    "/{slug}/sessions/{session_id}/attendance",
    response={200: RegisterOut, **READ_ERRORS},
    summary="A session's register (staff)",
)
def attendance_get(request, slug: Slug, session_id: ObjectId):
    """Every booked person (marked or not), walk-ins and staff recorded, and what confirming
    would credit."""
    community, session = _session(request, slug, session_id)
    return _current(community, session.pk)


@router.put(
    "/{slug}/sessions/{session_id}/attendance",
    response={200: RegisterOut, **WRITE_ERRORS},
    summary="Save the register as a draft (staff)",
)
def attendance_put(request, slug: Slug, session_id: ObjectId, payload: RegisterIn):
    """Replace the draft with these lines. 422 for minutes out of range, a person neither booked
    nor a member (`unknown_member` for a number that is no member), staff who are not the
    agency's, someone twice; 409 `already_confirmed` once confirmed."""
    community, session = _session(request, slug, session_id)
    people = paths.members_named(community, [line.member for line in payload.lines], "lines")
    lines = [
        register_services.RegisterLine(person, line.attended, line.minutes, line.role)
        for person, line in zip(people, payload.lines, strict=True)
    ]
    register_services.register_save(actor=request.user, session=session, lines=lines)
    return _current(community, session.pk)


@router.post(
    "/{slug}/sessions/{session_id}/attendance/confirm",
    response={200: RegisterOut, **WRITE_ERRORS},
    summary="Confirm the register and credit the hours (staff)",
)
def attendance_confirm(request, slug: Slug, session_id: ObjectId, idempotency_key: IdempotencyKey):
    """Posts one transfer crediting every attending member, or nothing at all: 409
    `limit_exceeded` when the paying account or someone's balance cannot take it (the register
    stays a draft); 409 `already_confirmed`, `session_not_started`; 422 `register_incomplete`
    when someone booked is not marked."""
    community, session = _session(request, slug, session_id)
    register_services.register_confirm(
        actor=request.user,
        session=session,
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return _current(community, session.pk)


@router.get(
    "/{slug}/agencies/{agency_slug}/dashboard",
    response={200: DashboardOut, **READ_ERRORS},
    summary="An agency's co-production figures (staff)",
)
def agency_dashboard(request, slug: Slug, agency_slug: AgencySlug, query: Query[PeriodQuery]):
    """Over a period (by default the last 12 months), by month: hours co-produced, people
    involved (new and returning), sessions held and co-delivered, referrals by outcome, credits
    issued and where they were spent. For the agency's staff and the community's coordinators."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    agency = agencies.agency_by_slug(community, agency_slug)
    access_staff_work(request.user, agency)
    period = coproduction_dashboard_selectors.period_for(
        community, start=query.start, end=query.end
    )
    board = coproduction_dashboard_selectors.agency_dashboard(agency, period)
    return {
        "agency": agency.name,
        "start": period.first,
        "end": period.last,
        "citizen_minutes": board.citizen_minutes,
        "staff_minutes": board.staff_minutes,
        "credited_minutes": board.credited_minutes,
        "people": board.people,
        "new_people": board.new_people,
        "returning_people": board.returning_people,
        "sessions": board.sessions,
        "codelivered_sessions": board.codelivered,
        "codelivery_percent": board.codelivery_percent,
        "months": [
            {
                "month": f"{m.year:04d}-{m.month:02d}",
                "citizen_minutes": m.citizen_minutes,
                "credited_minutes": m.credited_minutes,
                "people": m.people,
                "new_people": m.new_people,
                "sessions": m.sessions,
                "codelivered_sessions": m.codelivered,
            }
            for m in board.months
        ],
        "referrals": [{"status": s, "label": label, "count": n} for s, label, n in board.referrals],
        "spending": [
            {
                "partner": s.partner,
                "redemptions": s.redemptions,
                "people": s.people,
                "minutes": s.minutes,
            }
            for s in board.spending
        ],
    }
