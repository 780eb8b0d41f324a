"""The agencies and roles pages in the browser (moved here so they share the one Playwright
instance of tests/browser/conftest.py)."""

from __future__ import annotations

import pytest

from coproduce.communities.models import Community, Person
from coproduce.coproduction.services import agencies
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import crawl, problems, sign_in

pytestmark = pytest.mark.browser


def test_agency_and_role_pages_pass_the_page_checks_in_a_browser(new_page):
    """axe, one h1, a title and no sideways scrolling at 360 px on every agency and role page a
    coordinator reaches (on the demo, with an agency and a role added here)."""
    community = Community.objects.get(slug="riverside")
    coordinator = Person.objects.get(email="coordinator@riverside.example")
    staff = Person.objects.get(email="staff@riverside.example")
    agency = agencies.agency_create(
        actor=coordinator,
        community=community,
        name="Riverside Library",
        kind="library",
        place="Market Square",
    )
    agencies.staff_add(
        actor=coordinator, agency=agency, person=staff, role="admin", job_title="Librarian"
    )
    role = agencies.role_create(
        actor=coordinator,
        agency=agency,
        title="Digital helper",
        description="Help people.",
        commitment="Tuesday mornings",
        training=["Safeguarding"],
        min_age=16,
        staff_lead=staff,
    )
    agencies.role_publish(actor=coordinator, role=role)
    page = new_page()
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    reports = crawl(page, f"/c/{community.slug}/agencies/", per_pattern=1, limit=12, depth=2)
    reports += crawl(page, f"/c/{community.slug}/training/", per_pattern=1, limit=1, depth=0)
    urls = {r.url.split("/c/riverside")[-1] for r in reports}
    assert {"/agencies/", "/agencies/riverside-library/", "/roles/"} <= urls, urls
    found = problems(reports)
    assert not found, "\n".join(found)
