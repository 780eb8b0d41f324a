"""Co-production benchmark: the agency dashboard, confirming a register, the agency sessions page.

    python bench/bench_coproduction.py                        # SQLite in a temp dir
    DATABASE_URL=postgres://... python bench/bench_coproduction.py

Seeds one community with `coproduce seed --members` (10,000 by default), then writes a
co-production history in bulk (`bulk_create`, not the services, which would take hours): 50
agencies with their staff and hours accounts, published roles, 20,000 past sessions with
confirmed registers (one staff line and 4 to 14 members each, about 200,000 Attendance rows)
spread over 18 months, with the agencies' sizes falling off as 1/rank (the biggest has about a
fifth of everything); upcoming sessions with their bookings, past sessions whose registers are
still to be filled in, cancelled ones; 5,000 referrals; and 20,000 redemptions at 5 spend
partners. The rows are what the services would have written, with two shortcuts said here:
the ledger transfers (each register's `session:<id>` credit from the agency's account, the
agencies' funding from issuance, each redemption) are written in bulk with sequences from
10,000,000 and a dummy hash chain (the chain is not read by anything timed), and the past
sessions' people are walk-ins (no SignUp rows: nothing timed reads them). Postings carry the
balance after them and the limits in force; accounts' balances and given/received totals
match their postings; redemptions never take a member below the credit floor.

Then, for the biggest agency:

1. `dashboard.agency_dashboard` over the default period (the last 12 months), --runs times:
   p50/p95 and its query count, beside hand-written SQL doing the same aggregates in the
   database (6 queries: by month, lines and sessions with their credits, new people, totals,
   referrals, spending), alternating; the two are checked to give the same figures.
2. `register.register_confirm` for --confirms sessions with --attendees booked members each
   (and one staff line), each register saved first with `register_save` (timed too, not the
   point): p50/p95 and queries per confirm, beside `ledger.services.post_transfer` posting the
   same legs (the members' credits and the agency's debit) in a transaction of its own,
   alternating session by session.
3. The agency sessions page's selectors, `sessions.sessions_upcoming` (agency) +
   `sessions.sessions_to_register`: p50/p95 and queries, beside the same SQL they send run
   over the cursor (rows fetched, no model instances).

Prints markdown tables. Run through `make bench` (scripts/bench.sh, BENCH=coproduction)."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FLOOR_DEFAULT = -600
BIG = 10_000_000  # bulk transfers' sequences start here, clear of the live chain


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--agencies", type=int, default=50)
    parser.add_argument(
        "--roles", type=int, default=500, help="Published roles across the agencies."
    )
    parser.add_argument(
        "--sessions", type=int, default=20_000, help="Past sessions with confirmed registers."
    )
    parser.add_argument(
        "--upcoming", type=int, default=2_000, help="Sessions to come, with bookings."
    )
    parser.add_argument(
        "--unregistered", type=int, default=400, help="Past sessions without a register yet."
    )
    parser.add_argument("--months", type=int, default=18, help="How far back the past sessions go.")
    parser.add_argument("--referrals", type=int, default=5_000)
    parser.add_argument("--redemptions", type=int, default=20_000)
    parser.add_argument(
        "--runs", type=int, default=30, help="Timed runs of the dashboard and the sessions page."
    )
    parser.add_argument(
        "--confirms", type=int, default=30, help="Registers confirmed (timed), after 3 warm-ups."
    )
    parser.add_argument(
        "--attendees", type=int, default=30, help="Booked members on each confirmed register."
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if (
        min(
            args.members,
            args.agencies,
            args.roles,
            args.sessions,
            args.runs,
            args.confirms,
            args.attendees,
        )
        < 1
    ):
        parser.error("every size must be at least 1")
    if args.roles < args.agencies:
        parser.error("--roles must be at least --agencies (each agency has a role)")
    return args


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.update(
        DEBUG="false",
        SECRET_KEY="bench-only-not-a-secret",
        ALLOWED_HOSTS="testserver",
        COPRODUCE_VAR_DIR=str(tmp),
        SECURE_SSL_REDIRECT="false",
        COPRODUCE_TESTING="0",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "ERROR"),
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def alternate(a, b, runs, warm=3):
    """Warm both up, then time a and b alternately `runs` times; (a samples, b samples)."""
    for _ in range(warm):
        a()
        b()
    sa, sb = [], []
    for i in range(runs):
        for fn, out in ((a, sa), (b, sb)) if i % 2 == 0 else ((b, sb), (a, sa)):
            out.append(timed(fn)[0])
    return sa, sb


def count_queries(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result, [q["sql"] for q in ctx.captured_queries]


# Seeding -------------------------------------------------------------------------------------


def seed_members(args):
    from django.core.management import call_command

    from coproduce.communities.models import Community

    before = set(Community.objects.values_list("pk", flat=True))
    call_command(
        "seed",
        communities=1,
        members=args.members,
        seed=args.seed,
        verbosity=0,
        stdout=io.StringIO(),
    )
    return Community.objects.exclude(pk__in=before).get()


def seed_history(community, args):  # noqa: C901, PLR0912, PLR0915 - one long, plain recipe
    from django.db import connection, transaction
    from django.utils import timezone

    from coproduce.communities.models import (
        Membership,
        MembershipRole,
        MembershipStatus,
        Person,
        Role,
    )
    from coproduce.communities.selectors import communities as communities_selectors
    from coproduce.coproduction.models import (
        Agency,
        AgencyKind,
        AgencyMembership,
        AgencyRole,
        Attendance,
        AttendanceRole,
        CoproductionRole,
        PartnerOffer,
        Redemption,
        Referral,
        ReferralStatus,
        ReferralTarget,
        RoleStatus,
        Session,
        SessionStatus,
        SignUp,
        SignUpStatus,
        SpendPartner,
    )
    from coproduce.coproduction.services import agencies as agencies_services
    from coproduce.ledger.models import Account, AccountKind, Posting, Reason, Transfer
    from coproduce.ledger.services import accounts as accounts_services
    from coproduce.ledger.services import postings as postings_services

    rng = random.Random(args.seed)  # noqa: S311 - benchmark data, not a secret
    now = timezone.now()
    rules = communities_selectors.rules_for(community)
    floor = rules.get("credit_floor_minutes", FLOOR_DEFAULT)
    members = list(
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE)
        .order_by("number")
        .values_list("pk", "person_id")
    )
    coordinator_id = members[0][1]
    people = {p.pk: p for p in Person.objects.filter(pk__in=[pid for _m, pid in members])}
    member_ids = [pid for _m, pid in members[1:]]  # member 1 coordinates
    membership_of = {pid: mid for mid, pid in members}

    # Agencies, their staff (3 each; the first an admin) and hours accounts.
    n = args.agencies
    weights = [1 / (i + 1) for i in range(n)]
    total_weight = sum(weights)
    kinds = list(AgencyKind.values)
    with transaction.atomic():
        accounts = Account.objects.bulk_create(
            [
                Account(community=community, kind=AccountKind.ORGANISATION, name=f"Agency {i + 1}")
                for i in range(n)
            ]
        )
        agencies = Agency.objects.bulk_create(
            [
                Agency(
                    community=community,
                    name=f"Agency {i + 1}",
                    slug=f"agency-{i + 1}",
                    kind=kinds[i % len(kinds)],
                    place=f"{i + 1} High Street",
                    account=accounts[i],
                )
                for i in range(n)
            ]
        )
        rng.shuffle(member_ids)
        staff_of = {a.pk: member_ids[3 * i : 3 * i + 3] for i, a in enumerate(agencies)}
        citizens_pool = member_ids[3 * n :]
        AgencyMembership.objects.bulk_create(
            [
                AgencyMembership(
                    agency=a,
                    person_id=pid,
                    role=AgencyRole.ADMIN if j == 0 else AgencyRole.STAFF,
                    job_title="Staff",
                )
                for a in agencies
                for j, pid in enumerate(staff_of[a.pk])
            ]
        )
        MembershipRole.objects.bulk_create(
            [
                MembershipRole(
                    membership_id=membership_of[pid], role=Role.AGENCY_STAFF, granted_at=now
                )
                for a in agencies
                for pid in staff_of[a.pk]
            ]
        )
        roles_of: dict[int, list[CoproductionRole]] = {a.pk: [] for a in agencies}
        role_rows = []
        for i in range(args.roles):
            agency = agencies[i] if i < n else rng.choices(agencies, weights)[0]
            role = CoproductionRole(
                community=community,
                agency=agency,
                title=f"Helper {i + 1} at {agency.name}",
                description="Working alongside staff.",
                commitment="2 hours a week",
                status=RoleStatus.PUBLISHED,
                staff_lead_id=staff_of[agency.pk][0],
            )
            role.search_document = agencies_services._search_document(role, agency)
            role_rows.append(role)
        for role in CoproductionRole.objects.bulk_create(role_rows):
            roles_of[role.agency_id].append(role)

    # Each agency's regulars, in proportion to its size.
    pool_of = {
        a.pk: rng.sample(
            citizens_pool, min(len(citizens_pool), 60 + int(weights[i] / total_weight * 12_000))
        )
        for i, a in enumerate(agencies)
    }

    # Sessions: past with confirmed registers, past still to register, to come, cancelled.
    history = dt.timedelta(days=round(args.months * 30.44))
    noon = now.replace(
        hour=12, minute=0, second=0, microsecond=0
    )  # the same --seed, the same layout all day

    def session(agency, starts_at, status, *, capacity=None, minutes=None):
        role = rng.choice(roles_of[agency.pk])
        minutes = minutes or rng.choice([60, 90, 120, 120, 180])
        return Session(
            community=community,
            agency=agency,
            role=role,
            place=agency.place,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
            capacity=capacity or rng.randint(12, 20),
            status=status,
            created_at=starts_at - dt.timedelta(days=14),
        )

    def at_hour(moment):
        return moment.replace(
            hour=rng.randint(9, 17), minute=rng.choice([0, 30]), second=0, microsecond=0
        )

    past, later = [], []
    for _ in range(args.sessions):
        agency = rng.choices(agencies, weights)[0]
        s = session(
            agency,
            at_hour(noon - dt.timedelta(days=1) - rng.random() * history),
            SessionStatus.REGISTERED,
        )
        s.register_confirmed_at = s.ends_at + dt.timedelta(hours=rng.randint(1, 48))
        s.register_confirmed_by_id = staff_of[agency.pk][0]
        past.append(s)
    for _ in range(args.unregistered):
        later.append(
            session(
                rng.choices(agencies, weights)[0],
                at_hour(noon - dt.timedelta(days=1) - rng.random() * dt.timedelta(days=60)),
                SessionStatus.SCHEDULED,
            )
        )
    for _ in range(args.upcoming):
        later.append(
            session(
                rng.choices(agencies, weights)[0],
                at_hour(noon + dt.timedelta(days=1) + rng.random() * dt.timedelta(days=90)),
                SessionStatus.SCHEDULED,
            )
        )
    for _ in range(args.upcoming // 10):
        later.append(
            session(
                rng.choices(agencies, weights)[0],
                at_hour(noon + (rng.random() - 0.5) * dt.timedelta(days=120)),
                SessionStatus.CANCELLED,
            )
        )
    past.sort(key=lambda s: s.starts_at)
    with transaction.atomic():
        Session.objects.bulk_create(past, batch_size=2000)
        Session.objects.bulk_create(later, batch_size=2000)
        # Bookings on the sessions not yet registered (places_taken counts them, as the services
        # keep it).
        signups = []
        for s in later:
            if s.status == SessionStatus.CANCELLED:
                continue
            booked = rng.sample(
                pool_of[s.agency_id], min(len(pool_of[s.agency_id]), rng.randint(0, s.capacity))
            )
            signups += [
                SignUp(
                    session=s,
                    person_id=pid,
                    status=SignUpStatus.BOOKED,
                    created_at=s.created_at + dt.timedelta(hours=1 + i),
                )
                for i, pid in enumerate(booked)
            ]
            s.places_taken = len(booked)
        SignUp.objects.bulk_create(signups, batch_size=5000)
        Session.objects.bulk_update(later, ["places_taken"], batch_size=1000)

    # Registers: one staff line and 4 to 14 members (about one in ten marked as not come).
    attendance, credits_of = [], {}
    for s in past:
        minutes = int((s.ends_at - s.starts_at).total_seconds() // 60)
        staff = rng.choice(staff_of[s.agency_id])
        attendance.append(
            Attendance(
                session=s,
                person_id=staff,
                role=AttendanceRole.STAFF,
                attended=True,
                minutes=minutes,
                recorded_by_id=staff,
                recorded_at=s.register_confirmed_at,
            )
        )
        came = []
        pool = pool_of[s.agency_id]
        for pid in rng.sample(pool, min(len(pool), rng.randint(4, 14))):
            attended = rng.random() > 0.1
            m = (minutes if rng.random() < 0.8 else rng.randint(30, minutes)) if attended else 0
            attendance.append(
                Attendance(
                    session=s,
                    person_id=pid,
                    role=AttendanceRole.CITIZEN,
                    attended=attended,
                    minutes=m,
                    recorded_by_id=staff,
                    recorded_at=s.register_confirmed_at,
                )
            )
            if attended:
                came.append((pid, (m * rules["credits_per_hour_percent"] + 50) // 100))
        credits_of[s.pk] = [(pid, c) for pid, c in came if c]
    Attendance.objects.bulk_create(attendance, batch_size=5000)

    # The ledger: member accounts, issuance, partners; then every transfer in time order.
    issuance = accounts_services.issuance_account(community)
    with transaction.atomic():
        # The seeded members have no accounts yet (the services open one on first use).
        member_accounts = Account.objects.bulk_create(
            [
                Account(
                    community=community,
                    kind=AccountKind.MEMBER,
                    person_id=pid,
                    name=people[pid].display_name,
                )
                for pid in people
            ],
            batch_size=5000,
        )
        account_of = {a.person_id: a for a in member_accounts}
        partner_accounts = Account.objects.bulk_create(
            [
                Account(community=community, kind=AccountKind.ORGANISATION, name=f"Partner {i + 1}")
                for i in range(5)
            ]
        )
        partners = SpendPartner.objects.bulk_create(
            [
                SpendPartner(
                    community=community,
                    name=f"Partner {i + 1}",
                    slug=f"partner-{i + 1}",
                    account=partner_accounts[i],
                )
                for i in range(5)
            ]
        )
        offers = PartnerOffer.objects.bulk_create(
            [
                PartnerOffer(partner=p, title=title, minutes=m)
                for p in partners
                for title, m in (("One swim", 60), ("A coffee", 30))
            ]
        )
    agency_account = {a.pk: a.account for a in agencies}
    all_accounts = {a.pk: a for a in [*member_accounts, *partner_accounts, issuance, *accounts]}
    for a in all_accounts.values():
        a.balance_minutes = a.given_minutes = a.received_minutes = 0

    events = []  # (when, kind, payload)
    first = min((s.starts_at for s in past), default=now) - dt.timedelta(days=1)
    paid_by_agency = {a.pk: 0 for a in agencies}
    for s in past:
        paid_by_agency[s.agency_id] += sum(c for _p, c in credits_of[s.pk])
        if credits_of[s.pk]:
            events.append((s.ends_at, "session", s))
    # Each agency is funded with what it paid out plus room for the benchmark's own confirms.
    room = (args.confirms + 3) * args.attendees * 300 * 2
    for agency in agencies:
        events.append((first, "fund", (agency, paid_by_agency[agency.pk] + room)))
    earners = [a.person_id for a in attendance if a.role == AttendanceRole.CITIZEN and a.attended]
    for _ in range(args.redemptions):
        events.append(
            (
                first + rng.random() * (now - first),
                "redeem",
                (rng.choice(earners), rng.choice(offers)),
            )
        )
    events.sort(key=lambda e: e[0])

    limits = {pk: postings_services.account_limits(a, rules) for pk, a in all_accounts.items()}
    transfers, legs_of, redemptions = [], [], []
    sequence = BIG
    for when, kind, payload in events:
        if kind == "fund":
            agency, amount = payload
            legs = [(issuance.pk, -amount), (agency_account[agency.pk].pk, amount)]
            t = Transfer(
                community=community,
                reason=Reason.ISSUANCE,
                idempotency_key=f"bench-fund:{agency.pk}",
                memo=f"Funding for {agency.name}",
                effective_at=when,
            )
        elif kind == "session":
            s = payload
            legs = [(account_of[pid].pk, c) for pid, c in credits_of[s.pk]]
            legs.append((agency_account[s.agency_id].pk, -sum(c for _p, c in credits_of[s.pk])))
            t = Transfer(
                community=community,
                reason=Reason.SESSION_CREDIT,
                idempotency_key=f"session:{s.pk}",
                memo=f"{s.role.title} at {s.agency.name}, "
                f"{timezone.localtime(s.starts_at):%-d %B %Y}",
                related_type="session",
                related_id=str(s.pk),
                actor_id=s.register_confirmed_by_id,
                effective_at=s.ends_at,
            )
        else:
            pid, offer = payload
            account = account_of[pid]
            if account.balance_minutes - offer.minutes < floor:
                continue  # the service would refuse it
            receipt = f"BR-{len(redemptions) + 1:07d}"
            legs = [(account.pk, -offer.minutes), (offer.partner.account_id, offer.minutes)]
            t = Transfer(
                community=community,
                reason=Reason.REDEMPTION,
                idempotency_key=f"redemption:{receipt}",
                memo=f"{offer.title} at {offer.partner.name}",
                related_type="redemption",
                related_id=receipt,
                actor_id=coordinator_id,
                on_behalf_of_id=pid,
                effective_at=when,
            )
            redemptions.append(
                Redemption(
                    partner=offer.partner,
                    offer=offer,
                    person_id=pid,
                    minutes=offer.minutes,
                    receipt_number=receipt,
                    redeemed_by_id=coordinator_id,
                    created_at=when,
                )
            )
        t.sequence, t.created_at, t.prev_hash, t.hash = sequence, when, "0" * 64, "0" * 64
        sequence += 1
        postings = []
        for account_id, amount in legs:
            account = all_accounts[account_id]
            account.balance_minutes += amount
            if amount < 0:
                account.given_minutes -= amount
            else:
                account.received_minutes += amount
            lo, hi = limits[account_id]
            postings.append(
                Posting(
                    community=community,
                    account_id=account_id,
                    amount_minutes=amount,
                    balance_after_minutes=account.balance_minutes,
                    floor_minutes=lo,
                    ceiling_minutes=hi,
                )
            )
        transfers.append(t)
        legs_of.append(postings)
    with transaction.atomic():
        Transfer.objects.bulk_create(transfers, batch_size=5000)
        rows = []
        for t, postings in zip(transfers, legs_of, strict=True):
            for p in postings:
                p.transfer = t
            rows += postings
        Posting.objects.bulk_create(rows, batch_size=5000)
        by_receipt = {t.related_id: t for t in transfers if t.reason == Reason.REDEMPTION}
        for r in redemptions:
            r.transfer = by_receipt[r.receipt_number]
        Redemption.objects.bulk_create(redemptions, batch_size=5000)
        Account.objects.bulk_update(
            list(all_accounts.values()),
            ["balance_minutes", "given_minutes", "received_minutes"],
            batch_size=1000,
        )
        with connection.cursor() as cursor:
            session_table, transfer_table = Session._meta.db_table, Transfer._meta.db_table
            cursor.execute(
                f"UPDATE {session_table} SET transfer_id = (SELECT t.id FROM {transfer_table} t"  # noqa: S608
                " WHERE t.community_id = %s AND t.idempotency_key = 'session:' || "
                f"CAST({session_table}.id AS TEXT)) WHERE community_id = %s AND status = %s",
                [community.pk, community.pk, SessionStatus.REGISTERED],
            )

        # Referrals, by agency size, over the same months.
        statuses = [
            ReferralStatus.REFERRED,
            ReferralStatus.CONTACTED,
            ReferralStatus.JOINED,
            ReferralStatus.FIRST_EXCHANGE,
            ReferralStatus.DECLINED,
        ]
        referrals = []
        for i in range(args.referrals):
            agency = rng.choices(agencies, weights)[0]
            made = now - rng.random() * history
            status = rng.choices(statuses, [2, 2, 3, 2, 1])[0]
            referrals.append(
                Referral(
                    community=community,
                    agency=agency,
                    referrer_id=rng.choice(staff_of[agency.pk]),
                    target=ReferralTarget.COMMUNITY,
                    full_name=f"Referred person {i + 1}",
                    phone="01632 960000",
                    consent_given=True,
                    consent_note="Agreed in person.",
                    status=status,
                    person_id=rng.choice(citizens_pool)
                    if status in (ReferralStatus.JOINED, ReferralStatus.FIRST_EXCHANGE)
                    else None,
                    status_changed_at=made,
                    created_at=made,
                )
            )
        Referral.objects.bulk_create(referrals, batch_size=5000)

    analyze(connection)
    biggest = agencies[0]
    return {
        "agency": biggest,
        "actor": people[staff_of[biggest.pk][0]],
        "staff_of": staff_of,
        "pool": pool_of[biggest.pk],
        "attendance": len(attendance),
        "transfers": len(transfers),
        "postings": len(rows),
        "redemptions": len(redemptions),
        "referrals": len(referrals),
        "signups": len(signups),
        "past": len(past),
        "later": len(later),
        "big_sessions": sum(1 for s in past if s.agency_id == biggest.pk),
        "big_attendance": sum(1 for a in attendance if a.session.agency_id == biggest.pk),
    }


def analyze(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


# 1. The dashboard and its SQL baseline ---------------------------------------------------------


def dashboard_sql(agency, period):
    """The dashboard's figures by hand-written SQL: a function running 6 queries and returning
    the same figures as a plain dict."""
    from django.db import connection

    from coproduce.coproduction.models import (
        Attendance,
        Redemption,
        Referral,
        Session,
        SessionStatus,
        SpendPartner,
    )
    from coproduce.ledger.models import Posting

    att, ses, post = Attendance._meta.db_table, Session._meta.db_table, Posting._meta.db_table
    red, ref, par = Redemption._meta.db_table, Referral._meta.db_table, SpendPartner._meta.db_table
    tz = period.start.tzinfo
    ops = connection.ops
    cast = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
    bounds = []
    for k, (y, m) in enumerate(period.months):
        lo = max(period.start, dt.datetime(y, m, 1, tzinfo=tz))
        hi = min(period.end, dt.datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=tz))
        bounds.append((k, ops.adapt_datetimefield_value(lo), ops.adapt_datetimefield_value(hi)))
    months_cte = (
        "WITH months(k, lo, hi) AS (VALUES "
        + ", ".join(f"(%s, {cast}, {cast})" for _ in bounds)
        + ") "
    )
    month_params = [v for row in bounds for v in row]
    start, end = (
        ops.adapt_datetimefield_value(period.start),
        ops.adapt_datetimefield_value(period.end),
    )
    registered = SessionStatus.REGISTERED
    in_period = (
        f"s.agency_id = %s AND s.status = %s AND s.starts_at >= {cast} AND s.starts_at < {cast}"
    )
    period_params = [agency.pk, registered, start, end]
    citizen_lines = (
        f"SELECT a.person_id FROM {att} a JOIN {ses} s ON s.id = a.session_id"
        f" WHERE {in_period} AND a.attended AND a.role = 'citizen'"
    )
    queries = {
        "by_month": (
            months_cte + f"SELECT mo.k, SUM(a.minutes), COUNT(DISTINCT a.person_id) FROM {att} a"
            f" JOIN {ses} s ON s.id = a.session_id JOIN months mo ON s.starts_at >= mo.lo"
            f" AND s.starts_at < mo.hi WHERE {in_period} AND a.attended AND a.role = 'citizen'"
            " GROUP BY mo.k",
            month_params + period_params,
        ),
        "sessions": (
            months_cte + "SELECT mo.k, COUNT(*), SUM(COALESCE((SELECT SUM(p.amount_minutes)"
            f" FROM {post} p WHERE p.transfer_id = s.transfer_id AND p.amount_minutes > 0), 0)),"
            f" SUM(CASE WHEN EXISTS (SELECT 1 FROM {att} a WHERE a.session_id = s.id AND a.attended"
            f" AND a.role = 'staff') AND EXISTS (SELECT 1 FROM {att} a WHERE a.session_id = s.id"
            " AND a.attended AND a.role = 'citizen') THEN 1 ELSE 0 END)"
            f" FROM {ses} s JOIN months mo ON s.starts_at >= mo.lo AND s.starts_at < mo.hi"
            f" WHERE {in_period} GROUP BY mo.k",
            month_params + period_params,
        ),
        "new": (
            months_cte
            + "SELECT mo.k, COUNT(*) FROM (SELECT a.person_id, MIN(s.starts_at) AS first_at"
            f" FROM {att} a JOIN {ses} s ON s.id = a.session_id WHERE {in_period} AND a.attended"
            " AND a.role = 'citizen' GROUP BY a.person_id) f"
            " JOIN months mo ON f.first_at >= mo.lo AND f.first_at < mo.hi"
            f" WHERE NOT EXISTS (SELECT 1 FROM {att} a2 JOIN {ses} s2 ON s2.id = a2.session_id"
            f" WHERE s2.agency_id = %s AND s2.status = %s AND s2.starts_at < {cast} AND a2.attended"
            " AND a2.role = 'citizen' AND a2.person_id = f.person_id) GROUP BY mo.k",
            month_params + period_params + [agency.pk, registered, start],
        ),
        "totals": (
            "SELECT SUM(CASE WHEN a.role = 'staff' THEN a.minutes ELSE 0 END),"
            " COUNT(DISTINCT CASE WHEN a.role = 'citizen' THEN a.person_id END)"
            f" FROM {att} a JOIN {ses} s ON s.id = a.session_id WHERE {in_period} AND a.attended",
            period_params,
        ),
        "referrals": (
            f"SELECT status, COUNT(*) FROM {ref} WHERE agency_id = %s AND created_at >= {cast}"
            f" AND created_at < {cast} GROUP BY status",
            [agency.pk, start, end],
        ),
        "spending": (
            f"SELECT pa.name, COUNT(*), SUM(r.minutes), COUNT(DISTINCT r.person_id) FROM {red} r"
            f" JOIN {par} pa ON pa.id = r.partner_id WHERE r.created_at >= {cast} AND r.created_at "
            f"< {cast} AND r.person_id IN ({citizen_lines}) GROUP BY pa.name ORDER BY 3 DESC, 1",
            [start, end] + period_params,
        ),
    }

    def run():
        out = {}
        with connection.cursor() as cursor:
            for name, (sql, params) in queries.items():
                cursor.execute(sql, params)
                out[name] = cursor.fetchall()
        return out

    return run


def check_dashboard(board, sql) -> None:
    """The selector and the SQL agree on every figure."""
    months = [
        (m.citizen_minutes, m.people, m.sessions, m.credited_minutes, m.codelivered, m.new_people)
        for m in board.months
    ]
    by_month = {k: (minutes, people) for k, minutes, people in sql["by_month"]}
    sessions = {k: (n, credited, co) for k, n, credited, co in sql["sessions"]}
    new = dict(sql["new"])
    expected = [
        (*by_month.get(k, (0, 0)), *sessions.get(k, (0, 0, 0)), new.get(k, 0))
        for k in range(len(months))
    ]
    expected = [tuple(int(v or 0) for v in row) for row in expected]
    staff, people = sql["totals"][0]
    referrals = dict(sql["referrals"])
    problems = []
    if months != expected:
        problems.append(f"by month: selector {months} != SQL {expected}")
    if (board.staff_minutes, board.people) != (int(staff or 0), people):
        problems.append(
            f"totals: selector {(board.staff_minutes, board.people)} != SQL {(staff, people)}"
        )
    if {s: n for s, _label, n in board.referrals if n} != referrals:
        problems.append(f"referrals: selector {board.referrals} != SQL {referrals}")
    spending = [(s.partner, s.redemptions, s.minutes, s.people) for s in board.spending]
    if spending != [tuple(r) for r in sql["spending"]]:
        problems.append(f"spending: selector {spending} != SQL {sql['spending']}")
    if problems:
        raise SystemExit("The dashboard and its SQL baseline disagree:\n" + "\n".join(problems))


# 2. Confirming registers -----------------------------------------------------------------------


def confirm_sessions(community, seeded, count, attendees):
    """`count` sessions of the biggest agency that took place yesterday, each with `attendees`
    booked members (bulk, as signup_create would leave them)."""
    from django.utils import timezone

    from coproduce.coproduction.models import Session, SessionStatus, SignUp, SignUpStatus

    agency = seeded["agency"]
    role = agency.roles.first()
    yesterday = (timezone.now() - dt.timedelta(days=1)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    sessions = Session.objects.bulk_create(
        [
            Session(
                community=community,
                agency=agency,
                role=role,
                place=agency.place,
                starts_at=yesterday + dt.timedelta(minutes=10 * i),
                ends_at=yesterday + dt.timedelta(minutes=10 * i + 120),
                capacity=attendees,
                places_taken=attendees,
                created_at=yesterday - dt.timedelta(days=14),
                status=SessionStatus.SCHEDULED,
            )
            for i in range(count)
        ]
    )
    rng = random.Random(7)  # noqa: S311
    booked = {}
    rows = []
    for s in sessions:
        booked[s.pk] = rng.sample(seeded["pool"], attendees)
        rows += [
            SignUp(session=s, person_id=pid, status=SignUpStatus.BOOKED) for pid in booked[s.pk]
        ]
    SignUp.objects.bulk_create(rows)
    return sessions, booked


def confirm_timings(community, seeded, args):
    from django.db import transaction
    from django.utils import timezone

    from coproduce.communities.models import Person
    from coproduce.communities.selectors.communities import rules_for
    from coproduce.coproduction.selectors import register as register_selectors
    from coproduce.coproduction.services import register as register_services
    from coproduce.ledger import models
    from coproduce.ledger.services import accounts as accounts_services
    from coproduce.ledger.services import postings as postings_services
    from coproduce.ledger.services import transfers as transfers_services

    warm = 3
    sessions, booked = confirm_sessions(community, seeded, args.confirms + warm, args.attendees)
    actor = seeded["actor"]
    agency = seeded["agency"]
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in={pid for ids in booked.values() for pid in ids})
    }
    percent = rules_for(community)["credits_per_hour_percent"]
    save_ms, confirm_ms, post_ms, confirm_queries, post_queries, leg_counts = [], [], [], [], [], []
    rng = random.Random(11)  # noqa: S311
    for i, s in enumerate(sessions):
        lines = [
            register_services.RegisterLine(
                person=people[pid],
                attended=rng.random() > 0.1,
                minutes=rng.choice([None, None, None, 90, 100]),
            )
            for pid in booked[s.pk]
        ]
        lines.append(register_services.RegisterLine(person=actor, attended=True, role="staff"))
        ms, _ = timed(
            lambda s=s, lines=lines: register_services.register_save(
                actor=actor, session=s, lines=lines
            )
        )
        # The same legs as the confirm will post, for the ledger's own post_transfer.
        legs = [
            postings_services.Leg(
                accounts_services.member_account(community, people[line.person.pk]).pk, credit
            )
            for line in lines[:-1]
            if line.attended
            and (credit := register_selectors.credit_for(line.minutes or 120, percent))
        ]
        legs.append(
            postings_services.Leg(agency.account_id, -sum(leg.amount_minutes for leg in legs))
        )

        def confirm(s=s):
            return count_queries(
                lambda: register_services.register_confirm(
                    actor=actor, session=s, idempotency_key=f"bench-confirm-{s.pk}"
                )
            )

        def post(s=s, legs=legs):
            def run():
                with transaction.atomic(durable=True):
                    return transfers_services.post_transfer(
                        actor=actor,
                        community=community,
                        key=f"bench-baseline:{s.pk}",
                        legs=legs,
                        reason=models.Reason.SESSION_CREDIT,
                        memo="Baseline: the same legs",
                        effective_at=timezone.now(),
                        related=("session", s.pk),
                    )

            return count_queries(run)

        order = (confirm, post) if i % 2 == 0 else (post, confirm)
        results = {}
        for fn in order:
            results[fn] = timed(fn)
        (c_ms, (c_n, confirmed, _)), (p_ms, (p_n, _transfer, _)) = results[confirm], results[post]
        assert confirmed.status == "registered" and confirmed.transfer_id, confirmed
        if i >= warm:
            save_ms.append(ms)
            confirm_ms.append(c_ms)
            post_ms.append(p_ms)
            confirm_queries.append(c_n)
            post_queries.append(p_n)
            leg_counts.append(len(legs))
    return save_ms, confirm_ms, post_ms, confirm_queries, post_queries, leg_counts


# 3. The agency sessions page -----------------------------------------------------------------


def sessions_page_timings(community, agency, runs):
    from django.db import connection

    from coproduce.coproduction.selectors import sessions as sessions_selectors

    def selectors():
        return sessions_selectors.sessions_upcoming(
            community, agency=agency
        ), sessions_selectors.sessions_to_register(agency)

    n, (upcoming, to_register), sql = count_queries(selectors)
    # The same SQL over the cursor: capture it with its parameters.
    statements = []

    def capture(execute, sql_text, params, many, context):
        statements.append((sql_text, params))
        return execute(sql_text, params, many, context)

    with connection.execute_wrapper(capture):
        selectors()

    def raw():
        with connection.cursor() as cursor:
            out = []
            for sql_text, params in statements:
                cursor.execute(sql_text, params)
                out.append(cursor.fetchall())
            return out

    rows = raw()
    assert [len(r) for r in rows] == [len(upcoming), len(to_register)], (
        [len(r) for r in rows],
        len(upcoming),
    )
    a, b = alternate(selectors, raw, runs)
    return a, b, n, len(upcoming), len(to_register)


# Main ----------------------------------------------------------------------------------------


def fmt(samples):
    return f"{percentile(samples, 50):.1f}", f"{percentile(samples, 95):.1f}"


def main():
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="coproduce-bench-"))
    try:
        measure(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args, tmp: Path) -> None:
    setup_django(tmp)
    from django.db import connection

    from coproduce.coproduction.selectors import dashboard

    load_before = os.getloadavg()
    started = time.perf_counter()
    community = seed_members(args)
    members_s = time.perf_counter() - started
    seeded = seed_history(community, args)
    seed_s = time.perf_counter() - started
    load_seeded = os.getloadavg()
    agency = seeded["agency"]

    period = dashboard.period_for(community)
    dashboard_queries, board, _ = count_queries(lambda: dashboard.agency_dashboard(agency, period))
    baseline = dashboard_sql(agency, period)
    check_dashboard(board, baseline())
    dash, dash_sql = alternate(
        lambda: dashboard.agency_dashboard(agency, period), baseline, args.runs
    )

    save_ms, confirm_ms, post_ms, confirm_q, post_q, legs = confirm_timings(community, seeded, args)
    page, page_sql, page_q, n_upcoming, n_to_register = sessions_page_timings(
        community, agency, args.runs
    )
    load_after = os.getloadavg()

    if connection.vendor == "postgresql":
        connection.ensure_connection()
        number = connection.connection.info.server_version
        database = f"PostgreSQL {number // 10000}.{number % 10000}"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    print()
    print(
        f"Database: {database}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."
    )
    print(
        f"Load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in load_before)} before seeding, "
        f"{' '.join(f'{x:.2f}' for x in load_seeded)} after, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} at the end."
    )
    print(
        f"Seed: {args.members:,} members (`coproduce seed`, {members_s:.1f} s), {args.agencies} "
        f"agencies, {args.roles} roles, {seeded['past']:,} past sessions with confirmed registers "
        f"and {seeded['attendance']:,} Attendance rows, {seeded['later']:,} other sessions "
        f"({seeded['signups']:,} bookings), {seeded['transfers']:,} transfers with "
        f"{seeded['postings']:,} postings, {seeded['referrals']:,} referrals, "
        f"{seeded['redemptions']:,} redemptions: {seed_s:.1f} s in all."
    )
    print(
        f"Biggest agency: {seeded['big_sessions']:,} past sessions, {seeded['big_attendance']:,} "
        f"Attendance rows; dashboard period {period.first} to {period.last}: {board.sessions:,} "
        f"sessions, {board.people:,} people, {board.citizen_minutes // 60:,} hours co-produced, "
        f"{board.credited_minutes // 60:,} hours credited, {board.referrals_total:,} referrals, "
        f"{len(board.spending)} partners."
    )
    print()
    print(
        "| measure | queries | p50 ms | p95 ms | baseline | baseline queries | baseline p50 ms | "
        "baseline p95 ms | ratio (p50) |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|")

    def row(name, queries, samples, base_name, base_queries, base):
        ratio = percentile(samples, 50) / percentile(base, 50)
        print(
            f"| {name} | {queries} | {' | '.join(fmt(samples))} | {base_name} | {base_queries} | "
            f"{' | '.join(fmt(base))} | {ratio:.2f} |"
        )

    row(
        f"agency dashboard, 12 months ({args.runs} runs)",
        dashboard_queries,
        dash,
        "hand-written SQL, same aggregates",
        6,
        dash_sql,
    )
    row(
        f"register_confirm, {args.attendees} booked + 1 staff ({args.confirms} sessions)",
        f"{min(confirm_q)}-{max(confirm_q)}",
        confirm_ms,
        f"ledger post_transfer, the same legs ({min(legs)}-{max(legs)})",
        f"{min(post_q)}-{max(post_q)}",
        post_ms,
    )
    row(
        f"sessions page: sessions_upcoming ({n_upcoming}) + sessions_to_register ({n_to_register}) "
        f"({args.runs} runs)",
        page_q,
        page,
        "the same SQL over the cursor",
        page_q,
        page_sql,
    )
    print(
        f"| register_save before each confirm (not compared) | | {' | '.join(fmt(save_ms))} | | | "
        "| | |"
    )


if __name__ == "__main__":
    main()
