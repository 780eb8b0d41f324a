"""Sessions of co-production roles: making them (one at a time or as a recurring series from an
RFC 5545 RRULE), changing and cancelling them, signing up with a first-come-first-served waiting
list, and the reminder the day before. Every write: atomic, audited, refusals change nothing. The
reads, and the words for a session's time and a series' rule, are in selectors/sessions.py.

Places are counted on the session row: `places_taken` is the number of booked sign-ups and is
changed only while the session row is locked (`select_for_update`), so two people taking the last
place at once get one booking and one place on the waiting list, never an overbooked session
(the database refuses `places_taken > capacity` too)."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterable
from typing import Any

from dateutil import rrule as dateutil_rrule
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.notifications.services import notifications

from ..access import access_staff_work, is_staff_of
from ..models import (
    CoproductionRole,
    RoleStatus,
    Session,
    SessionSeries,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from ..selectors import agencies as agency_selectors
from ..selectors.sessions import WEEKDAYS, _rrule_parts, session_path, when_text

MAX_CAPACITY = 500
MAX_SESSION_MINUTES = 24 * 60
MAX_OCCURRENCES = 52
SERIES_HORIZON = dt.timedelta(days=366)
ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
# Reminders go out the day before: for sessions starting between 24 and 36 hours from the run.
REMIND_FROM = dt.timedelta(hours=24)
REMIND_UNTIL = dt.timedelta(hours=36)

_SESSION_FIELDS = ("place", "starts_at", "ends_at", "capacity", "status")


# Helpers -------------------------------------------------------------------------------------


def _aware(value: Any, community, errors: dict[str, list[str]], name: str) -> dt.datetime:
    """A datetime; naive ones are read as the community's local time. Anything else is noted in
    `errors` (and a stand-in returned, never stored because the caller raises)."""
    if not isinstance(value, dt.datetime):
        errors[name] = ["Give a date and a time."]
        return timezone.now()
    if timezone.is_naive(value):
        return value.replace(tzinfo=communities_selectors.community_zone(community))
    return value


def _clean_place(errors: dict[str, list[str]], place: Any) -> str:
    place = " ".join(str(place or "").split())
    if not place:
        errors["place"] = ["Say where the session is."]
    elif len(place) > 200:
        errors["place"] = ["At most 200 characters."]
    return place


def _clean_capacity(errors: dict[str, list[str]], capacity: Any) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        errors["capacity"] = ["Give the number of places as a whole number."]
        return 0
    if not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = [f"A session has between 1 and {MAX_CAPACITY} places."]
    return capacity


def _clean_times(
    errors: dict[str, list[str]], community, starts_at: Any, ends_at: Any, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    start = _aware(starts_at, community, errors, "starts_at")
    end = _aware(ends_at, community, errors, "ends_at")
    if "starts_at" not in errors and start <= now:
        errors["starts_at"] = ["The start is in the past; choose a time still to come."]
    if not errors.keys() & {"starts_at", "ends_at"}:
        if end <= start:
            errors["ends_at"] = ["The end must be after the start."]
        elif end - start > dt.timedelta(minutes=MAX_SESSION_MINUTES):
            errors["ends_at"] = ["A session lasts at most 24 hours."]
    return start, end


def _check_role(role: CoproductionRole) -> None:
    if role.status != RoleStatus.PUBLISHED:
        raise ValidationFailed(
            "Sessions can only be added to a published role; publish the role first.",
            code="role_not_published",
            fields={"role": ["This role is not published."]},
        )


def _clean_staff(errors: dict[str, list[str]], agency, staff_present: Iterable | None) -> list:
    people = list(staff_present or [])
    strangers = [p for p in people if not is_staff_of(p, agency)]
    if strangers:
        errors["staff_present"] = [
            f"{p.display_name} is not on {agency.name}'s staff." for p in strangers
        ]
    return people


def _lock(model, pk: int):
    qs = model.objects.filter(pk=pk)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(no_key=connection.features.has_select_for_no_key_update)
    return qs.get()


def _lock_session(session: Session) -> Session:
    """The session row, locked (not its agency, role or community), with those loaded."""
    qs = Session.objects.select_related("community", "agency", "role").filter(pk=session.pk)
    if connection.features.has_select_for_update:
        of = ("self",) if connection.features.has_select_for_update_of else ()
        qs = qs.select_for_update(of=of, no_key=connection.features.has_select_for_no_key_update)
    return qs.get()


def _notify(person, *, session: Session, kind: str, title: str, body: str) -> None:
    if person.pseudonymised_at is None:
        notifications.notify(
            person=person,
            kind=kind,
            title=title,
            body=body,
            url=session_path(session),
            community=session.community,
        )


# Recurrence: the rule a series is made from ------------------------------------------------


def rrule_build(*, repeat: str, weekday: int, count: int) -> str:
    """The RRULE for the simple choices on the form: `weekly` or `fortnightly` on a weekday, or
    `monthly` (on the same day of the month as the first session), `count` times."""
    if repeat == "weekly":
        return f"FREQ=WEEKLY;BYDAY={WEEKDAYS[weekday]};COUNT={count}"
    if repeat == "fortnightly":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={WEEKDAYS[weekday]};COUNT={count}"
    if repeat == "monthly":
        return f"FREQ=MONTHLY;COUNT={count}"
    raise ValueError(repeat)


def rrule_with_count(rule: str, count: int | None) -> str:
    """The rule written on the form, ended by the form's "How many sessions" when the rule says
    nothing of its end. Raises ValidationFailed (`count_disagrees`) when the rule ends otherwise
    than the count says (another COUNT, or an UNTIL date)."""
    text = (rule or "").strip()
    if count is None or not text:
        return text
    parts = _rrule_parts(text[6:] if text.upper().startswith("RRULE:") else text)
    if "COUNT" in parts and parts["COUNT"] != str(count):
        message = (
            f"The repeat rule says COUNT={parts['COUNT']} but “How many sessions” says {count}. "
            "Make them the same, or empty “How many sessions”."
        )
    elif "UNTIL" in parts:
        message = (
            "The repeat rule ends on a date (UNTIL), so empty “How many sessions”, "
            "or take UNTIL out of the rule."
        )
    elif "COUNT" in parts:
        return text
    else:
        return f"{text.rstrip(';')};COUNT={count}"
    raise ValidationFailed(message, code="count_disagrees", fields={"count": [message]})


def rrule_occurrences(
    rule: Any, first_start: dt.datetime, tz: zoneinfo.ZoneInfo
) -> list[dt.datetime]:
    """The starts of a series, at the same local time each day (across clock changes). Raises
    ValidationFailed with the reason in plain words."""

    def bad(message: str) -> ValidationFailed:
        return ValidationFailed(message, code="bad_rrule", fields={"rrule": [message]})

    if not isinstance(rule, str) or not rule.strip():
        raise bad("Say how the session repeats, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=12.")
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if len(text) > 300 or any(c in text for c in "\r\n:") or not text.isascii():
        raise bad("Give one rule such as FREQ=WEEKLY;BYDAY=TU;COUNT=12 (no DTSTART, one line).")
    parts = _rrule_parts(text)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise bad(
            "A series repeats daily, weekly, monthly or yearly (FREQ=DAILY, WEEKLY, MONTHLY or "
            "YEARLY)."
        )
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise bad(
            f"Say when the series ends: COUNT (at most {MAX_OCCURRENCES}) or UNTIL a date within a "
            "year."
        )
    local_start = timezone.localtime(first_start, tz).replace(tzinfo=None)
    try:
        # Expanded in local wall-clock time, then given the zone: 10:00 stays 10:00 in summer.
        parsed = dateutil_rrule.rrulestr(text, dtstart=local_start, ignoretz=True)
        starts = list(itertools.islice(iter(parsed), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise bad(
            f"This is not a repeat rule we can read ({exc}). Example: "
            "FREQ=WEEKLY;BYDAY=TU;COUNT=12."
        ) from None
    if not starts:
        raise bad("This rule gives no sessions at all; check the days and the end.")
    if len(starts) > MAX_OCCURRENCES:
        raise bad(
            f"A series has at most {MAX_OCCURRENCES} sessions; make a new series for later ones."
        )
    aware = [start.replace(tzinfo=tz) for start in starts]
    if aware[-1] - first_start > SERIES_HORIZON:
        raise bad("A series reaches at most a year ahead; make a new series for later sessions.")
    return aware


# Sessions ------------------------------------------------------------------------------------


def session_create(
    *,
    actor: Actor,
    role: CoproductionRole,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    staff_present: Iterable | None = None,
    now: dt.datetime | None = None,
) -> Session:
    """A session of a published role, run by the role's agency. Raises NotFound / PermissionDenied
    (not the agency's staff or a coordinator), ValidationFailed (`role_not_published`; times in the
    past or ending before they start, capacity outside 1-500, no place, staff who are not the
    agency's)."""
    agency = role.agency
    access_staff_work(actor, agency)
    _check_role(role)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    place = _clean_place(errors, place)
    capacity = _clean_capacity(errors, capacity)
    start, end = _clean_times(errors, role.community, starts_at, ends_at, now)
    staff = _clean_staff(errors, agency, staff_present)
    if errors:
        raise ValidationFailed("Please correct the session's details.", fields=errors)
    with transaction.atomic(durable=True):
        session = Session.objects.create(
            community=role.community,
            agency=agency,
            role=role,
            place=place,
            starts_at=start,
            ends_at=end,
            capacity=capacity,
            created_at=now,
        )
        session.staff_present.set(staff)
        audit_record(
            actor=actor,
            action="session.create",
            subject=session,
            community_id=role.community_id,
            changes={
                **{k: [None, v] for k, v in snapshot(session, _SESSION_FIELDS).items()},
                "role": [None, role.pk],
                "staff_present": [None, sorted(p.pk for p in staff)],
            },
        )
    return session


def series_create(
    *,
    actor: Actor,
    role: CoproductionRole,
    rrule: str,
    first_start: dt.datetime,
    duration_minutes: int,
    place: str,
    capacity: int,
    staff_present: Iterable | None = None,
    now: dt.datetime | None = None,
) -> SessionSeries:
    """A recurring session: the RRULE is read with dateutil and each occurrence stored as a
    Session of the series. Raises like `session_create`, and ValidationFailed `bad_rrule` for a
    rule that cannot be read, has no COUNT or UNTIL, gives more than 52 sessions or reaches
    beyond a year."""
    agency = role.agency
    access_staff_work(actor, agency)
    _check_role(role)
    now = now or timezone.now()
    tz = communities_selectors.community_zone(role.community)
    errors: dict[str, list[str]] = {}
    place = _clean_place(errors, place)
    capacity = _clean_capacity(errors, capacity)
    staff = _clean_staff(errors, agency, staff_present)
    start = _aware(first_start, role.community, errors, "first_start")
    if "first_start" not in errors and start <= now:
        errors["first_start"] = ["The first session is in the past; choose a time still to come."]
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 1 <= duration_minutes <= MAX_SESSION_MINUTES
    ):
        errors["duration_minutes"] = ["A session lasts between 1 minute and 24 hours."]
    starts: list[dt.datetime] = []
    if "first_start" not in errors:
        try:
            starts = rrule_occurrences(rrule, start, tz)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed("Please correct the series' details.", fields=errors)
    text = rrule.strip()
    text = text[6:] if text.upper().startswith("RRULE:") else text
    length = dt.timedelta(minutes=duration_minutes)
    with transaction.atomic(durable=True):
        series = SessionSeries.objects.create(
            role=role,
            rrule=text,
            first_start=start,
            duration_minutes=duration_minutes,
            place=place,
            capacity=capacity,
            created_by=actor,
            created_at=now,
        )
        sessions = Session.objects.bulk_create(
            [
                Session(
                    community=role.community,
                    agency=agency,
                    role=role,
                    series=series,
                    place=place,
                    starts_at=s,
                    ends_at=s + length,
                    capacity=capacity,
                    created_at=now,
                )
                for s in starts
            ]
        )
        if staff:
            Through = Session.staff_present.through
            Through.objects.bulk_create(
                [Through(session_id=s.pk, person_id=p.pk) for s in sessions for p in staff]
            )
        audit_record(
            actor=actor,
            action="session.series_create",
            subject=series,
            community_id=role.community_id,
            changes={
                "rrule": [None, text],
                "first_start": [None, start.isoformat()],
                "duration_minutes": [None, duration_minutes],
                "place": [None, place],
                "capacity": [None, capacity],
                "sessions": [None, len(starts)],
                "staff_present": [None, sorted(p.pk for p in staff)],
            },
        )
    return series


