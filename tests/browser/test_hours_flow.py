"""The ledger issue's story, in the browser: a member records 1h30 of gardening for a
neighbour, the neighbour confirms, both statements show it, a coordinator reverses it with a
reason and both see why; the audit stays clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coproduce.communities.models import Person
from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import sign_in

pytestmark = pytest.mark.browser

REASON = "Recorded for the wrong neighbour"


def statement_text(page) -> str:
    page.goto("/c/riverside/statement/")
    return page.get_by_role("main").inner_text()


def test_it_records_confirms_and_reverses_hours_as_people_would(new_page):
    neighbour = Person.objects.get(email="staff@riverside.example")
    code = neighbour.memberships.get(community__slug="riverside").member_code

    maya = new_page()
    sign_in(maya, "member@riverside.example", DEMO_PASSWORD)
    maya.goto("/home/")
    maya.locator("a[href='/c/riverside/exchanges/record/']").click()
    expect(maya.get_by_role("heading", level=1)).to_have_text("Record hours")
    maya.get_by_label("I gave help").check()
    maya.get_by_label(re.compile(r"^Who was the other person")).fill(code)
    maya.get_by_label(re.compile(r"^Hours")).fill("1")
    maya.get_by_label(re.compile(r"^Minutes")).fill("30")
    maya.get_by_label(re.compile(r"^What was the help")).fill("Weeding the front garden")
    maya.get_by_label(re.compile(r"^Kind of help")).fill("Gardening")
    maya.get_by_role("button", name="Record the hours").click()
    expect(maya.get_by_role("status")).to_contain_text("Recorded.")
    exchange = Exchange.objects.get(title="Weeding the front garden")
    assert (exchange.minutes, exchange.status) == (90, ExchangeStatus.RECORDED)

    priya = new_page()
    sign_in(priya, "staff@riverside.example", DEMO_PASSWORD)
    priya.goto("/c/riverside/exchanges/to-confirm/")
    priya.get_by_role(
        "button", name=re.compile(r"^Confirm 1h30 for Weeding the front garden")
    ).click()
    expect(priya.get_by_role("status")).to_contain_text("Confirmed")
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CONFIRMED
    assert "Weeding the front garden" in statement_text(maya)
    assert "Weeding the front garden" in statement_text(priya)

    coordinator = new_page()
    sign_in(coordinator, "coordinator@riverside.example", DEMO_PASSWORD)
    coordinator.goto(f"/c/riverside/exchanges/{exchange.pk}/")
    coordinator.get_by_role("main").get_by_label(re.compile(r"^Why")).fill(REASON)
    coordinator.get_by_role("button", name="Reverse 1h30").click()
    expect(coordinator.get_by_role("status")).to_contain_text("everse")
    assert REASON in statement_text(maya)
    assert REASON in statement_text(priya)
    assert ledger_audit().clean
