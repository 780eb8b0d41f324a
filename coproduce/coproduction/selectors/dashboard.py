"""The agency dashboard: what co-production at one agency came to over a period, by month.

Selectors only, five queries however long the period (tests count them):
1. the confirmed registers' attendance lines in the period (citizens and staff);
2. the confirmed sessions in the period with the credits their transfers paid out;
3. who of the period's members had attended here before it (new or returning);
4. the agency's referrals made in the period, by outcome;
5. redemptions at spend partners in the period by the people who earned credits here in it.

The last is an approximation, said so on the page: credits are not earmarked, so a member who
earned here and spent at the leisure centre may have spent credits earned elsewhere.

`staff_home` reads what waits for a member of staff on their home page, across all their
agencies, in four queries however many agencies and sessions there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.errors import ValidationFailed

from ..models import (
    Agency,
    AgencyMembership,
    Attendance,
    AttendanceRole,
    Redemption,
    Referral,
    ReferralStatus,
    Session,
    SessionStatus,
)
from .sessions import _held_unregistered, registers_waiting_in

MAX_MONTHS = 60
REFERRAL_STALE_DAYS = 7  # a referral nobody has contacted after a week is flagged to coordinators


@dataclass(frozen=True)
class Period:
    first: dt.date  # first day shown
    last: dt.date  # last day shown
    start: dt.datetime  # aware, inclusive
    end: dt.datetime  # aware, exclusive
    months: list[tuple[int, int]]  # (year, month) in order


def period_for(community, *, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The period to show: by default the last 12 months (this month and the 11 before it).
    Raises ValidationFailed (end before start, more than five years)."""
    tz = communities_selectors.community_zone(community)
    today = timezone.localtime(timezone.now(), tz).date()
    last = end or today
    if start is None:
        year, month = last.year, last.month - 11
        while month < 1:
            year, month = year - 1, month + 12
        start = dt.date(year, month, 1)
    if start > last:
        raise ValidationFailed(
            "The end must be on or after the start.", fields={"end": ["Before the start."]}
        )
    months: list[tuple[int, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if len(months) > MAX_MONTHS:
        raise ValidationFailed(
            "Choose a period of at most five years.", fields={"start": ["Too long a period."]}
        )
    return Period(
        first=start,
        last=last,
        start=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        end=dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        months=months,
    )


@dataclass
class MonthRow:
    year: int
    month: int
    citizen_minutes: int = 0
    credited_minutes: int = 0
    people: int = 0
    new_people: int = 0
    sessions: int = 0
    codelivered: int = 0

    @property
    def label(self) -> str:
        return dt.date(self.year, self.month, 1).strftime("%B %Y")

    @property
    def short_label(self) -> str:
        return dt.date(self.year, self.month, 1).strftime("%b %y")


@dataclass
class PartnerSpend:
    partner: str
    redemptions: int
    minutes: int
    people: int


@dataclass
class Dashboard:
    agency: Agency
    period: Period
    months: list[MonthRow]
    citizen_minutes: int  # hours co-produced: members' minutes on confirmed registers
    staff_minutes: int
    credited_minutes: int  # credits issued to members for those minutes
    people: int
    new_people: int
    returning_people: int
    sessions: int
    codelivered: int
    referrals: list[tuple[str, str, int]]  # (status, label, count), every outcome
    referrals_total: int
    spending: list[PartnerSpend] = field(default_factory=list)
    spent_minutes: int = 0

    @property
    def codelivery_percent(self) -> int | None:
        return round(100 * self.codelivered / self.sessions) if self.sessions else None

    @property
    def chart_max(self) -> int:
        return max([m.citizen_minutes for m in self.months] + [1])


def agency_dashboard(agency: Agency, period: Period) -> Dashboard:
    """The figures for the agency over the period (see the module docstring)."""
    tz = communities_selectors.community_zone(agency.community)
    in_period = Q(
        session__agency=agency,
        session__status=SessionStatus.REGISTERED,
        session__starts_at__gte=period.start,
        session__starts_at__lt=period.end,
    )
    sessions = list(
        Session.objects.filter(
            agency=agency,
            status=SessionStatus.REGISTERED,
            starts_at__gte=period.start,
            starts_at__lt=period.end,
        )
        .annotate(
            credited=Sum(
                "transfer__postings__amount_minutes",
                filter=Q(transfer__postings__amount_minutes__gt=0),
            )
        )
        .values_list("id", "starts_at", "credited")
    )
    # Attendance lines carry their session's id only: the session's time and month are worked out
    # once per session (thousands) rather than once per line (tens of thousands).
    lines = list(
        Attendance.objects.filter(in_period, attended=True).values_list(
            "session_id", "person_id", "role", "minutes"
        )
    )
    citizens = {person for _s, person, role, _m in lines if role == AttendanceRole.CITIZEN}
    before = (
        set(
            Attendance.objects.filter(
                session__agency=agency,
                session__status=SessionStatus.REGISTERED,
                session__starts_at__lt=period.start,
                attended=True,
                role=AttendanceRole.CITIZEN,
                person_id__in=citizens,
            )
            .values_list("person_id", flat=True)
            .distinct()
        )
        if citizens
        else set()
    )

    months = {key: MonthRow(*key) for key in period.months}

    def month_of(moment: dt.datetime) -> MonthRow:
        local = timezone.localtime(moment, tz)
        return months[(local.year, local.month)]

    starts = {session_id: starts_at for session_id, starts_at, _credited in sessions}
    month_by_session = {session_id: month_of(starts_at) for session_id, starts_at in starts.items()}
    roles_by_session: dict[int, set[str]] = {}
    people_by_month: dict[tuple[int, int], set[int]] = {}
    first_seen: dict[int, dt.datetime] = {}
    staff_minutes = 0
    for session_id, person_id, role, minutes in lines:
        if session_id not in starts:
            continue  # a register confirmed between the two queries: it counts from the next look
        roles_by_session.setdefault(session_id, set()).add(role)
        if role == AttendanceRole.STAFF:
            staff_minutes += minutes
            continue
        row = month_by_session[session_id]
        row.citizen_minutes += minutes
        people_by_month.setdefault((row.year, row.month), set()).add(person_id)
        starts_at = starts[session_id]
        if person_id not in first_seen or starts_at < first_seen[person_id]:
            first_seen[person_id] = starts_at
    for (year, month), people in people_by_month.items():
        months[(year, month)].people = len(people)
    new = {pk for pk in citizens if pk not in before}
    for pk in new:
        month_of(first_seen[pk]).new_people += 1
    codelivered = 0
    for session_id, _starts_at, credited in sessions:
        row = month_by_session[session_id]
        row.sessions += 1
        row.credited_minutes += credited or 0
        if roles_by_session.get(session_id, set()) >= {
            AttendanceRole.STAFF,
            AttendanceRole.CITIZEN,
        }:
            row.codelivered += 1
            codelivered += 1

    counts = dict(
        Referral.objects.filter(
            agency=agency, created_at__gte=period.start, created_at__lt=period.end
        )
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    referrals = [
        (value, str(label), counts.get(value, 0)) for value, label in ReferralStatus.choices
    ]

    spending: list[PartnerSpend] = []
    if citizens:
        spending = [
            PartnerSpend(name, n, minutes or 0, people)
            for name, n, minutes, people in Redemption.objects.filter(
                person_id__in=citizens, created_at__gte=period.start, created_at__lt=period.end
            )
            .values_list("partner__name")
            .annotate(
                n=Count("id"), minutes=Sum("minutes"), people=Count("person_id", distinct=True)
            )
            .order_by("-minutes", "partner__name")
            .values_list("partner__name", "n", "minutes", "people")
        ]
    return Dashboard(
        agency=agency,
        period=period,
        months=list(months.values()),
        citizen_minutes=sum(m.citizen_minutes for m in months.values()),
        staff_minutes=staff_minutes,
        credited_minutes=sum(m.credited_minutes for m in months.values()),
        people=len(citizens),
        new_people=len(new),
        returning_people=len(citizens) - len(new),
        sessions=len(sessions),
        codelivered=codelivered,
        referrals=referrals,
        referrals_total=sum(counts.values()),
        spending=spending,
        spent_minutes=sum(s.minutes for s in spending),
    )


@dataclass(frozen=True)
class CommunityCoproduction:
    """The coordinators' dashboard block "Working alongside agencies"."""

    referrals_new: int  # still "referred": nobody has been in touch yet
    referrals_stale: int  # of those, referred at least REFERRAL_STALE_DAYS ago
    registers_waiting: int  # sessions that have taken place without a confirmed register
    credited_minutes_this_month: int  # credits paid for confirmed registers of sessions this month


def community_coproduction(community, *, now: dt.datetime | None = None) -> CommunityCoproduction:
    """Co-production across all the community's agencies, in three queries however many there
    are: the referrals waiting, the registers waiting, and this month's credits for sessions."""
    now = now or timezone.now()
    tz = communities_selectors.community_zone(community)
    today = timezone.localtime(now, tz).date()
    month_start = dt.datetime.combine(today.replace(day=1), dt.time.min, tzinfo=tz)
    next_month = dt.datetime.combine(
        (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1), dt.time.min, tzinfo=tz
    )
    referrals = Referral.objects.filter(
        community=community, status=ReferralStatus.REFERRED
    ).aggregate(
        new=Count("id"),
        stale=Count("id", filter=Q(created_at__lte=now - dt.timedelta(days=REFERRAL_STALE_DAYS))),
    )
    credited = Session.objects.filter(
        community=community,
        status=SessionStatus.REGISTERED,
        starts_at__gte=month_start,
        starts_at__lt=next_month,
        transfer__postings__amount_minutes__gt=0,
    ).aggregate(minutes=Sum("transfer__postings__amount_minutes"))["minutes"]
    return CommunityCoproduction(
        referrals_new=referrals["new"],
        referrals_stale=referrals["stale"],
        registers_waiting=registers_waiting_in(community, now=now),
        credited_minutes_this_month=credited or 0,
    )


# The staff's home page --------------------------------------------------------------------------

STAFF_HOME_SHOWN = 3  # registers and sessions listed per agency; the counts say how many in all


@dataclass
class StaffAgency:
    """One agency a person is on the staff of, and what waits for them there."""

    place: AgencyMembership  # with its agency and the agency's community
    registers_waiting: int = 0  # sessions held without a confirmed register
    to_register: list[Session] = field(default_factory=list)  # the latest of those, latest first
    next_sessions: list[Session] = field(default_factory=list)  # the next to start, soonest first
    referrals_waiting: int = 0  # referrals from the agency no coordinator has taken up yet

    @property
    def agency(self) -> Agency:
        return self.place.agency


def _ranked(qs, *order):
    """The first STAFF_HOME_SHOWN sessions of each agency in `qs` (one query, a window function),
    each with how many there are of that agency in all (`in_all`)."""
    return list(
        qs.select_related("role")
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("agency_id")], order_by=list(order)),
            in_all=Window(Count("pk"), partition_by=[F("agency_id")]),
        )
        .filter(rank__lte=STAFF_HOME_SHOWN)
        .order_by("agency_id", "rank")
    )


