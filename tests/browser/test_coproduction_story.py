"""Issue 5's story, in the browser on the whole demo, as a new user would try it: Priya, staff at
Riverside Health Centre, publishes a peer-supporter session; Maya, who is also a patient there,
signs up; after the session Priya marks the register on a phone-sized screen; Maya sees the
credits on her statement; a coordinator at the leisure centre's door takes one swim by her member
number; the agency dashboard shows the hours, the role's iCalendar feed lists the session, and
the ledger audit stays clean."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coproduce.communities.models import Membership
from coproduce.coproduction.models import (
    CoproductionRole,
    Redemption,
    Session,
    SessionStatus,
    SpendPartner,
)
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import NARROW, check_page, problems, sign_in

pytestmark = pytest.mark.browser

PLACE = "Health Centre, room 4"


@pytest.fixture
def whole_demo(demo_site):
    """What `coproduce demo` builds, co-production included."""
    from django.apps import apps

    from coproduce.exchanges.models import Category
    from coproduce.ops.demo import coproduction as coproduction_demo
    from coproduce.ops.demo import exchanges as exchanges_demo
    from coproduce.ops.demo import messaging as messaging_demo

    if not Category.objects.exists():
        # An earlier browser test's flush emptied the taxonomy that a data migration loads.
        importlib.import_module("coproduce.exchanges.migrations.0003_default_categories").load(
            apps, None
        )
    exchanges_demo.build_history()
    exchanges_demo.build_listings()
    messaging_demo.build_conversations()
    assert coproduction_demo.build_coproduction() is True
    return demo_site


def test_a_patient_gives_time_at_the_health_centre_and_spends_it_on_a_swim(new_page, whole_demo):
    peer = CoproductionRole.objects.get(title="Peer supporter")
    maya_membership = Membership.objects.select_related("community").get(
        community__slug="riverside", person__email="member@riverside.example"
    )
    maya_code = f"{maya_membership.community.member_prefix}-{maya_membership.number:04d}"
    reports = []

    # Priya publishes a peer-supporter session for tomorrow afternoon.
    priya = new_page()
    sign_in(priya, "staff@riverside.example", DEMO_PASSWORD)
    # Every step below follows links from the pages, as a new user would.
    priya.goto("/c/riverside/agencies/riverside-health-centre/")
    priya.get_by_role("link", name="Sessions at Riverside Health Centre").click()
    priya.get_by_role("link", name="Add a session").click()
    reports.append(check_page(priya, 200))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    priya.get_by_label(re.compile(r"^Role")).select_option(label="Peer supporter")
    priya.get_by_label(re.compile(r"^Date")).fill(tomorrow.isoformat())
    priya.get_by_label(re.compile(r"^Starts at")).fill("14:00")
    priya.get_by_label(re.compile(r"^Ends at")).fill("15:30")
    priya.get_by_label(re.compile(r"^Where")).fill(PLACE)
    priya.get_by_label(re.compile(r"^Places")).fill("3")
    priya.get_by_label("Priya", exact=True).check()
    priya.get_by_role("button", name="Publish the session").click()
    priya.wait_for_load_state()
    session = Session.objects.get(role=peer, place=PLACE)
    assert session.status == SessionStatus.SCHEDULED

    # Maya, on her phone, finds it and signs up: the role's training and check are recorded.
    maya = new_page(width=NARROW)
    sign_in(maya, "member@riverside.example", DEMO_PASSWORD)
    maya.goto("/c/riverside/")
    maya.get_by_role("link", name="Volunteer alongside staff").click()
    maya.get_by_role("link", name="Peer supporter", exact=True).click()
    reports.append(check_page(maya, 200))
    maya.get_by_role("link", name="See the sessions and sign up").click()
    maya.get_by_role(
        "link", name=re.compile(timezone.localtime(session.starts_at).strftime("%A %-d %B, %H:%M"))
    ).click()
    maya.get_by_role("main").get_by_role("button", name="Sign up").click()
    expect(maya.get_by_role("main").get_by_role("button", name="Cancel my place")).to_be_visible()
    reports.append(check_page(maya, 200))

    # Time passes: the session has taken place.
    start = timezone.now() - dt.timedelta(hours=3)
    Session.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(minutes=90)
    )

    # Priya marks the register on her phone and confirms it.
    priya.set_viewport_size({"width": NARROW, "height": 800})
    priya.goto("/c/riverside/agencies/riverside-health-centre/")
    priya.get_by_role("link", name=re.compile(r"\d+ registers? to fill in")).click()
    priya.get_by_role(
        "link", name=f"Register: Peer supporter, {timezone.localtime(start):%A %-d %B}"
    ).click()
    reports.append(check_page(priya, 200))
    priya.get_by_role("group", name=re.compile(r"^Maya\b")).get_by_label("Came", exact=True).check()
    priya.get_by_label("Priya was there").check()
    priya.get_by_role("button", name="Confirm and credit hours").click()
    expect(priya.get_by_role("heading", level=1)).to_have_text("Confirm the register")
    expect(priya.locator(".summary-line")).to_contain_text("Riverside Health Centre's account")
    reports.append(check_page(priya, 200))
    priya.get_by_role("button", name="Confirm and credit hours").click()
    expect(priya.get_by_role("status")).to_contain_text("Register confirmed")
    session.refresh_from_db()
    assert session.status == SessionStatus.REGISTERED and session.transfer_id

    # Maya sees the credits on her statement.
    maya.goto("/c/riverside/statement/")
    expect(maya.get_by_role("main")).to_contain_text("Peer supporter at Riverside Health Centre")
    reports.append(check_page(maya, 200))

    # At the leisure centre's door, a coordinator takes one swim by her member number.
    leisure = SpendPartner.objects.get(name="Riverside Leisure Centre")
    desk = new_page(width=NARROW)
    sign_in(desk, "coordinator@riverside.example", DEMO_PASSWORD)
    desk.goto("/c/riverside/")
    desk.get_by_role("link", name="Spend your credits").click()
    desk.get_by_role("link", name=leisure.name, exact=True).click()
    desk.get_by_role("link", name="Take credits at the door").click()
    desk.get_by_label(re.compile(r"^Member number")).fill(maya_code)
    desk.get_by_role("button", name="Check").click()
    expect(desk.locator(".door-member-result")).to_contain_text("Maya")
    reports.append(check_page(desk, 200))
    desk.get_by_label(re.compile(r"^One swim")).check()
    desk.get_by_role("button", name="Take the hours").click()
    desk.wait_for_load_state()
    redemption = Redemption.objects.get(partner=leisure, person__email="member@riverside.example")
    expect(desk.get_by_role("main")).to_contain_text(redemption.receipt_number)
    reports.append(check_page(desk, 200))
    maya.goto("/c/riverside/statement/")
    expect(maya.get_by_role("main")).to_contain_text("One swim at Riverside Leisure Centre")

    # The agency dashboard shows the hours; the role's calendar feed lists the session.
    priya.goto("/c/riverside/agencies/riverside-health-centre/dashboard/")
    main = priya.get_by_role("main").inner_text()
    assert re.search(r"\d+h\d\d", main), main[:500]
    reports.append(check_page(priya, 200))
    feed = priya.request.get(f"/c/riverside/roles/{peer.pk}/sessions.ics")
    assert feed.status == 200
    body = feed.text()
    assert body.startswith("BEGIN:VCALENDAR")
    assert f"UID:session-{session.pk}@" in body
    assert PLACE.replace(",", "\\,") in body

    assert ledger_audit().clean
    found = problems(reports)
    assert not found, "\n".join(found)
