"""The co-production demo: built once on top of the Riverside demo, through the services, with
the ledger clean and the health centre's dashboard showing the hours given."""

from __future__ import annotations

import time

import pytest

from coproduce.communities.models import Person
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.coproduction.models import (
    Agency,
    AgencyMembership,
    Assessment,
    CoproductionRole,
    PartnerOffer,
    Redemption,
    Referral,
    ReferralStatus,
    Session,
    SessionStatus,
    SignUp,
    SpendPartner,
)
from coproduce.coproduction.selectors import agencies, dashboard
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ops.demo import coproduction as demo
from coproduce.ops.demo.communities import build_demo

pytestmark = pytest.mark.django_db


def test_it_builds_a_year_of_coproduction_once():
    build_demo()
    started = time.monotonic()
    assert demo.build_coproduction() is True
    took = time.monotonic() - started
    community = communities_selectors.community_get("riverside")

    assert set(Agency.objects.filter(community=community).values_list("name", flat=True)) == {
        "Riverside Health Centre",
        "Riverside Primary School",
        "Riverside Library",
    }
    assert CoproductionRole.objects.filter(community=community, status="published").count() == 4
    assert (
        AgencyMembership.objects.get(
            agency__name="Riverside Health Centre", role="admin"
        ).person.email
        == "staff@riverside.example"
    )
    registered = Session.objects.filter(community=community, status=SessionStatus.REGISTERED)
    assert registered.count() == 4 * demo.PAST_SESSIONS
    assert all(s.transfer_id for s in registered)
    assert Session.objects.filter(community=community, status=SessionStatus.SCHEDULED).count() >= 8
    assert SignUp.objects.filter(session__community=community).count() > 40
    assert set(SpendPartner.objects.filter(community=community).values_list("name", flat=True)) == {
        "Riverside Leisure Centre",
        "Riverside Community Cinema",
    }
    swim = PartnerOffer.objects.get(partner__name="Riverside Leisure Centre")
    assert (swim.title, swim.minutes, swim.per_member_per_month) == ("One swim", 60, 4)
    assert Redemption.objects.filter(partner__name="Riverside Leisure Centre").count() >= 3
    assert Redemption.objects.filter(partner__name="Riverside Community Cinema").exists()
    statuses = set(Referral.objects.filter(community=community).values_list("status", flat=True))
    assert {ReferralStatus.JOINED, ReferralStatus.DECLINED, ReferralStatus.REFERRED} <= statuses
    assert Assessment.objects.filter(agency__name="Riverside Health Centre").count() == 2

    # Maya, a patient, may take on the peer-supporter role and has an upcoming session to sign up
    # for.
    maya = Person.objects.get(email="member@riverside.example")
    peer = CoproductionRole.objects.get(title="Peer supporter")
    assert agencies.eligibility(maya, peer) == []
    assert Session.objects.filter(role=peer, status=SessionStatus.SCHEDULED).exists()

    # Priya finds yesterday's register waiting for her on her home page.
    priya = Person.objects.get(email="staff@riverside.example")
    [priyas] = dashboard.staff_home(priya)
    assert priyas.agency.name == "Riverside Health Centre" and priyas.registers_waiting == 1
    assert priyas.to_register[0].role.title == "Welcome host in the waiting room"
    assert priyas.to_register[0].signups.exclude(status="cancelled").count() == 2
    assert priyas.next_sessions and priyas.referrals_waiting >= 1

    health = Agency.objects.get(name="Riverside Health Centre")
    figures = dashboard.agency_dashboard(health, dashboard.period_for(community))
    assert figures.citizen_minutes > 0 and figures.credited_minutes > 0
    assert figures.sessions > 0 and figures.codelivered == figures.sessions
    assert ledger_audit().clean
    assert took < 30, took

    counts = (
        Agency.objects.count(),
        Session.objects.count(),
        Redemption.objects.count(),
        Referral.objects.count(),
    )
    assert demo.build_coproduction() is False
    assert (
        Agency.objects.count(),
        Session.objects.count(),
        Redemption.objects.count(),
        Referral.objects.count(),
    ) == counts


def test_the_whole_demo_records_its_year_in_date_order():
    """Registers and redemptions are recorded among the year's exchanges on their days, so a
    statement (recorded order) reads in date order; the only step back is this week's exchanges,
    recorded after today's grants with the days they happened."""
    import datetime as dt
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from coproduce.ledger.models import Transfer

    call_command("demo", "--no-serve", stdout=io.StringIO())
    community = communities_selectors.community_get("riverside")
    dated = list(
        Transfer.objects.filter(community=community)
        .order_by("sequence")
        .values_list("effective_at", "reason")
    )
    assert {"session_credit", "redemption", "exchange"} <= {reason for _at, reason in dated}
    week_ago = timezone.localdate() - dt.timedelta(days=8)
    backwards = [
        (a, b)
        for a, b in zip(dated, dated[1:], strict=False)
        if timezone.localdate(b[0]) < timezone.localdate(a[0])
    ]
    assert all(timezone.localdate(b[0]) >= week_ago for _a, b in backwards), backwards[:3]
    assert ledger_audit([community.pk]).clean
