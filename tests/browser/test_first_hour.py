"""The first hour of agency staff and of a member, in the browser on the co-production demo: Priya,
staff at Riverside Health Centre, reaches the register she has to fill in from her home page by
links alone, on a phone-sized screen; and the pages that were cut off at 360 px (the coordinators'
"Needs a person" queue with its actions, the dashboard's applications waiting, a statement's balance
column) fit: nothing in them is wider than the screen, and they pass axe."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import NARROW, check_page, cut_off, problems, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def coproduction_demo(demo_site):
    """The Riverside demo with its agencies' year (registers, credits, referrals) and its
    listings."""
    from django.apps import apps

    from coproduce.exchanges.models import Category
    from coproduce.ops.demo import coproduction as coproduction_demo
    from coproduce.ops.demo import exchanges as exchanges_demo

    if not Category.objects.exists():
        # An earlier browser test's flush emptied the taxonomy that a data migration loads.
        importlib.import_module("coproduce.exchanges.migrations.0003_default_categories").load(
            apps, None
        )
    assert coproduction_demo.build_coproduction()
    exchanges_demo.build_listings()
    return demo_site


def test_priya_reaches_her_register_from_her_home_page(new_page, coproduction_demo):
    page = new_page(width=NARROW)
    sign_in(page, "staff@riverside.example", DEMO_PASSWORD)
    page.goto("/home/")
    reports = [check_page(page, 200)]
    agencies = page.get_by_role("region", name="Your agencies")
    expect(agencies).to_contain_text("Riverside Health Centre")
    expect(agencies).to_contain_text("1 register to fill in")
    agencies.get_by_role(
        "link", name=re.compile(r"^Register: Welcome host in the waiting room, ")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome host in the waiting room")
    expect(page.get_by_role("button", name="Confirm and credit hours")).to_be_visible()
    reports.append(check_page(page, 200))
    # Back home, her agency's page and its sessions are one link away; she is not asked to sign up.
    page.goto("/home/")
    page.get_by_role("link", name="Sessions at Riverside Health Centre").first.click()
    expect(page.get_by_role("main")).to_contain_text(
        "You run these sessions as staff of Riverside Health Centre"
    )
    expect(page.get_by_role("main").get_by_role("button", name="Sign up")).to_have_count(0)
    reports.append(check_page(page, 200))
    found = problems(reports)
    assert not found, "\n".join(found)


PAGES = {
    "coordinator@riverside.example": ["/c/riverside/coordinate/needs/", "/c/riverside/coordinate/"],
    "member@riverside.example": ["/c/riverside/statement/"],
}


def test_the_pages_that_were_cut_off_fit_a_phone_sized_screen(new_page, coproduction_demo):
    found = []
    for login, paths in PAGES.items():
        page = new_page()
        sign_in(page, login, DEMO_PASSWORD)
        for path in paths:
            page.goto(path)
            expect(page.get_by_role("main").locator("table").first).to_be_visible()
            found += problems([check_page(page, 200)]) + cut_off(page)
    assert not found, "\n".join(found)