def staff_home(person, *, community_ids=None, now: dt.datetime | None = None) -> list[StaffAgency]:
    """The active agencies the person is on the staff of (in the communities given, when given),
    by name, each with the registers waiting to be filled in, the next sessions and the referrals
    no coordinator has taken up yet. Four queries, one when the person is nobody's staff."""
    now = now or timezone.now()
    places = AgencyMembership.objects.filter(
        person_id=person.pk, ended_at__isnull=True, agency__is_archived=False
    )
    if community_ids is not None:
        places = places.filter(agency__community_id__in=list(community_ids))
    found = {
        place.agency_id: StaffAgency(place)
        for place in places.select_related("agency", "agency__community").order_by(
            "agency__name", "agency_id"
        )
    }
    if not found:
        return []
    ids = list(found)
    for session in _ranked(
        Session.objects.filter(_held_unregistered(now), agency_id__in=ids),
        F("starts_at").desc(),
        F("pk").desc(),
    ):
        found[session.agency_id].to_register.append(session)
        found[session.agency_id].registers_waiting = session.in_all
    for session in _ranked(
        Session.objects.filter(
            agency_id__in=ids, status=SessionStatus.SCHEDULED, starts_at__gt=now
        ),
        F("starts_at").asc(),
        F("pk").asc(),
    ):
        found[session.agency_id].next_sessions.append(session)
    for agency_id, n in (
        Referral.objects.filter(agency_id__in=ids, status=ReferralStatus.REFERRED)
        .values_list("agency_id")
        .annotate(n=Count("id"))
        .values_list("agency_id", "n")
    ):
        found[agency_id].referrals_waiting = n
    for entry in found.values():
        for session in [*entry.to_register, *entry.next_sessions]:
            session.agency = entry.agency  # the pages build links from the agency's community
    return list(found.values())
