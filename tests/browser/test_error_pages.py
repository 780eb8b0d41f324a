"""The site's own 404 page in the browser (never Django's debug page): axe-clean, one h1, no
sideways scrolling at 360 px; and no page asks for a favicon that is not there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import check_page, problems, sign_in

pytestmark = pytest.mark.browser


def watch_icons(page) -> list[tuple[str, int]]:
    """Every favicon the browser fetched, with its status."""
    fetched: list[tuple[str, int]] = []
    page.on("response", lambda r: fetched.append((r.url, r.status)) if "favicon" in r.url else None)
    return fetched


def test_it_shows_its_own_page_for_a_missing_listing_and_a_wrong_address(new_page):
    page = new_page()
    icons = watch_icons(page)
    sign_in(page, "member@riverside.example", DEMO_PASSWORD)
    response = page.goto("/c/riverside/listings/999999/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    assert "URLconf" not in page.content() and "Traceback" not in page.content()
    expect(page.get_by_role("link", name="Go to your home page")).to_be_visible()
    found = problems([check_page(page, 200)])  # 404 is the expected status; the rest must pass
    assert not found, "\n".join(found)

    stranger = new_page(width=360)
    icons += watch_icons(stranger)
    response = stranger.goto("/c/riverside/no-such-page/")
    assert response is not None and response.status == 404
    expect(stranger.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    found = problems([check_page(stranger, 200)])
    assert not found, "\n".join(found)
    # Signing in from there comes back to the address.
    stranger.get_by_role("link", name="Sign in", exact=True).last.click()
    expect(stranger).to_have_url(re.compile(r"/accounts/login/\?next=/c/riverside/no-such-page/$"))

    assert icons and all(status == 200 for _url, status in icons), icons


def test_it_answers_every_favicon_a_page_asks_for(new_page):
    page = new_page()
    icons = watch_icons(page)
    for path in ("/", "/accounts/login/", "/api/v1/docs"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        for href in page.eval_on_selector_all("link[rel~=icon]", "els => els.map(e => e.href)"):
            assert page.request.get(href).status == 200, href
    assert page.request.get("/favicon.ico").status == 200
    assert all(status == 200 for _url, status in icons), icons


@pytest.mark.urls("tests.web.error_urls")
def test_it_shows_its_own_page_for_a_server_error(new_page):
    page = new_page(width=360)
    response = page.goto("/broken/")
    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong on our side")
    expect(page.get_by_role("link", name="coproduce")).to_be_visible()  # the site's header
    assert "RuntimeError" not in page.content()
    found = problems([check_page(page, 200)])
    assert not found, "\n".join(found)
