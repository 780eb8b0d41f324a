"""The public offers page, as a visitor who is not signed in finds it: from the list of
communities, checked like every other page (axe, 360 px, one h1), then signing in to answer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coproduce.ops.demo.communities import DEMO_PASSWORD
from coproduce.ops.demo.exchanges import PUBLIC_TITLES

from .conftest import check_page, problems
from .test_listing_pictures_and_near import listings  # noqa: F401 - the demo's listings, as a fixture

pytestmark = pytest.mark.browser


def test_it_shows_public_listings_to_a_visitor_and_leads_them_in(new_page, listings):  # noqa: F811
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="See what people in Riverside offer and ask for").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offers and requests in Riverside")
    reports = [check_page(page, 200)]
    shown = set(page.locator(".results h3").all_inner_texts())
    assert shown == PUBLIC_TITLES
    assert "Help setting up a new laptop" not in page.content()  # shared with members only

    page.get_by_label(re.compile(r"^What are you looking for")).fill("gardning")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".results h3").first).to_have_text(
        "Weeding and tidying small gardens"
    )  # the best match
    reports.append(check_page(page, 200))

    page.get_by_role(
        "link", name=re.compile(r"^Sign in to answer .Weeding and tidying small gardens")
    ).click()
    page.get_by_label(re.compile(r"^Email, username or member number")).fill(
        "member@riverside.example"
    )
    page.get_by_label(re.compile(r"^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Weeding and tidying small gardens")
    expect(page).to_have_url(re.compile(r"/c/riverside/listings/\d+/$"))
    found = problems(reports)
    assert not found, "\n".join(found)
