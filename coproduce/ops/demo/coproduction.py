"""Co-production for the Riverside demo, built with the real services after the conversations:
Riverside Health Centre (peer supporters, a welcome host in the waiting room), Riverside Primary
School (reading buddies) and Riverside Library (digital help), each with a year of sessions whose
registers were confirmed (and yesterday's welcome-host session at the health centre, whose register
waits for Priya); the Leisure Centre and the Community Cinema as spend partners where
members spent some of what they earned; referrals in from the health centre with their
outcomes; two self-assessments of the health centre months apart.

Where the credits come from: the community keeps the default rule (`session_credits_from` =
agency), so each agency's account is given a starting budget of credits issued by the community
(a ledger issuance transfer a year back) before its sessions are credited from it.

History is made through the services' `now=` arguments (a session is created a week before it
starts, people sign up two days before). Registers are confirmed and redemptions taken "now"
(those services date them themselves), so the ledger shows them with their sessions' dates as
effective dates but the partners' receipts all carry today's date.

Built once: a second run finds agencies in the community and adds nothing."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.test.utils import override_settings
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.coproduction.models import (
    Agency,
    AgencyKind,
    AgencyRole,
    AssessmentLevel,
    AttendanceRole,
    Principle,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ReferralTarget,
)
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.coproduction.services import agencies as agencies_services
from coproduce.coproduction.services import assessments, partners, referrals, register, sessions
from coproduce.core.errors import ApplicationError
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services

COORDINATOR_EMAIL = "coordinator@riverside.example"
STAFF_EMAIL = "staff@riverside.example"  # Priya Shah: admin of the health centre
MEMBER_EMAIL = "member@riverside.example"  # Maya: also a patient of the health centre
SCHOOL_EMAIL = "grouplead@riverside.example"  # Dev Malhotra: school governor, runs reading buddies
LIBRARY_EMAIL = "steward@riverside.example"  # Hilda Brennan: library volunteer coordinator

PEER_TRAINING = "Peer support induction"
PAST_SESSIONS = 8
BUDGET_HOURS = {"health": 120, "school": 60, "library": 60}


# A dated event of the demo's year (a register confirmed, a swim taken): when it happened, and the
# call that records it. `prepare_coproduction` hands these back so that the demo can record them
# among the exchanges of the same days, oldest first, and statements read in date order.
DatedEvent = tuple[dt.datetime, Callable[[], object]]


def build_coproduction(slug: str = "riverside") -> bool:
    """Build the co-production demo unless the community already has agencies. True if built."""
    events = prepare_coproduction(slug)
    if events is None:
        return False
    run_in_date_order(events)
    return True


def run_in_date_order(events: list[DatedEvent]) -> None:
    for _when, record in sorted(events, key=lambda event: event[0]):
        record()


def prepare_coproduction(slug: str = "riverside") -> list[DatedEvent] | None:
    """Build everything of the co-production demo but its dated ledger events (registers confirmed,
    redemptions), which it returns for the caller to run in date order (`run_in_date_order`, or
    among the exchange history: `ops.demo.exchanges.build_history(alongside=...)`). None when the
    community already has agencies or lacks the demo's people."""
    community = communities_selectors.community_get(slug)
    if Agency.objects.filter(community=community).exists():
        return None
    members = directory_selectors.member_directory(community, limit=100_000)
    by_email = {m.person.email: m.person for m in members if m.person.email}
    needed = [COORDINATOR_EMAIL, STAFF_EMAIL, MEMBER_EMAIL, SCHOOL_EMAIL, LIBRARY_EMAIL]
    if any(email not in by_email for email in needed):
        return None
    staff_ids = {by_email[e].pk for e in needed if e != MEMBER_EMAIL}
    # Citizens who give time: active web members other than staff and coordinators, by number.
    citizens = [
        m
        for m in members
        if m.person.pk not in staff_ids
        and not m.person.is_offline
        and not community_access.is_coordinator(m.person, community)
    ]
    builder = _Builder(community, by_email, citizens)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        builder.build()
    return [(when, _quietly(record)) for when, record in builder.events]


