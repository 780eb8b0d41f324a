"""The referral and self-assessment pages pass axe and the 360 px checks, and a coordinator
moves a referral on with the status buttons."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from coproduce.communities.models import Community, Person
from coproduce.coproduction.models import Agency
from coproduce.coproduction.selectors import assessments as assessments_selectors
from coproduce.coproduction.services import assessments as assessments_services
from coproduce.coproduction.services import referrals
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import NARROW, check_page, problems, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def referral_world(demo_site):
    community = Community.objects.get(slug="riverside")
    coordinator = Person.objects.get(email="coordinator@riverside.example")
    agency = Agency.objects.create(
        community=community,
        name="Referral Test Clinic",
        slug="referral-test-clinic",
        kind="gp_practice",
    )
    referral = referrals.referral_create(
        actor=coordinator,
        agency=agency,
        target="community",
        full_name="Pat Patient",
        phone="07700 900123",
        what_matters="Would like to meet people",
        consent_given=True,
        consent_note="In clinic on 3 May",
    )
    for day, value in ((dt.date(2025, 6, 1), 1), (dt.date(2026, 1, 10), 3)):
        assessments_services.assessment_create(
            actor=coordinator,
            agency=agency,
            completed_on=day,
            scores=dict.fromkeys(assessments_selectors.PAIRS, value),
        )
    return agency, referral


def test_the_referral_and_assessment_pages_are_accessible_on_a_phone(new_page, referral_world):
    agency, referral = referral_world
    page = new_page(width=NARROW)
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    reports = []
    for path in (
        f"/c/riverside/agencies/{agency.slug}/referrals/new/",
        f"/c/riverside/agencies/{agency.slug}/referrals/",
        "/c/riverside/coordinate/referrals/",
        f"/c/riverside/coordinate/referrals/{referral.pk}/",
        f"/c/riverside/agencies/{agency.slug}/assessments/",
        f"/c/riverside/agencies/{agency.slug}/assessments/new/",
    ):
        response = page.goto(path)
        reports.append(check_page(page, response.status if response else 0))
    # A refused referral shows its errors accessibly too.
    page.goto(f"/c/riverside/agencies/{agency.slug}/referrals/new/")
    page.get_by_role("button", name="Send the referral").click()
    expect(
        page.get_by_text("Ask the person first; a referral needs their consent.").first
    ).to_be_visible()
    reports.append(
        check_page(page, 200)
    )  # the refused form answers 400 on purpose; checked for axe only
    assert problems(reports) == []


def test_a_coordinator_moves_a_referral_on_with_the_buttons(new_page, referral_world):
    _agency, referral = referral_world
    page = new_page()
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    page.goto("/c/riverside/coordinate/")
    page.get_by_role("link", name="Referrals from professionals").click()
    page.get_by_role("link", name="Pat Patient").click()
    page.get_by_label("Note for coordinators").fill("Rang, coming Tuesday")
    page.get_by_role("button", name="Mark contacted").click()
    expect(page.get_by_text("Saved: Contacted.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark contacted")).to_have_count(0)
    referral.refresh_from_db()
    assert referral.status == "contacted"


def test_the_header_and_the_referral_choices_line_up_on_a_phone(new_page, referral_world):
    agency, _referral = referral_world
    page = new_page(width=NARROW)
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    page.goto(f"/c/riverside/agencies/{agency.slug}/referrals/new/")
    # "Sign out" is a button in a form: its words sit where the links' words sit in their boxes.
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll('.nav > li')).map(li => {
        const el = li.querySelector('a, button'); const range = document.createRange();
        range.selectNodeContents(el); const words = range.getClientRects()[0];
        const box = el.getBoundingClientRect();
        return {name: el.textContent.trim(), offset: words.top - box.top,
                height: box.height}; })""")
    by_name = {b["name"]: b for b in boxes}
    sign_out, account = by_name["Sign out"], by_name["Account"]
    assert (
        abs(sign_out["offset"] - account["offset"]) < 1
        and abs(sign_out["height"] - account["height"]) < 1
    )
    # A radio whose label wraps keeps its size: it may not shrink in the row it shares with the
    # label.
    radios = page.eval_on_selector_all(
        ".choice-list input[type=radio]",
        "els => els.map(e => [getComputedStyle(e).flexShrink, e.getBoundingClientRect().width])",
    )
    assert radios and all(shrink == "0" and width >= 20 for shrink, width in radios)