def session_update(
    *, actor: Actor, session: Session, now: dt.datetime | None = None, **values: Any
) -> Session:
    """Change a scheduled session's place, times, capacity or staff present. More places
    promote people from the waiting list; fewer than are booked are refused. A new start time
    means a new reminder. Raises PermissionDenied, ValidationFailed, Conflict (cancelled, or
    `capacity_below_booked`)."""
    unknown = set(values) - {"place", "starts_at", "ends_at", "capacity", "staff_present"}
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    access_staff_work(actor, session.agency)
    now = now or timezone.now()
    promoted: list[SignUp] = []
    with transaction.atomic(durable=True):
        locked = _lock_session(session)
        if locked.status != SessionStatus.SCHEDULED:
            raise Conflict(
                f"This session is {locked.get_status_display().lower()}; it cannot be changed.",
                code=f"session_{locked.status}",
            )
        old = snapshot(locked, _SESSION_FIELDS)
        old_staff = sorted(locked.staff_present.values_list("pk", flat=True))
        errors: dict[str, list[str]] = {}
        place = _clean_place(errors, values.get("place", locked.place))
        capacity = _clean_capacity(errors, values.get("capacity", locked.capacity))
        start, end = locked.starts_at, locked.ends_at
        if "starts_at" in values or "ends_at" in values:
            start, end = _clean_times(
                errors,
                locked.community,
                values.get("starts_at", locked.starts_at),
                values.get("ends_at", locked.ends_at),
                now,
            )
        staff = (
            _clean_staff(errors, locked.agency, values["staff_present"])
            if "staff_present" in values
            else None
        )
        if errors:
            raise ValidationFailed("Please correct the session's details.", fields=errors)
        if capacity < locked.places_taken:
            raise Conflict(
                ngettext(
                    "%(n)d person is booked; the session needs at least that many places.",
                    "%(n)d people are booked; the session needs at least that many places.",
                    locked.places_taken,
                )
                % {"n": locked.places_taken},
                code="capacity_below_booked",
                fields={"capacity": [f"At least {locked.places_taken}."]},
            )
        if start != locked.starts_at:
            locked.reminded_at = None
        locked.place, locked.capacity, locked.starts_at, locked.ends_at = (
            place,
            capacity,
            start,
            end,
        )
        locked.save(update_fields=["place", "capacity", "starts_at", "ends_at", "reminded_at"])
        changes = diff(old, snapshot(locked, _SESSION_FIELDS))
        if staff is not None:
            locked.staff_present.set(staff)
            new_staff = sorted(p.pk for p in staff)
            if new_staff != old_staff:
                changes["staff_present"] = [old_staff, new_staff]
        promoted = _promote_waiting(locked, actor=actor, now=now)
        if changes:
            audit_record(
                actor=actor,
                action="session.update",
                subject=locked,
                community_id=locked.community_id,
                changes=changes,
            )
        if changes.keys() & {"starts_at", "ends_at", "place"}:
            for signup in _active_signups(locked).exclude(pk__in=[p.pk for p in promoted]):
                _notify(
                    signup.person,
                    session=locked,
                    kind="session_changed",
                    title=f"A session you signed up for has changed: {when_text(locked)}",
                    body=f"{locked.role.title} is now on {when_text(locked)} at {locked.place}.",
                )
    return locked


