"""Sessions of co-production roles and their sign-ups: the reads (lists, one session, who is
signed up and who is waiting, what a held session came to), and the words pages and notices use
for a session's time and a series' repeat rule. The writes are in services/sessions.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.errors import NotFound

from ..access import can_do_staff_work
from ..models import (
    AgencyMembership,
    Attendance,
    CoproductionRole,
    RoleStatus,
    Session,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from . import agencies as agency_selectors


def session_path(session: Session) -> str:
    return f"/c/{session.community.slug}/sessions/{session.pk}/"


def when_text(session: Session) -> str:
    """ "Tuesday 3 March, 10:00 to 12:00" in the community's time."""
    tz = communities_selectors.community_zone(session.community)
    start, end = timezone.localtime(session.starts_at, tz), timezone.localtime(session.ends_at, tz)
    return f"{start:%A} {start.day} {start:%B}, {start:%H:%M} to {end:%H:%M}"


def starts_text(session: Session) -> str:
    """ "Tuesday 3 March 2026, 10:00" in the community's time."""
    start = timezone.localtime(
        session.starts_at, communities_selectors.community_zone(session.community)
    )
    return f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}"


# Recurrence in words ---------------------------------------------------------------------------


WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def rrule_describe(rule: str) -> str:
    """Plain words for the common rules ("Every Tuesday, 12 times"); the rule itself otherwise."""
    parts = _rrule_parts(rule)
    freq, interval = parts.get("FREQ"), parts.get("INTERVAL", "1")
    days = [
        WEEKDAY_NAMES[WEEKDAYS.index(d)] for d in parts.get("BYDAY", "").split(",") if d in WEEKDAYS
    ]
    times = (
        f"{parts['COUNT']} times" if "COUNT" in parts else "until " + parts.get("UNTIL", "?")[:8]
    )
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


def _rrule_parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rule.split(";"):
        key, _, value = item.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    return parts


# Sessions ------------------------------------------------------------------------------------


def sessions_list(
    community,
    *,
    agency=None,
    role=None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    include_cancelled: bool = True,
    status: str | None = None,
    series=None,
) -> QuerySet[Session]:
    """Sessions of the community in time order, with their agency and role (of one series, when
    `series` is given)."""
    qs = Session.objects.filter(community=community).select_related(
        "agency", "role", "role__community", "community", "series"
    )
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
    if series is not None:
        qs = qs.filter(series=series)
    return qs.order_by("starts_at", "pk")


def sessions_upcoming(
    community, *, agency=None, role=None, now: dt.datetime | None = None
) -> list[Session]:
    return list(
        sessions_list(community, agency=agency, role=role, start=now or timezone.now())[:200]
    )


def _held_unregistered(now: dt.datetime | None) -> Q:
    """Sessions that have started, are not cancelled and have no confirmed register yet."""
    return Q(status=SessionStatus.SCHEDULED, starts_at__lte=now or timezone.now())


def sessions_to_register(
    agency, *, now: dt.datetime | None = None, limit: int = 50
) -> list[Session]:
    """The agency's sessions still waiting for their register, most recent first: what its staff
    still have to fill in."""
    return list(
        Session.objects.filter(_held_unregistered(now), agency=agency)
        .select_related("agency", "role", "community")
        .order_by("-starts_at", "-pk")[:limit]
    )


def registers_waiting(agency, *, now: dt.datetime | None = None) -> int:
    """How many of the agency's sessions have taken place without a confirmed register."""
    return Session.objects.filter(_held_unregistered(now), agency=agency).count()


def registers_waiting_in(community, *, now: dt.datetime | None = None) -> int:
    """The same across all the community's agencies (one query): the coordinators' view."""
    return Session.objects.filter(_held_unregistered(now), community=community).count()


def sessions_registered(agency, *, limit: int = 10) -> list[Session]:
    """The agency's sessions with a confirmed register, the latest first."""
    return list(
        Session.objects.filter(agency=agency, status=SessionStatus.REGISTERED)
        .select_related("agency", "role", "community")
        .order_by("-starts_at", "-pk")[:limit]
    )


def session_get(community, session_id: int) -> Session:
    """A session of the community. Raises NotFound."""
    found = (
        Session.objects.select_related("agency", "role", "community", "series")
        .filter(community=community, pk=session_id)
        .first()
    )
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
    came = list(
        Attendance.objects.filter(session=session, attended=True)
        .select_related("person")
        .order_by("role", "person__full_name", "pk")
    )  # "citizen" sorts before "staff"
    transfer = session.transfer if session.transfer_id is not None else None
    if transfer is None:
        return SessionOutcome(came=came)
    credited = transfer.postings.filter(amount_minutes__gt=0).aggregate(
        total=Sum("amount_minutes")
    )["total"]
    return SessionOutcome(came=came, credited_minutes=credited or 0, transfer=transfer)


