"""Sessions of co-production roles and signing up for them.

Members of a community see its sessions (outsiders and other communities' tokens get 404). An
agency's staff and the community's coordinators add sessions (one, or a repeating series from an
RFC 5545 RRULE), change and cancel them, and see who signed up; members see only their own
sign-up. Signing up books a place while there are places left, otherwise it puts the caller on
the waiting list (first come, first served); a cancelled place goes to the first person waiting.
None of these writes moves hours, so none needs an `Idempotency-Key`.

Times are returned in UTC; send them with a time zone (a time without one is read as the
community's local time). Each session has `calendar_url`, an iCalendar feed of its role's
sessions that calendar apps can subscribe to without signing in; names of people are never in
it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.coproduction.models import Session, SessionStatus, SignUp, SignUpStatus
from coproduce.coproduction.selectors import agencies, calendars
from coproduce.coproduction.selectors import sessions as sessions_selectors
from coproduce.coproduction.services import sessions as sessions_services
from coproduce.core import limits
from coproduce.core.errors import NotFound, ValidationFailed

from .. import paths
from ..pagination import key_datetime, key_int, keyset_page
from ..schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, MemberRef, ObjectId, Slug

router = Router(tags=["sessions"])

SignUpId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


# Shapes --------------------------------------------------------------------------------------


class SessionPersonOut(Schema):
    member_number: int | None = Field(description="Null when the person is no longer a member.")
    display_name: str


class SessionAgencyRef(Schema):
    slug: str
    name: str


class SessionRoleRef(Schema):
    id: int
    title: str


class SessionSignUpOut(Schema):
    id: int
    person: SessionPersonOut
    status: SignUpStatus = Field(
        description="`booked`, `waiting` (on the waiting list) or `cancelled`."
    )
    waiting_position: int | None = Field(
        description="1 for the first person waiting; null unless waiting."
    )
    created_at: dt.datetime
    promoted_at: dt.datetime | None = Field(
        description="When a freed place moved them off the waiting list."
    )
    cancelled_at: dt.datetime | None


class SessionOut(Schema):
    id: int
    agency: SessionAgencyRef
    role: SessionRoleRef
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    places_taken: int = Field(description="Booked places; never more than `capacity`.")
    places_left: int
    status: SessionStatus
    series_id: int | None = Field(description="The repeating series it belongs to, if any.")
    repeats: str = Field(
        description='The series\' repeat in plain words ("Every Tuesday, 12 times"), or empty.'
    )
    staff_present: list[SessionPersonOut]
    my_signup: SessionSignUpOut | None = Field(
        description="The caller's own current sign-up, if any."
    )
    calendar_url: str = Field(
        description="iCalendar feed of this role's sessions (no sign-in needed)."
    )
    url: str = Field(description="The session's web page.")


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class SessionQuery(Schema):
    agency: str | None = Field(
        None, max_length=limits.SHORT_NAME, description="Only this agency's sessions (its slug)."
    )
    role: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only this role's sessions (its id)."
    )
    from_: dt.datetime | None = Field(
        None, alias="from", description="Sessions starting at or after this time (default: now)."
    )
    to: dt.datetime | None = Field(None, description="Sessions starting before this time.")
    include_cancelled: bool = Field(
        True, description="Cancelled sessions are listed with `status: cancelled`."
    )
    status: SessionStatus | None = Field(
        None,
        description="Only sessions in this state. With `from` in the past and `to` now, "
        "`scheduled` lists the sessions that took place without a confirmed register.",
    )
    limit: int = Field(50, ge=1, le=200, description="Items per page.")
    cursor: str | None = Field(
        None, max_length=limits.CURSOR, description="The `next_cursor` of the previous page."
    )


Place = Annotated[
    str, Field(min_length=1, max_length=limits.LINE, description='Where, e.g. "Waiting room".')
]
Capacity = Annotated[
    int,
    Field(strict=True, ge=1, le=sessions_services.MAX_CAPACITY, description="Places, 1 to 500."),
]
StaffRefs = Annotated[
    list[MemberRef], Field(max_length=50, description="Member numbers of the agency's staff there.")
]


class SessionIn(Schema):
    role_id: int = Field(
        ge=1, le=MAX_ID, description="A published role; the session belongs to its agency."
    )
    place: Place
    starts_at: dt.datetime = Field(description="In the future.")
    ends_at: dt.datetime = Field(description="After `starts_at`, at most 24 hours later.")
    capacity: Capacity
    staff_present: StaffRefs = []


class SessionSeriesIn(Schema):
    role_id: int = Field(
        ge=1, le=MAX_ID, description="A published role; the sessions belong to its agency."
    )
    rrule: str = Field(
        min_length=1,
        max_length=limits.RRULE,
        examples=["FREQ=WEEKLY;BYDAY=TU;COUNT=12"],
        description="An RFC 5545 RRULE (DAILY, WEEKLY, MONTHLY or YEARLY) with COUNT or UNTIL: at "
        "most 52 sessions, all within a year of the first.",
    )
    first_start: dt.datetime = Field(
        description="The first session's start, in the future; each session starts "
        "at the same local time."
    )
    duration_minutes: int = Field(strict=True, ge=1, le=24 * 60)
    place: Place
    capacity: Capacity
    staff_present: StaffRefs = []


class SessionSeriesOut(Schema):
    id: int
    rrule: str
    repeats: str
    sessions: list[SessionOut]


class SessionPatch(Schema):
    place: Place | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    capacity: Capacity | None = Field(
        None,
        description="Not below the places booked; more places take people off the waiting list.",
    )
    staff_present: StaffRefs | None = None


class SessionCancelIn(Schema):
    reason: str = Field("", max_length=limits.SHORT_NOTE, description="Sent to everyone signed up.")


class SessionSignUpIn(Schema):
    on_behalf_of: MemberRef | None = Field(
        None, description="The agency's staff and coordinators: the member to sign up."
    )


class SessionSignUpList(Schema):
    items: list[SessionSignUpOut]


# Helpers -------------------------------------------------------------------------------------


def _person(person, numbers: dict[int, int]) -> dict:
    return {"member_number": numbers.get(person.pk), "display_name": person.display_name}


def _signup_out(signup: SignUp, numbers: dict[int, int]) -> dict:
    return {
        "id": signup.pk,
        "person": _person(signup.person, numbers),
        "status": signup.status,
        "waiting_position": sessions_selectors.waiting_position(signup),
        "created_at": signup.created_at,
        "promoted_at": signup.promoted_at,
        "cancelled_at": signup.cancelled_at,
    }


def _session_out(
    session: Session, viewer, *, mine: SignUp | None, staff: list, numbers: dict[int, int]
) -> dict:
    slug = session.community.slug
    return {
        "id": session.pk,
        "agency": {"slug": session.agency.slug, "name": session.agency.name},
        "role": {"id": session.role.pk, "title": session.role.title},
        "place": session.place,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": session.capacity,
        "places_taken": session.places_taken,
        "places_left": session.places_left,
        "status": session.status,
        "series_id": session.series_id,
        "repeats": sessions_selectors.rrule_describe(session.series.rrule)
        if session.series_id and session.series
        else "",
        "staff_present": [_person(p, numbers) for p in staff],
        "my_signup": _signup_out(mine, numbers) if mine else None,
        "calendar_url": calendars.role_calendar_url(session.role),
        "url": f"/c/{slug}/sessions/{session.pk}/",
    }


def _outs(community, viewer, found: list[Session]) -> list[dict]:
    mine = sessions_selectors.signups_of_person(found, viewer)
    staff = sessions_selectors.staff_present_of(found)
    people = {p.pk for group in staff.values() for p in group} | {
        s.person_id for s in mine.values()
    }
    numbers = memberships_selectors.member_numbers(community, people)
    return [
        _session_out(s, viewer, mine=mine.get(s.pk), staff=staff.get(s.pk, []), numbers=numbers)
        for s in found
    ]


def _one(community, viewer, session: Session) -> dict:
    return _outs(community, viewer, [session])[0]


def _session(request, slug: str, session_id: int) -> tuple:
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community, sessions_selectors.session_get(community, session_id)


def _role(community, viewer, role_id: int):
    try:
        return agencies.role_get(community, viewer, role_id)
    except NotFound:
        raise ValidationFailed(
            "No such role here.",
            code="unknown_role",
            fields={"role_id": ["Not a role of this community."]},
        ) from None


# Sessions ------------------------------------------------------------------------------------


@router.get("/{slug}/sessions", response={200: SessionPage, **READ_ERRORS}, summary="List sessions")
def session_list(request, slug: Slug, query: Query[SessionQuery]):
    """Sessions in time order, from now (or `from`) on, filtered by agency, role and time. 422
    for an unknown agency or role."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    agency = role = None
    if query.agency:
        try:
            agency = agencies.agency_by_slug(community, query.agency)
        except NotFound:
            raise ValidationFailed(
                "No such agency here.",
                code="unknown_agency",
                fields={"agency": ["Not an agency of this community."]},
            ) from None
    if query.role is not None:
        role = _role(community, request.user, query.role)
    found = sessions_selectors.sessions_list(
        community,
        agency=agency,
        role=role,
        start=query.from_ or timezone.now(),
        end=query.to,
        include_cancelled=query.include_cancelled,
        status=query.status,
    )
    rows, next_cursor = keyset_page(
        found,
        fields=["starts_at", "id"],
        kinds=[key_datetime, key_int],
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": _outs(community, request.user, rows), "next_cursor": next_cursor}


@router.post(
    "/{slug}/sessions", response={201: SessionOut, **WRITE_ERRORS}, summary="Add a session"
)
def session_create(request, slug: Slug, payload: SessionIn):
    """The role's agency staff and coordinators (403 `not_agency_staff` for others). 422
    `role_not_published`, times in the past or an end before the start, staff who are not the
    agency's."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    role = _role(community, request.user, payload.role_id)
    staff = paths.members_named(community, payload.staff_present, "staff_present")
    session = sessions_services.session_create(
        actor=request.user,
        role=role,
        place=payload.place,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        staff_present=staff,
    )
    return Status(
        201, _one(community, request.user, sessions_selectors.session_get(community, session.pk))
    )


@router.post(
    "/{slug}/sessions/series",
    response={201: SessionSeriesOut, **WRITE_ERRORS},
    summary="Add repeating sessions",
)
def series_create(request, slug: Slug, payload: SessionSeriesIn):
    """A session repeated by an RRULE; each occurrence is its own session. 422 `bad_rrule` with
    the reason (unreadable, no COUNT or UNTIL, more than 52 sessions, beyond a year)."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    role = _role(community, request.user, payload.role_id)
    staff = paths.members_named(community, payload.staff_present, "staff_present")
    series = sessions_services.series_create(
        actor=request.user,
        role=role,
        rrule=payload.rrule,
        first_start=payload.first_start,
        duration_minutes=payload.duration_minutes,
        place=payload.place,
        capacity=payload.capacity,
        staff_present=staff,
    )
    found = list(sessions_selectors.sessions_list(community, series=series))
    return Status(
        201,
        {
            "id": series.pk,
            "rrule": series.rrule,
            "repeats": sessions_selectors.rrule_describe(series.rrule),
            "sessions": _outs(community, request.user, found),
        },
    )


@router.get(
    "/{slug}/sessions/{session_id}", response={200: SessionOut, **READ_ERRORS}, summary="A session"
)
def session_detail(request, slug: Slug, session_id: ObjectId):
    community, session = _session(request, slug, session_id)
    return _one(community, request.user, session)


@router.patch(
    "/{slug}/sessions/{session_id}",
    response={200: SessionOut, **WRITE_ERRORS},
    summary="Change a session",
)
def session_update(request, slug: Slug, session_id: ObjectId, payload: SessionPatch):
    """Fields left out stay as they are. 409 `session_cancelled`, `capacity_below_booked`."""
    community, session = _session(request, slug, session_id)
    values = payload.dict(exclude_unset=True)
    values = {k: v for k, v in values.items() if v is not None}
    if "staff_present" in values:
        values["staff_present"] = paths.members_named(
            community, values["staff_present"], "staff_present"
        )
    sessions_services.session_update(actor=request.user, session=session, **values)
    return _one(community, request.user, sessions_selectors.session_get(community, session.pk))


@router.post(
    "/{slug}/sessions/{session_id}/cancel",
    response={200: SessionOut, **WRITE_ERRORS},
    summary="Cancel a session",
)
def session_cancel(
    request, slug: Slug, session_id: ObjectId, payload: SessionCancelIn | None = None
):
    """Everyone booked or waiting is told. 409 when it is already cancelled."""
    community, session = _session(request, slug, session_id)
    sessions_services.session_cancel(
        actor=request.user, session=session, reason=payload.reason if payload else ""
    )
    return _one(community, request.user, sessions_selectors.session_get(community, session.pk))


# Sign-ups ------------------------------------------------------------------------------------


@router.get(
    "/{slug}/sessions/{session_id}/signups",
    response={200: SessionSignUpList, **READ_ERRORS},
    summary="Sign-ups for a session",
)
def signup_list(request, slug: Slug, session_id: ObjectId):
    """All of them (cancelled ones too) for the agency's staff and coordinators; a member sees
    only their own."""
    community, session = _session(request, slug, session_id)
    found = sessions_selectors.signups_for(request.user, session)
    numbers = memberships_selectors.member_numbers(community, {s.person_id for s in found})
    return {"items": [_signup_out(s, numbers) for s in found]}


@router.post(
    "/{slug}/sessions/{session_id}/signups",
    response={201: SessionSignUpOut, **WRITE_ERRORS},
    summary="Sign up for a session",
)
def signup_create(
    request, slug: Slug, session_id: ObjectId, payload: SessionSignUpIn | None = None
):
    """Books a place, or a place on the waiting list when the session is full (see `status`).
    403 `vetting_required` below the community's check level for group activities (the rule
    `vetting_group_activity`: which check is needed and whom to ask, every reason in
    `fields.person`); 422 `not_eligible` with the role's own reasons (check level, training, age);
    409 `already_signed_up`, `session_cancelled`, `session_started`; 403 when a member names
    someone else."""
    community, session = _session(request, slug, session_id)
    person = paths.member_named(
        community, payload.on_behalf_of if payload else None, "on_behalf_of"
    )
    signup = sessions_services.signup_create(actor=request.user, session=session, person=person)
    numbers = memberships_selectors.member_numbers(community, {signup.person_id})
    return Status(201, _signup_out(signup, numbers))


@router.delete(
    "/{slug}/sessions/{session_id}/signups/{signup_id}",
    response={200: SessionSignUpOut, **WRITE_ERRORS},
    summary="Cancel a sign-up",
)
def signup_cancel(request, slug: Slug, session_id: ObjectId, signup_id: SignUpId):
    """The person themselves, the agency's staff or a coordinator. A freed place goes to the
    first person waiting, who is told. 409 `already_cancelled`, `session_started`."""
    community, session = _session(request, slug, session_id)
    signup = sessions_selectors.signup_get(session, signup_id)
    if signup.person_id != request.user.pk and not sessions_selectors.may_run(
        request.user, session
    ):
        raise NotFound("No such sign-up.")
    cancelled = sessions_services.signup_cancel(actor=request.user, signup=signup)
    numbers = memberships_selectors.member_numbers(community, {cancelled.person_id})
    cancelled.person = signup.person
    return _signup_out(cancelled, numbers)
