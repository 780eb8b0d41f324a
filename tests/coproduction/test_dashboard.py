"""The agency dashboard's selectors: figures over a period, by month, in a fixed number of
queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.coproduction.models import (
    AttendanceRole,
    PartnerOffer,
    Redemption,
    Referral,
    ReferralStatus,
    Session,
    SpendPartner,
)
from coproduce.coproduction.selectors import dashboard
from coproduce.coproduction.services import register
from coproduce.coproduction.services.register import RegisterLine
from coproduce.core.errors import ValidationFailed
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services

from .test_register import fund_agency, new_member

LEISURE = "Riverside Leisure Centre"


def session_at(role, start: dt.datetime) -> Session:
    return Session.objects.create(
        community=role.community,
        agency=role.agency,
        role=role,
        place="Waiting room",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=10,
    )


def held(role, admin, start, lines, key):
    session = session_at(role, start)
    register.register_save(actor=admin, session=session, lines=lines)
    register.register_confirm(actor=admin, session=session, idempotency_key=key)
    return session


def redeem(community, partner, offer, person, minutes, when, receipt):
    transfer = transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key=f"redeem-{receipt}",
        legs=[
            postings_services.Leg(accounts_services.member_account(community, person).pk, -minutes),
            postings_services.Leg(partner.account_id, minutes),
        ],
    )
    return Redemption.objects.create(
        partner=partner,
        offer=offer,
        person=person,
        minutes=minutes,
        transfer=transfer,
        receipt_number=receipt,
        redeemed_by=person,
        created_at=when,
    )


def refer(agency, admin, status, when):
    return Referral.objects.create(
        community=agency.community,
        agency=agency,
        referrer=admin,
        target="community",
        full_name="Someone",
        consent_given=True,
        consent_note="Asked in clinic",
        status=status,
        created_at=when,
    )


@pytest.fixture
def year(agency, agency_admin, role, member, community):
    """A session 14 months ago (before the default period) with `member`; last month `member`
    again (returning), a newcomer and staff; this month the newcomer alone."""
    fund_agency(agency, 6000)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    newcomer = new_member(community, "Nell Newcomer")
    held(role, agency_admin, now - dt.timedelta(days=425), [RegisterLine(member, True, 60)], "old")
    held(
        role,
        agency_admin,
        now - dt.timedelta(days=32),
        [
            RegisterLine(member, True, 120),
            RegisterLine(newcomer, True, 90),
            RegisterLine(agency_admin, True, 120, AttendanceRole.STAFF),
        ],
        "last-month",
    )
    held(
        role,
        agency_admin,
        now - dt.timedelta(hours=3),
        [RegisterLine(newcomer, True, 60)],
        "this-month",
    )
    # A scheduled session without a register does not count.
    session_at(role, now - dt.timedelta(days=2))
    partner_account = accounts_services.organisation_account_open(community=community, name=LEISURE)
    partner = SpendPartner.objects.create(
        community=community, name=LEISURE, slug="leisure", account=partner_account
    )
    offer = PartnerOffer.objects.create(partner=partner, title="One swim", minutes=60)
    redeem(community, partner, offer, newcomer, 60, now - dt.timedelta(days=1), "R-1")
    stranger = new_member(community, "Stan Stranger")
    transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key="stranger",
        legs=[
            postings_services.Leg(accounts_services.issuance_account(community).pk, -60),
            postings_services.Leg(accounts_services.member_account(community, stranger).pk, 60),
        ],
    )
    redeem(community, partner, offer, stranger, 60, now - dt.timedelta(days=1), "R-2")
    refer(agency, agency_admin, ReferralStatus.REFERRED, now - dt.timedelta(days=10))
    refer(agency, agency_admin, ReferralStatus.REFERRED, now - dt.timedelta(days=20))
    refer(agency, agency_admin, ReferralStatus.DECLINED, now - dt.timedelta(days=40))
    refer(agency, agency_admin, ReferralStatus.JOINED, now - dt.timedelta(days=500))
    return newcomer


def test_it_counts_the_last_twelve_months(agency, community, year):
    board = dashboard.agency_dashboard(agency, dashboard.period_for(community))
    assert len(board.months) == 12
    assert board.citizen_minutes == 120 + 90 + 60
    assert board.credited_minutes == 270  # the default rate is 100%
    assert board.staff_minutes == 120
    assert (board.people, board.new_people, board.returning_people) == (2, 1, 1)
    assert (board.sessions, board.codelivered, board.codelivery_percent) == (2, 1, 50)
    referrals = {status: n for status, _label, n in board.referrals}
    assert referrals["referred"] == 2 and referrals["declined"] == 1 and referrals["joined"] == 0
    assert board.referrals_total == 3
    assert [(s.partner, s.redemptions, s.minutes, s.people) for s in board.spending] == [
        (LEISURE, 1, 60, 1)
    ]
    assert sum(m.sessions for m in board.months) == 2


def test_it_counts_a_chosen_period(agency, community, year):
    today = timezone.localdate()
    period = dashboard.period_for(community, start=today - dt.timedelta(days=800), end=today)
    board = dashboard.agency_dashboard(agency, period)
    assert board.sessions == 3 and board.people == 2 and board.new_people == 2
    assert board.citizen_minutes == 330


def test_it_shows_nothing_for_an_empty_agency(agency, community):
    board = dashboard.agency_dashboard(agency, dashboard.period_for(community))
    assert board.sessions == 0 and board.codelivery_percent is None and board.spending == []


def test_it_refuses_a_backwards_or_too_long_period(community):
    today = timezone.localdate()
    with pytest.raises(ValidationFailed):
        dashboard.period_for(community, start=today, end=today - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        dashboard.period_for(community, start=today - dt.timedelta(days=365 * 6), end=today)


def test_it_reads_in_a_fixed_number_of_queries(
    agency, agency_admin, role, community, year, django_assert_num_queries
):
    period = dashboard.period_for(community)
    with django_assert_num_queries(5):
        dashboard.agency_dashboard(agency, period)
    # More sessions and people: still five.
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i in range(4):
        person = new_member(community, f"Extra {i}")
        held(
            role,
            agency_admin,
            now - dt.timedelta(days=60 + i),
            [RegisterLine(person, True, 30)],
            f"extra-{i}",
        )
    with django_assert_num_queries(5):
        board = dashboard.agency_dashboard(agency, period)
    assert board.sessions == 6
