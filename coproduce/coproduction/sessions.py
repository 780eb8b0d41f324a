"""Sessions of co-production roles: making them (one at a time or as a recurring series from an
RFC 5545 RRULE), changing and cancelling them, signing up with a first-come-first-served waiting
list, and the reminder the day before.

Services first (every write: atomic, audited, refusals change nothing), selectors after.

Places are counted on the session row: `places_taken` is the number of booked sign-ups and is
changed only while the session row is locked (`select_for_update`), so two people taking the last
place at once get one booking and one place on the waiting list, never an overbooked session
(the database refuses `places_taken > capacity` too)."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dateutil import rrule as dateutil_rrule
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import ngettext

from coproduce.communities import access as community_access
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.notifications import services as notifications

from . import agencies
from .access import access_staff_work, can_do_staff_work, is_staff_of
from .models import (
    AgencyMembership,
    Attendance,
    CoproductionRole,
    RoleStatus,
    Session,
    SessionSeries,
    SessionStatus,
    SignUp,
    SignUpStatus,
)

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


def community_tz(community) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(community.timezone)


def session_path(session: Session) -> str:
    return f"/c/{session.community.slug}/sessions/{session.pk}/"


def _aware(value: Any, community, errors: dict[str, list[str]], name: str) -> dt.datetime:
    """A datetime; naive ones are read as the community's local time. Anything else is noted in
    `errors` (and a stand-in returned, never stored because the caller raises)."""
    if not isinstance(value, dt.datetime):
        errors[name] = ["Give a date and a time."]
        return timezone.now()
    if timezone.is_naive(value):
        return value.replace(tzinfo=community_tz(community))
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


def _clean_times(errors: dict[str, list[str]], community, starts_at: Any, ends_at: Any,
                 now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
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
        raise ValidationFailed("Sessions can only be added to a published role; publish the role first.",
                               code="role_not_published", fields={"role": ["This role is not published."]})


def _clean_staff(errors: dict[str, list[str]], agency, staff_present: Iterable | None) -> list:
    people = list(staff_present or [])
    strangers = [p for p in people if not is_staff_of(p, agency)]
    if strangers:
        errors["staff_present"] = [f"{p.display_name} is not on {agency.name}'s staff." for p in strangers]
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
        notifications.notify(person=person, kind=kind, title=title, body=body, url=session_path(session),
                             community=session.community)


def when_text(session: Session) -> str:
    """"Tuesday 3 March, 10:00 to 12:00" in the community's time."""
    tz = community_tz(session.community)
    start, end = timezone.localtime(session.starts_at, tz), timezone.localtime(session.ends_at, tz)
    return f"{start:%A} {start.day} {start:%B}, {start:%H:%M} to {end:%H:%M}"


def starts_text(session: Session) -> str:
    """"Tuesday 3 March 2026, 10:00" in the community's time."""
    start = timezone.localtime(session.starts_at, community_tz(session.community))
    return f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}"


# Recurrence ----------------------------------------------------------------------------------

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


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


def rrule_describe(rule: str) -> str:
    """Plain words for the common rules ("Every Tuesday, 12 times"); the rule itself otherwise."""
    parts = _rrule_parts(rule)
    freq, interval = parts.get("FREQ"), parts.get("INTERVAL", "1")
    days = [WEEKDAY_NAMES[WEEKDAYS.index(d)] for d in parts.get("BYDAY", "").split(",") if d in WEEKDAYS]
    times = f"{parts['COUNT']} times" if "COUNT" in parts else "until " + parts.get("UNTIL", "?")[:8]
    extra = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL"}
    if extra or len(days) > 1 and freq != "WEEKLY":
        return rule
    if freq == "WEEKLY" and interval in ("1", "2"):
        every = "Every" if interval == "1" else "Every other"
        return f"{every} {' and '.join(days) or 'week'}, {times}"
    if freq == "MONTHLY" and interval == "1" and not days:
        return f"Every month, {times}"
    if freq == "DAILY" and interval == "1":
        return f"Every day, {times}"
    return rule


