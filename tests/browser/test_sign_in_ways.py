"""The first sign-in of people without a password, in the browser: Dorothy (no email) with the
sign-in letter her coordinator prints, and a newly approved member with their welcome link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from coproduce.ops.demo.communities import DEMO_PASSWORD, PHONE_MEMBER_NUMBER

from .conftest import check_page, problems, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "knitting-by-the-window-7"


def choose_password(page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    assert problems([check_page(page, 200)]) == []
    page.get_by_label(re.compile(r"^Choose a password")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^Type the same password again")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my password and sign in").click()
    page.wait_for_load_state()


def test_it_lets_dorothy_sign_in_with_the_letter_her_coordinator_prints(new_page):
    coordinator = new_page()
    sign_in(coordinator, "coordinator@riverside.example", DEMO_PASSWORD)
    number = int(PHONE_MEMBER_NUMBER.split("-")[1])
    coordinator.goto(f"/c/riverside/members/{number}/")
    coordinator.get_by_role("button", name="Print a sign-in letter").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Sign-in letter")
    letter = coordinator.locator(".sign-in-letter")
    expect(letter).to_contain_text("Dear Dorothy Evans,")
    expect(letter).to_contain_text(PHONE_MEMBER_NUMBER)
    expect(letter).to_contain_text("Riverside")
    assert problems([check_page(coordinator, 200)]) == []
    code = letter.locator(".sign-in-letter-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)

    dorothy = new_page(360)
    dorothy.goto("/accounts/login/")
    dorothy.get_by_role("link", name="Sign in with its code").click()
    expect(dorothy.get_by_role("heading", level=1)).to_have_text(
        "Sign in with a code from a letter"
    )
    assert problems([check_page(dorothy, 200)]) == []
    dorothy.get_by_label(re.compile(r"^Your member number")).fill(PHONE_MEMBER_NUMBER.lower())
    dorothy.get_by_label(re.compile(r"^The code from your letter")).fill(
        code.replace("-", " ").lower()
    )
    dorothy.get_by_role("button", name="Next: choose a password").click()
    choose_password(dorothy)
    expect(dorothy).to_have_url(re.compile(r"/home/$"))
    expect(dorothy.get_by_role("status")).to_contain_text("Your password is set. Welcome!")

    # From now on: her member number and her own password.
    dorothy.context.clear_cookies()
    sign_in(dorothy, PHONE_MEMBER_NUMBER, NEW_PASSWORD)
    expect(dorothy).to_have_url(re.compile(r"/home/$"))


def test_it_lets_a_new_member_choose_a_password_from_their_welcome_link(new_page):
    coordinator = new_page()
    sign_in(coordinator, "coordinator@riverside.example", DEMO_PASSWORD)
    coordinator.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Coordinate Riverside"
    ).click()
    coordinator.get_by_role("link", name="Leanne Price").click()
    mail.outbox.clear()
    coordinator.get_by_role("button", name="Approve Leanne Price").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Leanne Price is now a member")
    (welcome,) = [m for m in mail.outbox if m.subject == "Welcome to Riverside"]
    link = re.search(r"https?://[^\s]+(/welcome/[^/\s]+/)", welcome.body).group(1)

    member = new_page(360)
    member.goto(link)
    choose_password(member)
    expect(member).to_have_url(re.compile(r"/home/$"))
    expect(member.get_by_role("heading", level=1)).to_contain_text("Leanne")
