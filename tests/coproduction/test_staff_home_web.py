"""Agency staff's first hour: their home page shows their agencies and what waits for them there
(registers to fill in, the next sessions, referrals not yet taken up), each a link straight to
the page where it is done; and staff are not offered "Sign up", nor told about checks, on the
sessions of their own agency."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.coproduction.models import (
    Agency,
    AgencyKind,
    AgencyMembership,
    AgencyRole,
    CoproductionRole,
    RoleStatus,
    Session,
)
from coproduce.ledger.services import accounts as accounts_services

from ..web.conftest import text
from .test_referrals_web import make as make_referral


def _url(name, *args):
    return reverse(f"web:{name}", args=args)


def _session(role, *, days: float, place: str = "Quiet room") -> Session:
    start = (timezone.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)
    return Session.objects.create(
        community=role.community,
        agency=role.agency,
        role=role,
        place=place,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=4,
    )


def _agency(community, name: str, staff, *, admin: bool = False) -> tuple[Agency, CoproductionRole]:
    slug = name.lower().replace(" ", "-")
    account = accounts_services.organisation_account_open(community=community, name=name)
    agency = Agency.objects.create(
        community=community, name=name, slug=slug, kind=AgencyKind.SCHOOL, account=account
    )
    AgencyMembership.objects.create(
        agency=agency, person=staff, role=AgencyRole.ADMIN if admin else AgencyRole.STAFF
    )
    role = CoproductionRole.objects.create(
        community=community,
        agency=agency,
        title=f"Helper at {name}",
        description="Help.",
        commitment="Weekly",
        status=RoleStatus.PUBLISHED,
    )
    return agency, role


def test_staff_see_their_agency_and_what_waits_for_them_on_their_home_page(
    client, agency, agency_admin, role, session, coordinator
):
    held = _session(role, days=-2, place="Waiting room")
    make_referral(agency_admin, agency)
    client.force_login(agency_admin)
    response = client.get(_url("home"))
    body = response.content.decode()
    page = text(response)
    assert response.status_code == 200
    assert "Your agencies" in page
    assert (
        f'href="{_url("agency_detail", "riverside", agency.slug)}">Riverside Health Centre' in body
    )
    # The register to fill in, linked straight to it.
    assert "1 register to fill in" in page
    assert f'href="{_url("session_register", "riverside", held.pk)}"' in body
    # The next session, linked to its page.
    assert "Next sessions" in page
    assert f'href="{_url("session_detail", "riverside", session.pk)}"' in body
    # Referrals made from the agency that no coordinator has taken up yet.
    assert "1 referral waiting for a coordinator" in page
    assert f'href="{_url("agency_referrals", "riverside", agency.slug)}"' in body
    assert f'href="{_url("agency_sessions", "riverside", agency.slug)}"' in body


def test_staff_with_nothing_waiting_are_told_so(client, agency, agency_admin, role):
    client.force_login(agency_admin)
    page = text(client.get(_url("home")))
    assert "Riverside Health Centre" in page
    assert "No registers to fill in." in page and "No sessions coming up." in page
    assert "referral waiting" not in page


def test_a_member_who_is_not_staff_sees_no_agency_work(
    client, agency, agency_admin, role, session, member
):
    _session(role, days=-2)
    client.force_login(member)
    page = text(client.get(_url("home")))
    assert "Your agencies" not in page and "register to fill in" not in page


def test_a_coordinator_acting_for_a_member_does_not_see_their_own_agency_work(
    client, community, agency, role, coordinator, member
):
    AgencyMembership.objects.create(agency=agency, person=coordinator, role=AgencyRole.STAFF)
    _session(role, days=-2)
    client.force_login(coordinator)
    assert "Your agencies" in text(client.get(_url("home")))
    client.post(
        _url("acting_start", "riverside", member.memberships.get(community=community).number)
    )
    page = text(client.get(_url("home")))
    assert "Home of Mo Member" in page or "Hello, Mo Member" in page
    assert "Your agencies" not in page and "register to fill in" not in page


def test_the_home_page_reads_a_fixed_number_of_queries(
    client, community, agency, agency_admin, role, session, django_assert_num_queries
):
    client.force_login(agency_admin)
    client.get(_url("home"))  # warm the session and the content-type cache
    with django_assert_num_queries(QUERIES):
        small = client.get(_url("home"))
    assert "Riverside Health Centre" in text(small)
    for n in range(3):
        other, other_role = _agency(community, f"School {n}", agency_admin, admin=bool(n % 2))
        for days in (-3, -2, -1, 1, 2, 3, 4):
            _session(other_role, days=days + n / 10)
        make_referral(agency_admin, other)
    for days in (-5, -4, 2, 3):
        _session(role, days=days)
    with django_assert_num_queries(QUERIES):
        big = client.get(_url("home"))
    page = text(big)
    assert (
        "School 2" in page and "3 registers to fill in" in page and "2 registers to fill in" in page
    )


QUERIES = 14  # the member's home (10) and the staff's agencies with what waits there (4)


@pytest.mark.parametrize("view", ["session_detail", "agency_sessions"])
def test_staff_are_not_offered_sign_up_on_their_own_agencys_sessions(
    client, agency, agency_admin, role, session, view
):
    role.vetting_level = 2  # staff are not warned about checks either
    role.save(update_fields=["vetting_level"])
    client.force_login(agency_admin)
    url = (
        _url("session_detail", "riverside", session.pk)
        if view == "session_detail"
        else _url("agency_sessions", "riverside", agency.slug)
    )
    response = client.get(url)
    page = text(response)
    assert "Peer supporter" in page
    assert not re.search(
        r">\s*(Sign up|Join the waiting list)\s*</button>", response.content.decode()
    )
    assert "Before you can sign up" not in page and "You cannot sign up yet" not in page
    assert "as staff of Riverside Health Centre" in page


def test_staff_of_one_agency_are_offered_sign_up_at_another(
    client, community, agency, agency_admin, member
):
    school, school_role = _agency(community, "Riverside School", member)
    later = _session(school_role, days=3)
    client.force_login(agency_admin)
    response = client.get(_url("session_detail", "riverside", later.pk))
    assert re.search(r">\s*Sign up\s*</button>", response.content.decode())
    assert "You run this session" not in text(response)


def test_a_coordinator_who_is_not_staff_still_sees_sign_up(
    client, community, agency, role, session, coordinator
):
    client.force_login(coordinator)
    response = client.get(_url("session_detail", "riverside", session.pk))
    assert re.search(r">\s*Sign up\s*</button>", response.content.decode())
    assert "You run this session" not in text(response)


def test_staff_who_are_not_admins_find_referrals_and_the_dashboard_on_their_agencys_page(
    client, community, member
):
    school, _role = _agency(community, "Riverside School", member)
    client.force_login(member)
    body = client.get(_url("agency_detail", "riverside", school.slug)).content.decode()
    for name in ("referral_create", "agency_referrals", "agency_dashboard"):
        assert f'href="{_url(name, "riverside", school.slug)}"' in body
    assert client.get(_url("agency_dashboard", "riverside", school.slug)).status_code == 200
