"""The attendance register on a phone-sized screen, its confirm step and the agency dashboard:
each page passes axe and the 360 px checks, and a coordinator marks and confirms a register."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coproduce.communities.models import Community, Person
from coproduce.coproduction.models import (
    Agency,
    CoproductionRole,
    RoleStatus,
    Session,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import NARROW, check_page, problems, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def yesterdays_session(demo_site):
    community = Community.objects.get(slug="riverside")
    account = accounts_services.organisation_account_open(
        community=community, name="Register Test Clinic"
    )
    agency = Agency.objects.create(
        community=community,
        name="Register Test Clinic",
        slug="register-test-clinic",
        kind="gp_practice",
        account=account,
    )
    transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key="browser-register-seed",
        legs=[
            postings_services.Leg(accounts_services.issuance_account(community).pk, -1200),
            postings_services.Leg(account.pk, 1200),
        ],
    )
    role = CoproductionRole.objects.create(
        community=community,
        agency=agency,
        title="Waiting room host",
        description="Welcome people.",
        commitment="Weekly",
        status=RoleStatus.PUBLISHED,
    )
    start = timezone.now() - dt.timedelta(days=1)
    session = Session.objects.create(
        community=community,
        agency=agency,
        role=role,
        place="Waiting room",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=5,
    )
    people = list(
        Person.objects.filter(memberships__community=community, memberships__status="active")
        .exclude(email="coordinator@riverside.example")
        .order_by("pk")[:2]
    )
    for person in people:
        SignUp.objects.create(session=session, person=person, status=SignUpStatus.BOOKED)
    return session, people


def test_a_coordinator_marks_and_confirms_a_register_on_a_phone(new_page, yesterdays_session):
    session, people = yesterdays_session
    page = new_page(width=NARROW)
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    page.goto(f"/c/riverside/sessions/{session.pk}/register/")
    reports = [check_page(page, 200)]
    for person in people:
        page.get_by_role("group", name=person.display_name).get_by_label("Came", exact=True).check()
    page.get_by_role("button", name="Confirm and credit hours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the register")
    expect(page.locator(".summary-line")).to_contain_text(
        "This credits 2 people 2h00 each from Register Test Clinic's account"
    )
    reports.append(check_page(page, 200))
    page.get_by_role("button", name="Confirm and credit hours").click()
    expect(page.get_by_role("status")).to_contain_text("Register confirmed")
    reports.append(check_page(page, 200))
    session.refresh_from_db()
    assert session.status == SessionStatus.REGISTERED
    page.goto("/c/riverside/agencies/register-test-clinic/dashboard/")
    reports.append(check_page(page, 200))
    found = problems(reports)
    assert not found, "\n".join(found)
