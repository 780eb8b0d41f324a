"""Signing in with the keyboard alone: the skip link comes first, then the form in order."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coproduce.ops.demo.communities import DEMO_PASSWORD

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '',
          type: e.getAttribute('type') || '',
          text: (e.innerText || '').trim(), id: e.id || '', inMain: !!e.closest('main')};
}"""


def focus_stops(page, count: int = 30) -> list[dict]:
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
    return stops


def is_submit(stop: dict) -> bool:
    return stop["tag"] == "button" and stop["inMain"] and stop["text"] == "Sign in"


def test_it_makes_the_skip_link_the_first_focus_stop(new_page):
    page = new_page()
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["tag"] == "a" and first["text"] == "Skip to main content"
    box = page.get_by_role("link", name="Skip to main content").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, (
        "the skip link must be visible when focused"
    )
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["id"] == "main"


def test_it_reaches_the_sign_in_fields_in_order(new_page):
    page = new_page()
    page.goto("/accounts/login/")
    stops = focus_stops(page)
    names = [s["name"] for s in stops]
    assert "login" in names and "password" in names, stops
    login, password = names.index("login"), names.index("password")
    submit = next(i for i, s in enumerate(stops) if is_submit(s))
    assert login < password < submit, stops


def test_it_signs_in_with_the_keyboard_alone(new_page):
    page = new_page()
    page.goto("/accounts/login/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED)["name"] == "login":
            break
    page.keyboard.type("member@riverside.example")
    for _ in range(3):  # allauth puts "Forgot your password?" between the two fields
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED)["name"] == "password":
            break
    assert page.evaluate(FOCUSED)["name"] == "password"
    page.keyboard.type(DEMO_PASSWORD)
    for _ in range(10):
        page.keyboard.press("Tab")
        if is_submit(page.evaluate(FOCUSED)):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Maya")