def rrule_with_count(rule: str, count: int | None) -> str:
    """The rule written on the form, ended by the form's "How many sessions" when the rule says
    nothing of its end. Raises ValidationFailed (`count_disagrees`) when the rule ends otherwise
    than the count says (another COUNT, or an UNTIL date)."""
    text = (rule or "").strip()
    if count is None or not text:
        return text
    parts = _rrule_parts(text[6:] if text.upper().startswith("RRULE:") else text)
    if "COUNT" in parts and parts["COUNT"] != str(count):
        message = (f"The repeat rule says COUNT={parts['COUNT']} but “How many sessions” says {count}. "
                   "Make them the same, or empty “How many sessions”.")
    elif "UNTIL" in parts:
        message = ("The repeat rule ends on a date (UNTIL), so empty “How many sessions”, "
                   "or take UNTIL out of the rule.")
    elif "COUNT" in parts:
        return text
    else:
        return f"{text.rstrip(';')};COUNT={count}"
    raise ValidationFailed(message, code="count_disagrees", fields={"count": [message]})


def _rrule_parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rule.split(";"):
        key, _, value = item.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def rrule_occurrences(rule: Any, first_start: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[dt.datetime]:
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
        raise bad("A series repeats daily, weekly, monthly or yearly (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY).")
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise bad(f"Say when the series ends: COUNT (at most {MAX_OCCURRENCES}) or UNTIL a date within a year.")
    local_start = timezone.localtime(first_start, tz).replace(tzinfo=None)
    try:
        # Expanded in local wall-clock time, then given the zone: 10:00 stays 10:00 in summer.
        parsed = dateutil_rrule.rrulestr(text, dtstart=local_start, ignoretz=True)
        starts = list(itertools.islice(iter(parsed), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise bad(f"This is not a repeat rule we can read ({exc}). Example: FREQ=WEEKLY;BYDAY=TU;COUNT=12.") from None
    if not starts:
        raise bad("This rule gives no sessions at all; check the days and the end.")
    if len(starts) > MAX_OCCURRENCES:
        raise bad(f"A series has at most {MAX_OCCURRENCES} sessions; make a new series for later ones.")
    aware = [start.replace(tzinfo=tz) for start in starts]
    if aware[-1] - first_start > SERIES_HORIZON:
        raise bad("A series reaches at most a year ahead; make a new series for later sessions.")
    return aware


# Services: sessions --------------------------------------------------------------------------


def session_create(*, actor, role: CoproductionRole, place: str, starts_at: dt.datetime, ends_at: dt.datetime,
                   capacity: int, staff_present: Iterable | None = None, now: dt.datetime | None = None) -> Session:
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
        session = Session.objects.create(community=role.community, agency=agency, role=role, place=place,
                                         starts_at=start, ends_at=end, capacity=capacity, created_at=now)
        session.staff_present.set(staff)
        audit_record(actor=actor, action="session.create", subject=session, community_id=role.community_id,
                     changes={**{k: [None, v] for k, v in snapshot(session, _SESSION_FIELDS).items()},
                              "role": [None, role.pk], "staff_present": [None, sorted(p.pk for p in staff)]})
    return session


def series_create(*, actor, role: CoproductionRole, rrule: str, first_start: dt.datetime, duration_minutes: int,
                  place: str, capacity: int, staff_present: Iterable | None = None,
                  now: dt.datetime | None = None) -> SessionSeries:
    """A recurring session: the RRULE is read with dateutil and each occurrence stored as a
    Session of the series. Raises like `session_create`, and ValidationFailed `bad_rrule` for a
    rule that cannot be read, has no COUNT or UNTIL, gives more than 52 sessions or reaches
    beyond a year."""
    agency = role.agency
    access_staff_work(actor, agency)
    _check_role(role)
    now = now or timezone.now()
    tz = community_tz(role.community)
    errors: dict[str, list[str]] = {}
    place = _clean_place(errors, place)
    capacity = _clean_capacity(errors, capacity)
    staff = _clean_staff(errors, agency, staff_present)
    start = _aware(first_start, role.community, errors, "first_start")
    if "first_start" not in errors and start <= now:
        errors["first_start"] = ["The first session is in the past; choose a time still to come."]
    if isinstance(duration_minutes, bool) or not isinstance(duration_minutes, int) \
            or not 1 <= duration_minutes <= MAX_SESSION_MINUTES:
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
        series = SessionSeries.objects.create(role=role, rrule=text, first_start=start, duration_minutes=duration_minutes,
                                              place=place, capacity=capacity, created_by=actor, created_at=now)
        sessions = Session.objects.bulk_create([
            Session(community=role.community, agency=agency, role=role, series=series, place=place, starts_at=s,
                    ends_at=s + length, capacity=capacity, created_at=now)
            for s in starts
        ])
        if staff:
            Through = Session.staff_present.through
            Through.objects.bulk_create([Through(session_id=s.pk, person_id=p.pk) for s in sessions for p in staff])
        audit_record(actor=actor, action="session.series_create", subject=series, community_id=role.community_id,
                     changes={"rrule": [None, text], "first_start": [None, start.isoformat()],
                              "duration_minutes": [None, duration_minutes], "place": [None, place],
                              "capacity": [None, capacity], "sessions": [None, len(starts)],
                              "staff_present": [None, sorted(p.pk for p in staff)]})
    return series


def session_update(*, actor, session: Session, now: dt.datetime | None = None, **values: Any) -> Session:
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
            raise Conflict(f"This session is {locked.get_status_display().lower()}; it cannot be changed.",
                           code=f"session_{locked.status}")
        old = snapshot(locked, _SESSION_FIELDS)
        old_staff = sorted(locked.staff_present.values_list("pk", flat=True))
        errors: dict[str, list[str]] = {}
        place = _clean_place(errors, values.get("place", locked.place))
        capacity = _clean_capacity(errors, values.get("capacity", locked.capacity))
        start, end = locked.starts_at, locked.ends_at
        if "starts_at" in values or "ends_at" in values:
            start, end = _clean_times(errors, locked.community, values.get("starts_at", locked.starts_at),
                                      values.get("ends_at", locked.ends_at), now)
        staff = _clean_staff(errors, locked.agency, values["staff_present"]) if "staff_present" in values else None
        if errors:
            raise ValidationFailed("Please correct the session's details.", fields=errors)
        if capacity < locked.places_taken:
            raise Conflict(ngettext("%(n)d person is booked; the session needs at least that many places.",
                                    "%(n)d people are booked; the session needs at least that many places.",
                                    locked.places_taken) % {"n": locked.places_taken},
                           code="capacity_below_booked", fields={"capacity": [f"At least {locked.places_taken}."]})
        if start != locked.starts_at:
            locked.reminded_at = None
        locked.place, locked.capacity, locked.starts_at, locked.ends_at = place, capacity, start, end
        locked.save(update_fields=["place", "capacity", "starts_at", "ends_at", "reminded_at"])
        changes = diff(old, snapshot(locked, _SESSION_FIELDS))
        if staff is not None:
            locked.staff_present.set(staff)
            new_staff = sorted(p.pk for p in staff)
            if new_staff != old_staff:
                changes["staff_present"] = [old_staff, new_staff]
        promoted = _promote_waiting(locked, actor=actor, now=now)
        if changes:
            audit_record(actor=actor, action="session.update", subject=locked, community_id=locked.community_id,
                         changes=changes)
        if changes.keys() & {"starts_at", "ends_at", "place"}:
            for signup in _active_signups(locked).exclude(pk__in=[p.pk for p in promoted]):
                _notify(signup.person, session=locked, kind="session_changed",
                        title=f"A session you signed up for has changed: {when_text(locked)}",
                        body=f"{locked.role.title} is now on {when_text(locked)} at {locked.place}.")
    return locked


def session_cancel(*, actor, session: Session, reason: str = "") -> Session:
    """Call a session off and tell everyone booked or waiting. Raises PermissionDenied,
    ValidationFailed (reason too long), Conflict (already cancelled or its register confirmed)."""
    access_staff_work(actor, session.agency)
    reason = " ".join(str(reason or "").split())
    if len(reason) > 500:
        raise ValidationFailed("The reason is too long.", fields={"reason": ["At most 500 characters."]})
    with transaction.atomic(durable=True):
        locked = _lock_session(session)
        if locked.status != SessionStatus.SCHEDULED:
            raise Conflict(f"This session is already {locked.get_status_display().lower()}.",
                           code=f"session_{locked.status}")
        locked.status = SessionStatus.CANCELLED
        locked.save(update_fields=["status"])
        audit_record(actor=actor, action="session.cancel", subject=locked, community_id=locked.community_id,
                     note=reason, changes={"status": [SessionStatus.SCHEDULED, SessionStatus.CANCELLED]})
        for signup in _active_signups(locked):
            _notify(signup.person, session=locked, kind="session_cancelled",
                    title=f"Cancelled: {locked.role.title} on {when_text(locked)}",
                    body=(f"{locked.agency.name} has cancelled this session. " + (f"Their note: {reason}" if reason
                          else "There is nothing you need to do.")))
    return locked


# Services: sign-ups --------------------------------------------------------------------------


def _active_signups(session: Session) -> QuerySet[SignUp]:
    return SignUp.objects.filter(session=session).exclude(status=SignUpStatus.CANCELLED).select_related("person")


def eligibility_reasons(person, role: CoproductionRole) -> list[str]:
    """Why the person may not take on the role yet (empty: they may): the agencies part's rule
    (check level, training, age)."""
    return agencies.eligibility(person, role)


def _signer(actor, session: Session, person) -> Any:
    """Who is signed up: the actor, or a member that a coordinator or the agency's staff sign up."""
    community_access.access_community(actor, session.community)
    person = person or actor
    if person.pk != actor.pk:
        access_staff_work(actor, session.agency)
    if community_access.membership_of(person, session.community) is None:
        raise NotFound("No such member.", code="not_a_member")
    return person


def signup_create(*, actor, session: Session, person=None, now: dt.datetime | None = None) -> SignUp:
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
    community_reason = agencies.community_check_refusal(person, session.role, viewer=actor)
    reasons = agencies.eligibility(person, session.role, viewer=actor)
    if community_reason:
        raise PermissionDenied(community_reason, code="vetting_required", fields={"person": reasons})
    if reasons:
        raise ValidationFailed("You cannot sign up for this yet: " + " ".join(reasons), code="not_eligible",
                               fields={"person": reasons})
    with transaction.atomic(durable=True):
        locked = _lock_session(session)
        _check_open(locked, now)
        if SignUp.objects.filter(session=locked, person=person).exclude(status=SignUpStatus.CANCELLED).exists():
            raise Conflict("Already signed up for this session.", code="already_signed_up")
        booked = locked.places_taken < locked.capacity
        signup = SignUp.objects.create(session=locked, person=person, created_at=now,
                                       status=SignUpStatus.BOOKED if booked else SignUpStatus.WAITING)
        if booked:
            locked.places_taken += 1
            locked.save(update_fields=["places_taken"])
        audit_record(actor=actor, on_behalf_of=person, action="signup.create", subject=signup,
                     community_id=locked.community_id, person_id=person.pk,
                     changes={"session": [None, locked.pk], "status": [None, signup.status]})
        if person.pk != actor.pk:
            _notify(person, session=locked, kind="session_signup",
                    title=(f"You are booked for {locked.role.title} on {when_text(locked)}" if booked else
                           f"You are on the waiting list for {locked.role.title} on {when_text(locked)}"),
                    body=f"{actor.display_name} signed you up. If you cannot come, cancel your place from the page.")
    signup.session = locked
    return signup


def _check_open(session: Session, now: dt.datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise Conflict("This session has been cancelled.", code="session_cancelled")
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        raise Conflict("This session has already started or is over.", code="session_started")


def signup_cancel(*, actor, signup: SignUp, now: dt.datetime | None = None) -> SignUp:
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
        audit_record(actor=actor, on_behalf_of=signup.person, action="signup.cancel", subject=current,
                     community_id=locked.community_id, person_id=current.person_id,
                     changes={"status": [old, SignUpStatus.CANCELLED]})
        _promote_waiting(locked, actor=actor, now=now)
    current.session = locked
    return current


def _promote_waiting(locked: Session, *, actor, now: dt.datetime) -> list[SignUp]:
    """Fill free places from the waiting list, oldest first (the session row is locked)."""
    free = locked.capacity - locked.places_taken
    if free <= 0:
        return []
    waiting = list(SignUp.objects.filter(session=locked, status=SignUpStatus.WAITING)
                   .select_related("person").order_by("created_at", "pk")[:free])
    for signup in waiting:
        signup.status, signup.promoted_at = SignUpStatus.BOOKED, now
        signup.save(update_fields=["status", "promoted_at"])
        audit_record(actor=actor, action="signup.promote", subject=signup, community_id=locked.community_id,
                     person_id=signup.person_id, changes={"status": [SignUpStatus.WAITING, SignUpStatus.BOOKED]})
        _notify(signup.person, session=locked, kind="session_promoted",
                title=f"A place came free: you are booked for {locked.role.title} on {when_text(locked)}",
                body=f"You were first on the waiting list. See you at {locked.place}. If you cannot come now, "
                     "cancel your place so the next person can have it.")
    if waiting:
        locked.places_taken += len(waiting)
        locked.save(update_fields=["places_taken"])
    return waiting


# Services: reminders -------------------------------------------------------------------------


def sessions_remind(now: dt.datetime | None = None) -> int:
    """The periodic job: the day before (sessions starting 24 to 36 hours from now), tell each
    booked person, once a session. Returns how many sessions were reminded."""
    now = now or timezone.now()
    done = 0
    due = Session.objects.filter(status=SessionStatus.SCHEDULED, reminded_at__isnull=True,
                                 starts_at__gt=now + REMIND_FROM, starts_at__lte=now + REMIND_UNTIL).order_by("pk")
    for session_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic(durable=True):
            locked = _lock(Session, session_id)
            if (locked.status != SessionStatus.SCHEDULED or locked.reminded_at is not None
                    or not now + REMIND_FROM < locked.starts_at <= now + REMIND_UNTIL):
                continue
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            audit_record(actor=None, action="session.remind", subject=locked, community_id=locked.community_id,
                         changes={"reminded_at": [None, now.isoformat()]})
            for signup in SignUp.objects.filter(session=locked, status=SignUpStatus.BOOKED).select_related("person"):
                _notify(signup.person, session=locked, kind="session_reminder",
                        title=f"Tomorrow: {locked.role.title}, {when_text(locked)}",
                        body=f"At {locked.place} with {locked.agency.name}. If you cannot come, cancel your place "
                             "so someone on the waiting list can have it.")
            done += 1
    return done


# Selectors -----------------------------------------------------------------------------------


def sessions_list(community, *, agency=None, role=None, start: dt.datetime | None = None,
                  end: dt.datetime | None = None, include_cancelled: bool = True,
                  status: str | None = None) -> QuerySet[Session]:
    """Sessions of the community in time order, with their agency and role."""
    qs = Session.objects.filter(community=community).select_related(
        "agency", "role", "role__community", "community", "series")
    if agency is not None:
        qs = qs.filter(agency=agency)
    if role is not None:
        qs = qs.filter(role=role)
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    if not include_cancelled:
        qs = qs.exclude(status=SessionStatus.CANCELLED)
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("starts_at", "pk")


def sessions_upcoming(community, *, agency=None, role=None, now: dt.datetime | None = None) -> list[Session]:
    return list(sessions_list(community, agency=agency, role=role, start=now or timezone.now())[:200])


def _held_unregistered(now: dt.datetime | None) -> Q:
    """Sessions that have started, are not cancelled and have no confirmed register yet."""
    return Q(status=SessionStatus.SCHEDULED, starts_at__lte=now or timezone.now())


def sessions_to_register(agency, *, now: dt.datetime | None = None, limit: int = 50) -> list[Session]:
    """The agency's sessions still waiting for their register, most recent first: what its staff
    still have to fill in."""
    return list(Session.objects.filter(_held_unregistered(now), agency=agency)
                .select_related("agency", "role", "community").order_by("-starts_at", "-pk")[:limit])


def registers_waiting(agency, *, now: dt.datetime | None = None) -> int:
    """How many of the agency's sessions have taken place without a confirmed register."""
    return Session.objects.filter(_held_unregistered(now), agency=agency).count()


def registers_waiting_in(community, *, now: dt.datetime | None = None) -> int:
    """The same across all the community's agencies (one query): the coordinators' view."""
    return Session.objects.filter(_held_unregistered(now), community=community).count()


def sessions_registered(agency, *, limit: int = 10) -> list[Session]:
    """The agency's sessions with a confirmed register, the latest first."""
    return list(Session.objects.filter(agency=agency, status=SessionStatus.REGISTERED)
                .select_related("agency", "role", "community").order_by("-starts_at", "-pk")[:limit])


def session_get(community, session_id: int) -> Session:
    """A session of the community. Raises NotFound."""
    found = Session.objects.select_related("agency", "role", "community", "series").filter(
        community=community, pk=session_id).first()
    if found is None:
        raise NotFound("No such session.")
    return found


def session_started(session: Session, now: dt.datetime | None = None) -> bool:
    """Whether the session's start time has come (its register can be filled in from then)."""
    return session.starts_at <= (now or timezone.now())


@dataclass
class SessionOutcome:
    """What happened at a session, from its confirmed register: who came (members and staff),
    and the hours its transfer credited (0 and None when nobody was credited)."""

    came: list[Attendance] = field(default_factory=list)
    credited_minutes: int = 0
    transfer: Any = None


def session_outcome(session: Session) -> SessionOutcome:
    """Who came to a session, members first, and what its register's transfer credited. Two
    queries, three when something was credited."""
    came = list(Attendance.objects.filter(session=session, attended=True).select_related("person")
                .order_by("role", "person__full_name", "pk"))  # "citizen" sorts before "staff"
    transfer = session.transfer if session.transfer_id is not None else None
    if transfer is None:
        return SessionOutcome(came=came)
    credited = transfer.postings.filter(amount_minutes__gt=0).aggregate(total=Sum("amount_minutes"))["total"]
    return SessionOutcome(came=came, credited_minutes=credited or 0, transfer=transfer)


def eligibility_by_role(person, roles: Iterable[CoproductionRole]) -> dict[int, list[str]]:
    """{role id: why the person may not take the role on yet}, worked out once per distinct role
    (a page of sessions has many sessions of few roles)."""
    found: dict[int, list[str]] = {}
    for role in roles:
        if role.pk not in found:
            found[role.pk] = eligibility_reasons(person, role)
    return found


def signup_of(session: Session, person) -> SignUp | None:
    """The person's current (not cancelled) sign-up for the session."""
    return SignUp.objects.filter(session=session, person=person).exclude(status=SignUpStatus.CANCELLED).first()


def signups_of_person(sessions: Iterable[Session], person) -> dict[int, SignUp]:
    """{session id: the person's current sign-up} for a page of sessions (one query), each with
    the number of people waiting ahead of it (for `waiting_position`)."""
    ids = [s.pk for s in sessions]
    ahead = (SignUp.objects.filter(session_id=OuterRef("session_id"), status=SignUpStatus.WAITING)
             .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
             .order_by().values("session_id").annotate(n=Count("pk")).values("n"))
    found = (SignUp.objects.filter(session_id__in=ids, person=person).exclude(status=SignUpStatus.CANCELLED)
             .select_related("person")
             .annotate(waiting_ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0))))
    return {s.session_id: s for s in found}


def signup_get(session: Session, signup_id: int) -> SignUp:
    found = SignUp.objects.select_related("person", "session").filter(session=session, pk=signup_id).first()
    if found is None:
        raise NotFound("No such sign-up.")
    found.session = session
    return found


def signups_for(viewer, session: Session) -> list[SignUp]:
    """The sign-ups the viewer may see: all of them for the agency's staff and coordinators,
    otherwise only their own."""
    qs = SignUp.objects.filter(session=session).select_related("person").order_by("created_at", "pk")
    if not may_run(viewer, session):
        qs = qs.filter(person_id=viewer.pk)
    return list(qs)


def may_run(viewer, session: Session) -> bool:
    """Whether the viewer is the agency's staff or a coordinator (for the buttons)."""
    return can_do_staff_work(viewer, session.agency)


def waiting_position(signup: SignUp) -> int | None:
    """1 for the first person waiting, and so on."""
    if signup.status != SignUpStatus.WAITING:
        return None
    ahead = getattr(signup, "waiting_ahead", None)  # annotated by signups_of_person
    if ahead is not None:
        return ahead + 1
    return SignUp.objects.filter(session_id=signup.session_id, status=SignUpStatus.WAITING).filter(
        Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)).count() + 1


def my_signups(community, person, *, now: dt.datetime | None = None, past: bool = False) -> list[SignUp]:
    """The person's current sign-ups in the community, upcoming ones (or past ones) in time order."""
    now = now or timezone.now()
    qs = (SignUp.objects.filter(session__community=community, person=person)
          .exclude(status=SignUpStatus.CANCELLED)
          .select_related("session", "session__agency", "session__role", "session__community"))
    if past:
        return list(qs.filter(session__starts_at__lt=now).order_by("-session__starts_at", "-pk")[:100])
    return list(qs.filter(session__starts_at__gte=now).order_by("session__starts_at", "pk"))


def booked_sessions_of(community, person, *, since: dt.datetime) -> list[Session]:
    """Sessions the person is booked on (for their calendar), cancelled sessions included."""
    return list(Session.objects.filter(community=community, starts_at__gte=since, signups__person=person,
                                       signups__status=SignUpStatus.BOOKED)
                .select_related("agency", "role", "community").order_by("starts_at", "pk").distinct()[:500])


def published_roles_of(agency) -> QuerySet[CoproductionRole]:
    """The roles sessions can be added to."""
    return CoproductionRole.objects.filter(agency=agency, status=RoleStatus.PUBLISHED).order_by("title", "pk")


def staff_people_of(agency) -> QuerySet:
    """The people currently on the agency's staff (who may be named as present)."""
    return get_user_model().objects.filter(
        pk__in=AgencyMembership.objects.filter(agency=agency, ended_at__isnull=True).values("person_id")
    ).order_by("full_name", "pk")


def staff_present_of(found: Iterable[Session]) -> dict[int, list]:
    """{session id: the staff present} for a page of sessions (one query)."""
    through = Session.staff_present.through
    ids = [s.pk for s in found]
    rows = through.objects.filter(session_id__in=ids).select_related("person").order_by("person__full_name", "pk")
    result: dict[int, list] = {}
    for row in rows:
        result.setdefault(row.session_id, []).append(row.person)
    return result
