"""Co-production across all of a community's agencies, for the coordinators' dashboard: registers
still to confirm, referrals nobody has contacted after a week, and this month's session credits."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from coproduce.coproduction.models import Agency, AgencyKind, ReferralStatus, Session, SessionStatus
from coproduce.coproduction.selectors import dashboard, sessions
from coproduce.coproduction.services.register import RegisterLine
from coproduce.ledger.services import accounts as accounts_services

from .test_dashboard import held, refer, session_at
from .test_register import fund_agency, new_member


def second_agency(community):
    account = accounts_services.organisation_account_open(
        community=community, name="Dock Street Library"
    )
    return Agency.objects.create(
        community=community,
        name="Dock Street Library",
        slug="dock-street-library",
        kind=AgencyKind.OTHER,
        account=account,
    )


def month_start(community) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(community.timezone)
    today = timezone.localtime(timezone.now(), tz).date()
    return dt.datetime.combine(today.replace(day=1), dt.time.min, tzinfo=tz)


def test_it_counts_registers_waiting_across_the_agencies(community, other_community, agency, role):
    now = timezone.now()
    library = second_agency(community)
    session_at(role, now - dt.timedelta(days=2))
    session_at(role, now - dt.timedelta(hours=1))
    Session.objects.create(
        community=community,
        agency=library,
        role=role,
        place="Library",
        capacity=5,
        starts_at=now - dt.timedelta(days=3),
        ends_at=now - dt.timedelta(days=3, hours=-1),
    )
    # Not waiting: still to come, cancelled, or in another community.
    session_at(role, now + dt.timedelta(days=1))
    Session.objects.filter(pk=session_at(role, now - dt.timedelta(days=4)).pk).update(
        status=SessionStatus.CANCELLED
    )
    assert sessions.registers_waiting_in(community) == 3
    assert sessions.registers_waiting(agency) == 2
    assert sessions.registers_waiting_in(other_community) == 0


def test_it_reads_the_community_figures(community, agency, agency_admin, role, member):
    fund_agency(agency, 6000)
    now = timezone.now().replace(microsecond=0)
    start = month_start(community)
    newcomer = new_member(community, "Nell Newcomer")
    # This month: 1h30 and 1h credited. Last month: 2h, not counted.
    held(role, agency_admin, start + (now - start) / 2, [RegisterLine(member, True, 90)], "this-1")
    held(
        role, agency_admin, start + (now - start) / 3, [RegisterLine(newcomer, True, 60)], "this-2"
    )
    held(
        role, agency_admin, start - dt.timedelta(days=3), [RegisterLine(member, True, 120)], "last"
    )
    session_at(role, now - dt.timedelta(minutes=30))  # held, register not yet confirmed
    refer(agency, agency_admin, ReferralStatus.REFERRED, now - dt.timedelta(days=8))
    refer(agency, agency_admin, ReferralStatus.REFERRED, now - dt.timedelta(days=2))
    refer(agency, agency_admin, ReferralStatus.CONTACTED, now - dt.timedelta(days=30))
    figures = dashboard.community_coproduction(community)
    assert figures.credited_minutes_this_month == 150
    assert figures.registers_waiting == 1
    assert (figures.referrals_new, figures.referrals_stale) == (2, 1)


def test_it_reads_nothing_for_a_community_without_agencies(community):
    figures = dashboard.community_coproduction(community)
    assert figures == dashboard.CommunityCoproduction(0, 0, 0, 0)


def test_it_reads_the_figures_in_three_queries(
    community, agency, agency_admin, role, member, django_assert_num_queries
):
    with django_assert_num_queries(1):
        sessions.registers_waiting_in(community)
    with django_assert_num_queries(3):
        dashboard.community_coproduction(community)
    fund_agency(agency, 6000)
    start = month_start(community)
    now = timezone.now()
    for i in range(3):
        held(
            role,
            agency_admin,
            start + (now - start) / (i + 2),
            [RegisterLine(member, True, 30)],
            f"s-{i}",
        )
        refer(agency, agency_admin, ReferralStatus.REFERRED, now - dt.timedelta(days=10 + i))
    with django_assert_num_queries(3):
        figures = dashboard.community_coproduction(community)
    assert figures.credited_minutes_this_month == 90 and figures.referrals_stale == 3