def session_cancel(*, actor: Actor, session: Session, reason: str = "") -> Session:
    """Call a session off and tell everyone booked or waiting. Raises PermissionDenied,
    ValidationFailed (reason too long), Conflict (already cancelled or its register confirmed)."""
    access_staff_work(actor, session.agency)
    reason = " ".join(str(reason or "").split())
    if len(reason) > 500:
        raise ValidationFailed(
            "The reason is too long.", fields={"reason": ["At most 500 characters."]}
        )
    with transaction.atomic(durable=True):
        locked = _lock_session(session)
        if locked.status != SessionStatus.SCHEDULED:
            raise Conflict(
                f"This session is already {locked.get_status_display().lower()}.",
                code=f"session_{locked.status}",
            )
        locked.status = SessionStatus.CANCELLED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="session.cancel",
            subject=locked,
            community_id=locked.community_id,
            note=reason,
            changes={"status": [SessionStatus.SCHEDULED, SessionStatus.CANCELLED]},
        )
        for signup in _active_signups(locked):
            _notify(
                signup.person,
                session=locked,
                kind="session_cancelled",
                title=f"Cancelled: {locked.role.title} on {when_text(locked)}",
                body=(
                    f"{locked.agency.name} has cancelled this session. "
                    + (f"Their note: {reason}" if reason else "There is nothing you need to do.")
                ),
            )
    return locked


