"""Review of the spend and coordinator pages (Riverside): the add-a-place address answers a GET,
members find their card and balance on the spend page, the partner report's table is a labelled
scroll region with the credits early, and the coordinators' dashboard shows co-production across
the agencies in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.coproduction.models import ReferralStatus
from coproduce.coproduction.services.register import RegisterLine

from ..web.conftest import text
from .partner_helpers import give_credit, leisure_centre, swim
from .test_coproduction_figures import month_start
from .test_dashboard import held, refer, session_at
from .test_register import fund_agency


@pytest.fixture
def partner(coordinator, community, agency, agency_admin):
    return leisure_centre(coordinator, community, agency)


def test_it_sends_a_coordinators_get_of_the_add_address_to_the_form(client, community, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("web:partner_add", args=[community.slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:partner_list", args=[community.slug]) + "#add"
    page = client.get(reverse("web:partner_list", args=[community.slug])).content.decode()
    assert '<h2 id="add">' in page and 'aria-labelledby="add"' in page


@pytest.mark.parametrize(
    ("who", "status"), [("member", 403), ("outsider", 404), ("other_member", 404)]
)
def test_it_keeps_others_from_the_add_address(client, community, coordinator, who, status, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("web:partner_add", args=[community.slug])).status_code == status


def test_it_links_a_members_card_and_balance_from_the_spend_page(
    client, community, member, membership_of
):
    give_credit(community, member, 195)
    client.force_login(member)
    response = client.get(reverse("web:partner_list", args=[community.slug]))
    body = response.content.decode()
    number = membership_of(member, community).number
    assert reverse("web:member_card", args=[community.slug, number]) in body
    assert reverse("web:statement", args=[community.slug]) in body
    page = text(response)
    assert "Your member card" in page and "Your balance: 3h15" in page


def test_it_shows_operators_no_card_or_balance(client, community, operator):
    client.force_login(operator)
    page = text(client.get(reverse("web:partner_list", args=[community.slug])))
    assert "Your member card" not in page and "Your balance" not in page


def test_it_puts_the_report_in_a_labelled_region_with_the_credits_early(
    client, community, member, agency_staff, coordinator, partner, membership_of
):
    offer = swim(coordinator, partner)
    give_credit(community, member, 300)
    client.force_login(agency_staff)
    client.post(
        reverse("web:partner_redeem", args=[community.slug, partner.pk]),
        {
            "idempotency_key": "door-1",
            "member_ref": membership_of(member, community).member_code,
            "offer": str(offer.pk),
            "adults": "2",
            "children": "0",
        },
    )
    body = client.get(
        reverse("web:partner_report", args=[community.slug, partner.pk])
    ).content.decode()
    region = re.search(
        r'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="([^"]+)">', body
    )
    assert region is not None and f'id="{region.group(1)}"' in body
    headings = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', body)
    assert headings.index("Credits") < headings.index("Times") < headings.index("Adults")
    total = re.search(r"<tfoot>.*?</tfoot>", body, re.S).group(0)
    assert re.search(r'Total</th><td class="number">2h00</td><td class="number">1</td>', total)


def test_it_shows_coordinators_work_alongside_agencies(
    client, community, coordinator, agency, agency_admin, role, member
):
    fund_agency(agency, 6000)
    now = timezone.now()
    start = month_start(community)
    held(
        role,
        agency_admin,
        start + (now - start) / 2,
        [RegisterLine(member, True, 90)],
        "this-month",
    )
    session_at(role, now - dt.timedelta(hours=1))
    session_at(role, now - dt.timedelta(days=1))
    refer(agency, agency_admin, ReferralStatus.REFERRED, now - dt.timedelta(days=9))
    refer(agency, agency_admin, ReferralStatus.REFERRED, now - dt.timedelta(days=1))
    client.force_login(coordinator)
    response = client.get(reverse("web:coordinator_dashboard", args=[community.slug]))
    page = text(response)
    assert "Working alongside agencies" in page
    assert "Sessions held without a confirmed register : 2" in page
    assert "Referrals not contacted after a week : 1" in page
    assert "Hours co-produced this month: 1h30" in page
    assert "Referrals from professionals : 2 new" in page
    body = response.content.decode()
    assert reverse("web:agency_list", args=[community.slug]) in body
    assert reverse("web:referral_queue", args=[community.slug]) + "#new" in body


def test_it_reads_the_dashboard_in_the_same_number_of_queries_however_many_sessions(
    client, community, coordinator, agency, agency_admin, role, member, django_assert_num_queries
):
    fund_agency(agency, 6000)
    client.force_login(coordinator)
    url = reverse("web:coordinator_dashboard", args=[community.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    now = timezone.now()
    start = month_start(community)
    for i in range(3):
        held(
            role,
            agency_admin,
            start + (now - start) / (i + 2),
            [RegisterLine(member, True, 30)],
            f"s-{i}",
        )
        session_at(role, now - dt.timedelta(hours=i + 1))
        refer(agency, agency_admin, ReferralStatus.REFERRED, now - dt.timedelta(days=10 + i))
    with django_assert_num_queries(len(before)):
        page = text(client.get(url))
    assert "Sessions held without a confirmed register : 3" in page
