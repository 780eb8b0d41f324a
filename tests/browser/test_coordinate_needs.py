"""The coordinators' "Needs a person" pages in the browser, on the demo with its listings and
conversations: each page passes axe, works at 360 px, and an introduction can be made from the
queue with the keyboard-reachable form."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from coproduce.messaging.models import Introduction
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import check_page, problems, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_with_messages(demo_site):
    from django.apps import apps

    from coproduce.exchanges.models import Category
    from coproduce.ops.demo import exchanges as exchanges_demo
    from coproduce.ops.demo import messaging as messaging_demo

    if not Category.objects.exists():
        # An earlier browser test's flush emptied the taxonomy that a data migration loads.
        importlib.import_module("coproduce.exchanges.migrations.0003_default_categories").load(
            apps, None
        )
    exchanges_demo.build_listings()
    messaging_demo.build_conversations()
    return demo_site


def test_every_coordinator_page_of_this_work_passes_the_checks(new_page, demo_with_messages):
    page = new_page()
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    page.goto("/c/riverside/coordinate/")
    links = [
        "Needs a person",
        "Messages to pass on",
        "Introductions",
        "Concerns raised after exchanges (private)",
    ]
    reports = []
    for name in links:
        page.goto("/c/riverside/coordinate/")
        page.get_by_role("main").get_by_role("link", name=name, exact=True).first.click()
        page.wait_for_load_state()
        reports.append(check_page(page, 200))
    page.goto("/c/riverside/coordinate/needs/")
    page.locator("main a[href*='/introductions/new/?listing=']").first.click()
    page.wait_for_load_state()
    reports.append(check_page(page, 200))
    found = problems(reports)
    assert not found, "\n".join(found)


def test_a_coordinator_introduces_two_members_from_the_queue(new_page, demo_with_messages):
    page = new_page()
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    page.goto("/c/riverside/coordinate/needs/")
    before = Introduction.objects.count()
    page.locator("main a[href*='/introductions/new/?listing=']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Introduce two members")
    suggestions = page.get_by_role("group", name="Suggested from the matching offers").get_by_role(
        "radio"
    )
    if suggestions.count():
        suggestions.first.check()
    else:
        page.get_by_label(re.compile(r"^to")).fill("RIV-0002")
    page.get_by_label("Your message to both of them").fill(
        "You two should talk: one asks, the other offers."
    )
    page.get_by_role("button", name="Send the introduction").click()
    expect(page.get_by_role("status")).to_contain_text("You have introduced")
    assert Introduction.objects.count() == before + 1