# Sign-ups ------------------------------------------------------------------------------------


def _active_signups(session: Session) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(session=session)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("person")
    )


def _signer(actor: Actor, session: Session, person) -> Any:
    """Who is signed up: the actor, or a member that a coordinator or the agency's staff sign up."""
    community_access.access_community(actor, session.community)
    community_access.access_not_suspended(actor, session.community)
    person = person or actor
    if person.pk != actor.pk:
        access_staff_work(actor, session.agency)
    if community_access.membership_of(person, session.community) is None:
        raise NotFound("No such member.", code="not_a_member")
    community_access.access_not_suspended(person, session.community, viewer=actor)
    return person


def signup_create(
    *, actor: Actor, session: Session, person=None, now: dt.datetime | None = None
) -> SignUp:
    """Sign the person (default: the actor) up for the session: booked while places are left,
    otherwise on the waiting list (first come, first served). Raises NotFound, PermissionDenied
    (signing someone else up without being staff or a coordinator; `vetting_required` below the
    community's check level for group activities), ValidationFailed `not_eligible` (the role's
    own requirements, with the reasons), Conflict `already_signed_up`, `session_cancelled`,
    `session_started`."""
    person = _signer(actor, session, person)
    now = now or timezone.now()
    # The community's own check level for group activities is a rule of the community, refused
    # as such (403 `vetting_required`); the role's own requirements are the role's (`not_eligible`).
    community_reason = agency_selectors.community_check_refusal(person, session.role, viewer=actor)
    reasons = agency_selectors.eligibility(person, session.role, viewer=actor)
    if community_reason:
        raise PermissionDenied(
            community_reason, code="vetting_required", fields={"person": reasons}
        )
    if reasons:
        raise ValidationFailed(
            "You cannot sign up for this yet: " + " ".join(reasons),
            code="not_eligible",
            fields={"person": reasons},
        )
    with transaction.atomic(durable=True):
        locked = _lock_session(session)
        _check_open(locked, now)
        if (
            SignUp.objects.filter(session=locked, person=person)
            .exclude(status=SignUpStatus.CANCELLED)
            .exists()
        ):
            raise Conflict("Already signed up for this session.", code="already_signed_up")
        booked = locked.places_taken < locked.capacity
        signup = SignUp.objects.create(
            session=locked,
            person=person,
            created_at=now,
            status=SignUpStatus.BOOKED if booked else SignUpStatus.WAITING,
        )
        if booked:
            locked.places_taken += 1
            locked.save(update_fields=["places_taken"])
        audit_record(
            actor=actor,
            on_behalf_of=person,
            action="signup.create",
            subject=signup,
            community_id=locked.community_id,
            person_id=person.pk,
            changes={"session": [None, locked.pk], "status": [None, signup.status]},
        )
        if person.pk != actor.pk:
            _notify(
                person,
                session=locked,
                kind="session_signup",
                title=(
                    f"You are booked for {locked.role.title} on {when_text(locked)}"
                    if booked
                    else f"You are on the waiting list for {locked.role.title} on "
                    f"{when_text(locked)}"
                ),
                body=f"{actor.display_name} signed you up. If you cannot come, cancel your place "
                "from the page.",
            )
    signup.session = locked
    return signup


