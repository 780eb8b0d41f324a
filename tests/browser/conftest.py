"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live
server, with the Riverside demo loaded. Never `playwright install`: /usr/bin/chromium is used.

Playwright runs an event loop in the test thread, so Django's async-safety check has to be off
for these tests (scripts/test.sh sets DJANGO_ALLOW_ASYNC_UNSAFE; the browser fixture does too)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.cache import cache

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_RUN = (
    "axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
)
NARROW = 360

# Links a crawl never follows: leaving, downloads, the admin, API docs, static files.
SKIP = re.compile(
    r"/accounts/logout|/admin/|/api/|/static/|/media/|\.zip$|\.jpg$|\.csv$|\.xlsx$|\.pdf$|\.ics$|/my-data|/download"
)


@pytest.fixture(scope="session")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo_site(transactional_db, live_server) -> str:
    """The live server's URL, with the Riverside demo in its database."""
    from coproduce.ops.demo.communities import build_demo
    from coproduce.ops.demo.governance import build_governance

    cache.clear()  # sign-in rate limits are counted in the cache
    build_demo()
    build_governance()  # proposals, votes, budget, sanctions; Hillside ready for the story
    return live_server.url


@pytest.fixture
def new_page(browser, demo_site):
    """new_page(width=1280) -> a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make(width: int = 1280):
        # bypass_csp lets axe be injected as an inline script; the site's CSP forbids inline
        # scripts.
        context = browser.new_context(
            base_url=demo_site,
            viewport={"width": width, "height": 900},
            bypass_csp=True,
            locale="en-GB",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, login: str, password: str) -> None:
    """Through the real sign-in form, as a person would."""
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.get_by_label(re.compile(r"^Email, username or member number")).fill(login)
    page.get_by_label(re.compile(r"^Password")).fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


# Crawling --------------------------------------------------------------------------------------


@dataclass
class PageReport:
    url: str
    status: int
    title: str
    h1_count: int
    scroll_width: int
    violations: list[dict] = field(default_factory=list)  # serious and critical only


def _pattern(url: str) -> str:
    """/c/riverside/members/12/?after=50 -> /c/riverside/members/N/?after : pages of one kind."""
    parts = urlsplit(url)
    query = "&".join(sorted(p.split("=")[0] for p in parts.query.split("&") if p))
    return re.sub(r"\d+", "N", parts.path) + ("?" + query if query else "")


def crawl(
    page, start: str, *, per_pattern: int = 2, limit: int = 60, depth: int = 3
) -> list[PageReport]:
    """Visit the start page, every same-site link in its navigation and main content, and their
    links in turn (breadth first, GET only), checking each page. At most `per_pattern` pages of
    one kind (member 12 and member 13 are one kind) and `limit` pages in all."""
    queue: list[tuple[str, int]] = [(start, 0)]
    seen: set[str] = set()
    queued: set[str] = {start}
    per: dict[str, int] = {}
    reports: list[PageReport] = []
    while queue and len(reports) < limit:
        url, level = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        page.wait_for_load_state()
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        if page.url != url and page.url in seen:
            continue  # a redirect to a page already checked (or the start page, given as a path)
        seen.add(page.url)
        reports.append(check_page(page, response.status if response else 0))
        if level >= depth:
            continue
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            href = urldefrag(href)[0]
            if not href.startswith(origin) or SKIP.search(href) or href in seen or href in queued:
                continue
            pattern = _pattern(href)
            if per.get(pattern, 0) >= per_pattern:
                continue
            per[pattern] = per.get(pattern, 0) + 1
            queued.add(href)
            queue.append((href, level + 1))
    return reports


def check_page(page, status: int) -> PageReport:
    """axe at the default width and again at 360 px (the layout changes below 40rem), then the
    360 px checks: no sideways scrolling, one h1, a title."""
    page.add_script_tag(path=str(AXE))
    violations = _serious(page.evaluate(AXE_RUN), "")
    wide = page.viewport_size
    page.set_viewport_size({"width": NARROW, "height": 800})
    known = {(v["id"], tuple(v["targets"])) for v in violations}
    violations += [
        v
        for v in _serious(page.evaluate(AXE_RUN), f" at {NARROW} px")
        if (v["id"], tuple(v["targets"])) not in known
    ]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    report = PageReport(
        url=page.url,
        status=status,
        title=page.title().strip(),
        h1_count=page.locator("h1").count(),
        scroll_width=scroll_width,
        violations=violations,
    )
    page.set_viewport_size(wide)
    return report


# What is cut off at the sides: an element in the main content whose content is wider than its box
# and does not show it (it scrolls or clips sideways), such as a table in a scrolling wrapper. The
# page itself does not scroll then, so the document's width check misses it. Clipped one-pixel
# boxes (visually hidden text) are left out.
_CUT_OFF = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 1
               && getComputedStyle(e).overflowX !== 'visible')
  .map(e => e.tagName.toLowerCase()
            + (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '')
            + (e.getAttribute('aria-labelledby')
               ? ' labelled by #' + e.getAttribute('aria-labelledby') : '')
            + ': content ' + e.scrollWidth + ' px wide in ' + e.clientWidth + ' px')"""


def cut_off(page, width: int = NARROW) -> list[str]:
    """At `width` (360 px by default): each part of the main content that is wider than its box
    and scrolls or is clipped sideways, so that some of it is out of sight (see _CUT_OFF)."""
    wide = page.viewport_size
    page.set_viewport_size({"width": width, "height": 800})
    found = page.evaluate(_CUT_OFF)
    page.set_viewport_size(wide)
    return [f"{page.url}: {what}" for what in found]


def _serious(results: dict, where: str) -> list[dict]:
    return [
        {
            "id": v["id"],
            "impact": v["impact"] + where,
            "help": v["help"],
            "targets": [", ".join(map(str, node["target"])) for node in v["nodes"]],
            "html": [node["html"][:160] for node in v["nodes"]],
        }
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def problems(reports: list[PageReport]) -> list[str]:
    out = []
    for r in reports:
        if r.status != 200:
            out.append(f"{r.url}: HTTP {r.status}")
        if r.h1_count != 1:
            out.append(f"{r.url}: {r.h1_count} h1 elements (want exactly one)")
        if not r.title:
            out.append(f"{r.url}: empty <title>")
        if r.scroll_width > NARROW:
            out.append(f"{r.url}: scrolls sideways at {NARROW} px (scrollWidth {r.scroll_width})")
        for v in r.violations:
            for target, html in zip(v["targets"], v["html"], strict=True):
                out.append(
                    f"{r.url}: axe {v['id']} ({v['impact']}): {v['help']} at {target}: {html}"
                )
    return out
