"""The API documentation page renders in a real browser under the site's Content-Security-Policy
(script-src 'self'), with no request leaving the site: no CDN, no validator badge."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_renders_the_docs_offline_under_the_csp(live_server):
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requested.append(r.url))
        page.goto(live_server.url + "/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=15_000)
        operations = page.locator(".opblock").count()
        title = page.title()
        browser.close()
    assert operations >= 25
    assert title == "coproduce API — documentation"
    assert problems == []  # a CSP violation is reported on the console
    assert all(url.startswith(live_server.url) for url in requested), requested