def _check_open(session: Session, now: dt.datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise Conflict("This session has been cancelled.", code="session_cancelled")
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        raise Conflict("This session has already started or is over.", code="session_started")


def signup_cancel(*, actor: Actor, signup: SignUp, now: dt.datetime | None = None) -> SignUp:
    """The person (or a coordinator, or the agency's staff) cancels a place or a place on the
    waiting list. A freed place goes to the first person waiting, who is told. Raises
    PermissionDenied, Conflict (`already_cancelled`, `session_started`)."""
    session = signup.session
    community_access.access_community(actor, session.community)
    if signup.person_id != actor.pk:
        access_staff_work(actor, session.agency)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = _lock_session(session)
        current = _lock(SignUp, signup.pk)
        if current.status == SignUpStatus.CANCELLED:
            raise Conflict("This place is already cancelled.", code="already_cancelled")
        _check_open(locked, now)
        old = current.status
        current.status, current.cancelled_at = SignUpStatus.CANCELLED, now
        current.save(update_fields=["status", "cancelled_at"])
        if old == SignUpStatus.BOOKED:
            locked.places_taken -= 1
            locked.save(update_fields=["places_taken"])
        audit_record(
            actor=actor,
            on_behalf_of=signup.person,
            action="signup.cancel",
            subject=current,
            community_id=locked.community_id,
            person_id=current.person_id,
            changes={"status": [old, SignUpStatus.CANCELLED]},
        )
        _promote_waiting(locked, actor=actor, now=now)
    current.session = locked
    return current


def _promote_waiting(locked: Session, *, actor: Actor, now: dt.datetime) -> list[SignUp]:
    """Fill free places from the waiting list, oldest first (the session row is locked)."""
    free = locked.capacity - locked.places_taken
    if free <= 0:
        return []
    waiting = list(
        SignUp.objects.filter(session=locked, status=SignUpStatus.WAITING)
        .select_related("person")
        .order_by("created_at", "pk")[:free]
    )
    for signup in waiting:
        signup.status, signup.promoted_at = SignUpStatus.BOOKED, now
        signup.save(update_fields=["status", "promoted_at"])
        audit_record(
            actor=actor,
            action="signup.promote",
            subject=signup,
            community_id=locked.community_id,
            person_id=signup.person_id,
            changes={"status": [SignUpStatus.WAITING, SignUpStatus.BOOKED]},
        )
        _notify(
            signup.person,
            session=locked,
            kind="session_promoted",
            title=f"A place came free: you are booked for {locked.role.title} on "
            f"{when_text(locked)}",
            body=f"You were first on the waiting list. See you at {locked.place}. If you cannot "
            "come now, cancel your place so the next person can have it.",
        )
    if waiting:
        locked.places_taken += len(waiting)
        locked.save(update_fields=["places_taken"])
    return waiting


# Reminders -----------------------------------------------------------------------------------


def sessions_remind(now: dt.datetime | None = None) -> int:
    """The periodic job: the day before (sessions starting 24 to 36 hours from now), tell each
    booked person, once a session. Returns how many sessions were reminded."""
    now = now or timezone.now()
    done = 0
    due = Session.objects.filter(
        status=SessionStatus.SCHEDULED,
        reminded_at__isnull=True,
        starts_at__gt=now + REMIND_FROM,
        starts_at__lte=now + REMIND_UNTIL,
    ).order_by("pk")
    for session_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic(durable=True):
            locked = _lock(Session, session_id)
            if (
                locked.status != SessionStatus.SCHEDULED
                or locked.reminded_at is not None
                or not now + REMIND_FROM < locked.starts_at <= now + REMIND_UNTIL
            ):
                continue
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            audit_record(
                actor=None,
                action="session.remind",
                subject=locked,
                community_id=locked.community_id,
                changes={"reminded_at": [None, now.isoformat()]},
            )
            for signup in SignUp.objects.filter(
                session=locked, status=SignUpStatus.BOOKED
            ).select_related("person"):
                _notify(
                    signup.person,
                    session=locked,
                    kind="session_reminder",
                    title=f"Tomorrow: {locked.role.title}, {when_text(locked)}",
                    body=f"At {locked.place} with {locked.agency.name}. If you cannot come, cancel "
                    "your place so someone on the waiting list can have it.",
                )
            done += 1
    return done
