"""Issue 5's session pages in the browser on the co-production demo: the agency's sessions, a
role's sessions, a session, My sessions, and (for agency staff) the forms to add a session or
repeating sessions, each checked with axe (serious and critical), for one h1, a title and no
sideways scrolling, at 1280 px and at 360 px."""

from __future__ import annotations

import importlib

import pytest
from django.utils import timezone

from coproduce.coproduction.models import Agency, Session, SessionStatus
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import check_page, problems, sign_in

pytestmark = pytest.mark.browser

MEMBER = "member@riverside.example"
STAFF = "staff@riverside.example"  # Priya Shah: admin of the health centre


@pytest.fixture
def coproduction_demo(demo_site):
    """The Riverside demo with its co-production: agencies, roles and a year of sessions."""
    from django.apps import apps

    from coproduce.exchanges.models import Category
    from coproduce.ops.demo.coproduction import build_coproduction

    if not Category.objects.exists():
        # An earlier browser test's flush emptied the taxonomy that a data migration loads.
        importlib.import_module("coproduce.exchanges.migrations.0003_default_categories").load(
            apps, None
        )
    build_coproduction()
    return demo_site


def _paths(*, staff: bool) -> list[str]:
    agency = Agency.objects.get(community__slug="riverside", name="Riverside Health Centre")
    session = (
        Session.objects.filter(
            agency=agency, status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now()
        )
        .order_by("starts_at", "pk")
        .first()
    )
    assert session is not None, "the demo has no upcoming session at the health centre"
    base = "/c/riverside"
    paths = [
        f"{base}/agencies/{agency.slug}/sessions/",
        f"{base}/roles/{session.role_id}/sessions/",
        f"{base}/sessions/{session.pk}/",
        f"{base}/sessions/mine/",
    ]
    if staff:
        paths += [
            f"{base}/agencies/{agency.slug}/sessions/new/",
            f"{base}/agencies/{agency.slug}/sessions/repeating/",
        ]
    return paths


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize(
    ("login", "staff"), [(MEMBER, False), (STAFF, True)], ids=["member", "staff"]
)
def test_the_session_pages_have_no_accessibility_problems(
    new_page, coproduction_demo, login, staff, width
):
    page = new_page(width=width)
    sign_in(page, login, DEMO_PASSWORD)
    reports = []
    for path in _paths(staff=staff):
        response = page.goto(path)
        page.wait_for_load_state()
        reports.append(check_page(page, response.status if response else 0))
    assert problems(reports) == []
