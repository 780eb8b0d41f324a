"""Whole tasks in the browser, found by their labels and roles as a person would find them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coproduce.communities.models import Application, ApplicationStatus, Person, Visibility
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import sign_in

pytestmark = pytest.mark.browser


def open_dashboard(page):
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Coordinate Riverside"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coordinate Riverside")


def test_it_lets_a_coordinator_approve_an_application(new_page):
    page = new_page()
    open_dashboard(page)
    page.get_by_role("link", name="Leanne Price").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Application from Leanne Price")
    expect(page.get_by_text("1 supporting of 1 needed")).to_be_visible()
    page.get_by_role("button", name="Approve Leanne Price").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Leanne Price is now a member, number RIV-\d{4}")
    )
    application = Application.objects.get(full_name="Leanne Price")
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by.email == "coordinator@riverside.example"


def test_it_tells_a_coordinator_why_an_application_cannot_be_approved_yet(new_page):
    page = new_page()
    open_dashboard(page)
    page.get_by_role("link", name="Kemi Adebayo").click()
    page.get_by_role("button", name="Approve Kemi Adebayo").click()
    expect(page.get_by_text(re.compile(r"needs 1 supporting reference"))).not_to_have_count(0)
    assert Application.objects.get(full_name="Kemi Adebayo").status == ApplicationStatus.PENDING


def test_it_lets_a_coordinator_decline_an_application_with_a_reason(new_page):
    page = new_page()
    open_dashboard(page)
    page.get_by_role("link", name="Colin Marsh").click()
    decline = page.locator("form", has=page.get_by_role("button", name="Decline the application"))
    decline.get_by_label(re.compile(r"^Why is the application declined")).fill(
        "The reference raised concerns we talked through with him."
    )
    decline.get_by_role("button", name="Decline the application").click()
    expect(page.get_by_role("status")).to_contain_text(
        "The application from Colin Marsh has been declined."
    )
    assert Application.objects.get(full_name="Colin Marsh").status == ApplicationStatus.DECLINED


def test_it_lets_a_member_change_their_gifts(new_page):
    page = new_page()
    sign_in(page, "member@riverside.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Change gifts and when free").click()
    hands = page.get_by_label(re.compile(r"^Hands"))
    hands.fill(hands.input_value() + "\nFixing bikes")
    page.get_by_role("button", name="Save the gift profile").click()
    expect(page.get_by_role("status")).to_contain_text("The gift profile has been saved.")
    expect(page.get_by_role("main")).to_contain_text("Fixing bikes")
    maya = Person.objects.get(email="member@riverside.example")
    assert maya.gifts.filter(kind="hands", description="Fixing bikes").exists()


def test_it_lets_a_member_choose_who_sees_their_phone_number(new_page):
    page = new_page()
    sign_in(page, "member@riverside.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Choose who sees what").click()
    phone = page.get_by_role("group", name=re.compile(r"^Phone number"))
    phone.get_by_label("Anyone").check()
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_role("status")).to_contain_text("The privacy settings have been saved.")
    expect(
        page.get_by_role("group", name=re.compile(r"^Phone number")).get_by_label("Anyone")
    ).to_be_checked()
    assert (
        Person.objects.get(email="member@riverside.example").phone_visibility == Visibility.PUBLIC
    )