def _quietly(record: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            return record()

    return run


class _Builder:
    def __init__(self, community, by_email, citizens) -> None:
        self.community = community
        self.coordinator = by_email[COORDINATOR_EMAIL]
        self.priya = by_email[STAFF_EMAIL]
        self.maya = by_email[MEMBER_EMAIL]
        self.dev = by_email[SCHOOL_EMAIL]
        self.hilda = by_email[LIBRARY_EMAIL]
        self.citizens = citizens  # Membership rows
        self.tz = communities_selectors.community_zone(community)
        self.now = timezone.now()
        self.today = timezone.localtime(self.now, self.tz).date()
        self.earners: dict[int, Any] = {}  # person pk -> person, who earned credits
        self.events: list[
            DatedEvent
        ] = []  # registers to confirm and redemptions, with when they happened

    def build(self) -> None:
        health, school, library = self.build_agencies()
        roles = self.build_roles(health, school, library)
        self.fund(health, BUDGET_HOURS["health"])
        self.fund(school, BUDGET_HOURS["school"])
        self.fund(library, BUDGET_HOURS["library"])
        peer, welcome, reading, digital = roles
        self.record_training(peer)
        self.history(
            peer,
            self.priya,
            place="Health Centre, quiet room",
            weekday=1,
            hour=14,
            minutes=90,
            every_days=42,
            people=3,
            first=self.maya,
        )
        self.history(
            welcome,
            self.priya,
            place="Health Centre waiting room",
            weekday=0,
            hour=9,
            minutes=120,
            every_days=45,
            people=2,
        )
        self.history(
            reading,
            self.dev,
            place="Riverside Primary School, library corner",
            weekday=2,
            hour=15,
            minutes=60,
            every_days=40,
            people=3,
        )
        self.history(
            digital,
            self.hilda,
            place="Riverside Library, computer room",
            weekday=3,
            hour=10,
            minutes=120,
            every_days=44,
            people=2,
        )
        self.held_waiting(welcome, self.priya, "Health Centre waiting room", hour=9, minutes=120)
        self.upcoming(
            peer,
            self.priya,
            "Health Centre, quiet room",
            weekday=1,
            hour=14,
            minutes=90,
            repeat="fortnightly",
        )
        self.upcoming(
            welcome,
            self.priya,
            "Health Centre waiting room",
            weekday=0,
            hour=9,
            minutes=120,
            repeat="weekly",
        )
        self.upcoming(
            reading,
            self.dev,
            "Riverside Primary School, library corner",
            weekday=2,
            hour=15,
            minutes=60,
            repeat="weekly",
        )
        self.upcoming(
            digital,
            self.hilda,
            "Riverside Library, computer room",
            weekday=3,
            hour=10,
            minutes=120,
            repeat="fortnightly",
        )
        self.build_referrals(health, peer)
        self.build_partners()
        self.build_assessments(health)

    # Agencies, staff, roles ------------------------------------------------------------------

    def build_agencies(self) -> tuple[Agency, Agency, Agency]:
        c = self.coordinator
        health = agencies_services.agency_create(
            actor=c,
            community=self.community,
            name="Riverside Health Centre",
            kind=AgencyKind.GP_PRACTICE,
            description="The GP practice on Mill Lane. Patients who have been through a hard time "
            "support others going through it, and a welcome host greets people in the waiting "
            "room.",
            place="Mill Lane, Millbrook",
        )
        school = agencies_services.agency_create(
            actor=c,
            community=self.community,
            name="Riverside Primary School",
            kind=AgencyKind.SCHOOL,
            description="Reading buddies listen to children read, one to one, in the school "
            "library.",
            place="Brook Avenue, Millbrook",
        )
        library = agencies_services.agency_create(
            actor=c,
            community=self.community,
            name="Riverside Library",
            kind=AgencyKind.LIBRARY,
            description="Digital help sessions: phones, tablets, email and forms, alongside "
            "library staff.",
            place="Market Place, Old Town",
        )
        agencies_services.staff_add(
            actor=c,
            agency=health,
            person=self.priya,
            role=AgencyRole.ADMIN,
            job_title="Social prescriber",
        )
        agencies_services.staff_add(
            actor=c,
            agency=school,
            person=self.dev,
            role=AgencyRole.ADMIN,
            job_title="Family liaison",
        )
        agencies_services.staff_add(
            actor=c,
            agency=library,
            person=self.hilda,
            role=AgencyRole.ADMIN,
            job_title="Library officer",
        )
        return health, school, library

    def build_roles(self, health, school, library):
        def role(actor, agency, **values):
            made = agencies_services.role_create(
                actor=actor, agency=agency, staff_lead=actor, **values
            )
            return agencies_services.role_publish(actor=actor, role=made)

        peer = role(
            self.priya,
            health,
            title="Peer supporter",
            description="Sit alongside the nurse at the long-term conditions clinic and talk with "
            "patients about living with their condition, from your own experience.",
            commitment="An afternoon every two weeks",
            vetting_level=1,
            training=[PEER_TRAINING],
            min_age=18,
        )
        welcome = role(
            self.priya,
            health,
            title="Welcome host in the waiting room",
            description="Greet people as they arrive, help with the check-in screen, and let them "
            "know what else the community offers.",
            commitment="A morning a week, or when you can",
        )
        reading = role(
            self.dev,
            school,
            title="Reading buddy",
            description="Listen to a child read for twenty minutes at a time, and share a story.",
            commitment="An hour a week in term time",
            vetting_level=2,
            min_age=18,
        )
        digital = role(
            self.hilda,
            library,
            title="Digital help",
            description="Help people with phones, tablets, email and online forms, alongside the "
            "library's digital officer.",
            commitment="A morning every two weeks",
            remote_ok=False,
        )
        return peer, welcome, reading, digital

    def fund(self, agency: Agency, hours: int) -> None:
        """A starting budget issued to the agency's account, a year back."""
        minutes = hours * 60
        assert agency.account_id is not None  # agency_create opens it
        issuance = accounts_services.issuance_account(self.community)
        transfers_services.transfer_create(
            actor=self.coordinator,
            community=self.community,
            idempotency_key=f"demo-agency-budget-{agency.pk}",
            legs=[
                postings_services.Leg(issuance.pk, -minutes),
                postings_services.Leg(agency.account_id, minutes),
            ],
            reason="issuance",
            memo=f"Starting budget for {agency.name}'s co-production sessions",
            effective_at=self.now - dt.timedelta(days=370),
        )

    def record_training(self, peer) -> None:
        """Maya (a patient) and a few others did the peer support induction."""
        people = [self.maya, *[m.person for m in self.citizens[:8] if m.person.pk != self.maya.pk]]
        for i, person in enumerate(people):
            agencies_services.training_record(
                actor=self.priya,
                community=self.community,
                person=person,
                name=PEER_TRAINING,
                completed_on=self.today - dt.timedelta(days=330 - i * 10),
            )

    # Sessions ----------------------------------------------------------------------------------

    def _eligible(self, role, count: int, offset: int, first=None) -> list:
        people = [first] if first is not None else []
        pool = self.citizens[offset:] + self.citizens[:offset]
        for membership in pool:
            if len(people) >= count:
                break
            person = membership.person
            if person.pk not in {p.pk for p in people} and not agencies_selectors.eligibility(
                person, role
            ):
                people.append(person)
        return people

    def _local(self, day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=self.tz)

    def history(
        self,
        role,
        staff,
        *,
        place: str,
        weekday: int,
        hour: int,
        minutes: int,
        every_days: int,
        people: int,
        first=None,
    ) -> None:
        """PAST_SESSIONS past sessions over the last year, each signed up for, marked and
        confirmed."""
        for n in range(PAST_SESSIONS):
            day = self.today - dt.timedelta(days=every_days * (PAST_SESSIONS - n) - 10)
            day -= dt.timedelta(days=(day.weekday() - weekday) % 7)
            start = self._local(day, hour)
            end = start + dt.timedelta(minutes=minutes)
            session = sessions.session_create(
                actor=staff,
                role=role,
                place=place,
                starts_at=start,
                ends_at=end,
                capacity=people + 1,
                staff_present=[staff],
                now=start - dt.timedelta(days=7),
            )
            attendees = self._eligible(
                role, people, offset=n * people, first=first if n % 2 == 0 else None
            )
            for person in attendees:
                # Members without email (Dorothy) are signed up by the staff, by phone.
                sessions.signup_create(
                    actor=person if person.email else staff,
                    session=session,
                    person=person,
                    now=start - dt.timedelta(days=2),
                )
            lines = [register.RegisterLine(person=staff, attended=True, role=AttendanceRole.STAFF)]
            for i, person in enumerate(attendees):
                came = not (
                    i == len(attendees) - 1 and n % 3 == 2
                )  # now and then someone does not come
                lines.append(
                    register.RegisterLine(
                        person=person,
                        attended=came,
                        minutes=minutes - 15 if came and i == 1 else None,
                    )
                )
                if came:
                    self.earners[person.pk] = person
            register.register_save(actor=staff, session=session, lines=lines)
            self.events.append(
                (
                    end,
                    functools.partial(
                        register.register_confirm,
                        actor=staff,
                        session=session,
                        idempotency_key=f"demo-register-{session.pk}",
                    ),
                )
            )

    def held_waiting(self, role, staff, place: str, *, hour: int, minutes: int) -> None:
        """Yesterday's session, with two people signed up, whose register nobody has filled in
        yet: what waits for the staff on their home page."""
        start = self._local(self.today - dt.timedelta(days=1), hour)
        session = sessions.session_create(
            actor=staff,
            role=role,
            place=place,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=minutes),
            capacity=4,
            staff_present=[staff],
            now=start - dt.timedelta(days=7),
        )
        for person in self._eligible(role, 2, offset=5):
            sessions.signup_create(
                actor=person if person.email else staff,
                session=session,
                person=person,
                now=start - dt.timedelta(days=2),
            )

    def upcoming(
        self, role, staff, place: str, *, weekday: int, hour: int, minutes: int, repeat: str
    ) -> None:
        """A series of sessions still to come, starting next week, with a few people signed up."""
        day = self.today + dt.timedelta(days=7 + (weekday - self.today.weekday()) % 7)
        rule = sessions.rrule_build(repeat=repeat, weekday=weekday, count=4)
        series = sessions.series_create(
            actor=staff,
            role=role,
            rrule=rule,
            first_start=self._local(day, hour),
            duration_minutes=minutes,
            place=place,
            capacity=4,
            staff_present=[staff],
        )
        first = series.sessions.order_by("starts_at").first()
        if first is None:
            return
        for person in self._eligible(role, 2, offset=3):
            if person.pk != self.maya.pk:  # Maya signs up herself in the walk-through
                sessions.signup_create(actor=person, session=first)

    # Referrals -----------------------------------------------------------------------------------

    def build_referrals(self, health, peer) -> None:
        made = [
            (
                "Sam Okafor",
                "07700 900101",
                ReferralTarget.ROLE,
                peer,
                "Has lived with diabetes for 20 years; would like to help others newly diagnosed.",
                [ReferralStatus.CONTACTED, ReferralStatus.JOINED],
                200,
            ),
            (
                "Joyce Bailey",
                "07700 900102",
                ReferralTarget.COMMUNITY,
                None,
                "Lonely since her husband died; enjoys baking.",
                [ReferralStatus.CONTACTED],
                21,
            ),
            (
                "Martin Hale",
                "07700 900103",
                ReferralTarget.GROUP,
                None,
                "Low mood; likes being outdoors.",
                [ReferralStatus.CONTACTED, ReferralStatus.DECLINED],
                45,
            ),
            (
                "Ama Boateng",
                "07700 900104",
                ReferralTarget.COMMUNITY,
                None,
                "New to the area with two small children.",
                [],
                2,
            ),
        ]
        joined = self.citizens[-1]
        for name, phone, target, role, matters, moves, days_ago in made:
            referral = referrals.referral_create(
                actor=self.priya,
                agency=health,
                target=target,
                full_name=name,
                phone=phone,
                role=role,
                group_name="Docks Community Garden" if target == ReferralTarget.GROUP else "",
                consent_given=True,
                consent_note="Agreed in clinic; happy for a coordinator to phone.",
                what_matters=matters,
            )
            for status in moves:
                referrals.referral_update_status(
                    actor=self.coordinator,
                    referral=referral,
                    status=status,
                    member_number=joined.number if status == ReferralStatus.JOINED else None,
                    note="Phoned; had a good chat." if status == ReferralStatus.CONTACTED else "",
                )
            self._backdate_referral(referral, days_ago)

    def _backdate_referral(self, referral, days_ago: int) -> None:
        """Made `days_ago` days ago at ten in the morning; each step since then a few days apart."""
        made = self._local(self.today - dt.timedelta(days=days_ago), 10)
        steps = list(ReferralEvent.objects.filter(referral=referral).order_by("at", "pk"))
        when = made
        for n, event in enumerate(steps):
            when = made + dt.timedelta(days=3 * n, hours=n)
            ReferralEvent.objects.filter(pk=event.pk).update(at=when)
        Referral.objects.filter(pk=referral.pk).update(created_at=made, status_changed_at=when)

    # Spend partners ------------------------------------------------------------------------------

    def build_partners(self) -> None:
        c = self.coordinator
        leisure = partners.partner_create(
            actor=c,
            community=self.community,
            name="Riverside Leisure Centre",
            place="Basin Road, Docks",
            description="Pool, gym and sports hall. Time credits buy swims for adults and "
            "children.",
        )
        swim = partners.offer_create(
            actor=c,
            partner=leisure,
            title="One swim",
            minutes=60,
            per_member_per_month=4,
            max_adults=2,
            max_children=3,
        )
        cinema = partners.partner_create(
            actor=c,
            community=self.community,
            name="Riverside Community Cinema",
            place="Church Lane, Old Town",
            description="A volunteer-run cinema in the old chapel. Time credits buy tickets for "
            "evening showings.",
        )
        evenings = [slot for slot in AVAILABILITY_SLOTS if slot.endswith("-eve")]
        ticket = partners.offer_create(
            actor=c,
            partner=cinema,
            title="One film ticket",
            minutes=60,
            per_member_per_month=2,
            times=evenings,
            max_adults=2,
            max_children=2,
        )
        # Spread over the last few months, as a door would see them: swims in the morning, films in
        # the evening.
        spenders = [p for pk, p in sorted(self.earners.items()) if pk != self.maya.pk]
        for i, person in enumerate(spenders[:5]):
            number = memberships_selectors.member_numbers(self.community, {person.pk}).get(
                person.pk
            )
            if number is None:
                continue
            morning = self._local(self.today - dt.timedelta(days=12 + 23 * i), 10)
            self.events.append(
                (
                    morning,
                    functools.partial(
                        self._safe,
                        partners.redemption_create,
                        actor=c,
                        partner=leisure,
                        offer=swim,
                        member_ref=str(number),
                        adults=1,
                        children=i % 2,
                        idempotency_key=f"demo-swim-{person.pk}",
                        at=morning,
                    ),
                )
            )
            if i % 2 == 0:
                evening = self._local(
                    self.today - dt.timedelta(days=5 + 23 * i), 19
                ) + dt.timedelta(minutes=30)
                self.events.append(
                    (
                        evening,
                        functools.partial(
                            self._safe,
                            partners.redemption_create,
                            actor=c,
                            partner=cinema,
                            offer=ticket,
                            member_ref=str(number),
                            idempotency_key=f"demo-film-{person.pk}",
                            at=evening,
                        ),
                    )
                )

    @staticmethod
    def _safe(fn, **kwargs):
        try:
            return fn(**kwargs)
        except ApplicationError:
            return None  # a limit refused it, as it would at the door

    # Self-assessment -----------------------------------------------------------------------------

    def build_assessments(self, health) -> None:
        sittings = [
            (
                self.today - dt.timedelta(days=300),
                1,
                "First sitting, with the practice manager and two patients.",
            ),
            (
                self.today - dt.timedelta(days=30),
                2,
                "After a year of peer supporters in the clinic.",
            ),
        ]
        for completed_on, base, note in sittings:
            scores = {}
            for i, principle in enumerate(Principle.values):
                for j, level in enumerate(AssessmentLevel.values):
                    scores[(principle, level)] = min(
                        4, base + (i + j) % 2 - (1 if j == 2 else 0) + (base == 2)
                    )
            assessments.assessment_create(
                actor=self.priya, agency=health, completed_on=completed_on, scores=scores, note=note
            )
