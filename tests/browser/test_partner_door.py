"""Spend partners on a phone: the coordinator takes a swim at the door by member number, sees
the receipt, and every partner page passes axe and the 360 px checks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coproduce.communities.models import Community, Person
from coproduce.coproduction.models import Redemption
from coproduce.coproduction.services import partners
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import NARROW, check_page, problems, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_takes_credits_at_the_door_on_a_phone(new_page, demo_site):
    community = Community.objects.get(slug="riverside")
    coordinator = Person.objects.get(email="coordinator@riverside.example")
    partner = partners.partner_create(
        actor=coordinator, community=community, name="Riverside Leisure Centre", place="Dock Road"
    )
    partners.offer_create(
        actor=coordinator,
        partner=partner,
        title="One swim",
        minutes=60,
        max_adults=2,
        max_children=2,
    )
    member = (
        community.memberships.filter(status="active")
        .exclude(person=coordinator)
        .select_related("community")
        .order_by("number")
        .first()
    )
    page = new_page(width=NARROW)
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    reports = []
    page.goto("/c/riverside/")
    page.get_by_role("link", name="Spend your credits").click()
    reports.append(check_page(page, 200))
    page.get_by_role("link", name="Riverside Leisure Centre").click()
    reports.append(check_page(page, 200))
    page.get_by_role("link", name="Take credits at the door").click()
    reports.append(check_page(page, 200))
    page.get_by_label("Member number").fill(member.member_code)
    page.get_by_role("button", name="Check").click()
    expect(
        page.get_by_role("heading", name=re.compile(re.escape(member.person.display_name)))
    ).to_be_visible()
    reports.append(check_page(page, 200))
    page.get_by_role("button", name="Take the hours").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Receipt")
    reports.append(check_page(page, 200))
    assert Redemption.objects.filter(person=member.person).count() == 1
    page.goto(f"/c/riverside/spend/{partner.pk}/report/")
    reports.append(check_page(page, 200))
    assert problems(reports) == []