# Sign-ups ------------------------------------------------------------------------------------


def eligibility_reasons(person, role: CoproductionRole) -> list[str]:
    """Why the person may not take on the role yet (empty: they may): the agencies part's rule
    (check level, training, age)."""
    return agency_selectors.eligibility(person, role)


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
    return (
        SignUp.objects.filter(session=session, person=person)
        .exclude(status=SignUpStatus.CANCELLED)
        .first()
    )


def signups_of_person(sessions: Iterable[Session], person) -> dict[int, SignUp]:
    """{session id: the person's current sign-up} for a page of sessions (one query), each with
    the number of people waiting ahead of it (for `waiting_position`)."""
    ids = [s.pk for s in sessions]
    ahead = (
        SignUp.objects.filter(session_id=OuterRef("session_id"), status=SignUpStatus.WAITING)
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    found = (
        SignUp.objects.filter(session_id__in=ids, person=person)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("person")
        .annotate(waiting_ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)))
    )
    return {s.session_id: s for s in found}


def signup_get(session: Session, signup_id: int) -> SignUp:
    found = (
        SignUp.objects.select_related("person", "session")
        .filter(session=session, pk=signup_id)
        .first()
    )
    if found is None:
        raise NotFound("No such sign-up.")
    found.session = session
    return found


def signups_for(viewer, session: Session) -> list[SignUp]:
    """The sign-ups the viewer may see: all of them for the agency's staff and coordinators,
    otherwise only their own."""
    qs = (
        SignUp.objects.filter(session=session).select_related("person").order_by("created_at", "pk")
    )
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
    return (
        SignUp.objects.filter(session_id=signup.session_id, status=SignUpStatus.WAITING)
        .filter(
            Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
        )
        .count()
        + 1
    )


def my_signups(
    community, person, *, now: dt.datetime | None = None, past: bool = False
) -> list[SignUp]:
    """The person's current sign-ups in the community, upcoming ones (or past ones) in time
    order."""
    now = now or timezone.now()
    qs = (
        SignUp.objects.filter(session__community=community, person=person)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("session", "session__agency", "session__role", "session__community")
    )
    if past:
        return list(
            qs.filter(session__starts_at__lt=now).order_by("-session__starts_at", "-pk")[:100]
        )
    return list(qs.filter(session__starts_at__gte=now).order_by("session__starts_at", "pk"))


def booked_sessions_of(community, person, *, since: dt.datetime) -> list[Session]:
    """Sessions the person is booked on (for their calendar), cancelled sessions included."""
    return list(
        Session.objects.filter(
            community=community,
            starts_at__gte=since,
            signups__person=person,
            signups__status=SignUpStatus.BOOKED,
        )
        .select_related("agency", "role", "community")
        .order_by("starts_at", "pk")
        .distinct()[:500]
    )


def published_roles_of(agency) -> QuerySet[CoproductionRole]:
    """The roles sessions can be added to."""
    return CoproductionRole.objects.filter(agency=agency, status=RoleStatus.PUBLISHED).order_by(
        "title", "pk"
    )


def has_published_roles(agency) -> bool:
    """Whether sessions can be added to the agency (it has a published role)."""
    return published_roles_of(agency).exists()


def series_sessions_count(series) -> int:
    """How many sessions a series has."""
    return Session.objects.filter(series=series).count()


def staff_people_of(agency) -> QuerySet:
    """The people currently on the agency's staff (who may be named as present)."""
    return (
        get_user_model()
        .objects.filter(
            pk__in=AgencyMembership.objects.filter(agency=agency, ended_at__isnull=True).values(
                "person_id"
            )
        )
        .order_by("full_name", "pk")
    )


def staff_present_of(found: Iterable[Session]) -> dict[int, list]:
    """{session id: the staff present} for a page of sessions (one query)."""
    through = Session.staff_present.through
    ids = [s.pk for s in found]
    rows = (
        through.objects.filter(session_id__in=ids)
        .select_related("person")
        .order_by("person__full_name", "pk")
    )
    result: dict[int, list] = {}
    for row in rows:
        result.setdefault(row.session_id, []).append(row.person)
    return result
