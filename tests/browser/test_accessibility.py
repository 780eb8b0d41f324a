"""Every page each kind of person can reach from the navigation passes axe-core (WCAG 2.2 AA,
serious and critical findings), works at 360 px without sideways scrolling, and has one h1 and
a title."""

from __future__ import annotations

import pytest

from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import crawl, problems, sign_in

pytestmark = pytest.mark.browser

ROLES = {
    "member": "member@riverside.example",
    "phone-only member": "RIV-0005",
    "coordinator": "coordinator@riverside.example",
    "agency staff": "staff@riverside.example",
    "operator": "operator@coproduce.example",
}


def test_it_passes_every_check_on_every_public_page(new_page):
    page = new_page()
    reports = crawl(page, "/")
    paths = {r.url for r in reports}
    assert any(p.endswith("/accounts/login/") for p in paths)
    assert any("/apply/" in p for p in paths), "the public pages should link to an application form"
    found = problems(reports)
    assert not found, f"{len(found)} problems on {len(reports)} pages:\n" + "\n".join(found)


@pytest.mark.parametrize("role", list(ROLES))
def test_it_passes_every_check_on_every_page_a_role_can_reach(new_page, role):
    page = new_page()
    sign_in(page, ROLES[role], DEMO_PASSWORD)
    reports = crawl(page, "/home/")
    assert len(reports) >= 3, [r.url for r in reports]
    if role == "member":  # the proposals pages are among those checked
        assert any(r.url.endswith("/proposals/new/") for r in reports), [r.url for r in reports]
    found = problems(reports)
    assert not found, f"{len(found)} problems on {len(reports)} pages:\n" + "\n".join(found)
