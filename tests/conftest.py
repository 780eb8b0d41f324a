"""The standard people every access test uses, built with the real services:

- member: an ordinary member of Riverside
- coordinator: a coordinator of Riverside (MFA-exempt here; MFA is tested on its own)
- agency_staff: agency staff at Riverside
- outsider: signed in, belongs to no community
- other_member: a member of another community (Hillside)

Both communities keep the founding rules but one: one-to-one help needs no check
(`vetting_one_to_one` = 0, `TEST_RULES`), so the tests of exchanges, listings and messages need not
record an ID check for every person they make. The tests of the check rules themselves
(tests/communities/test_vetting.py, tests/*/test_vetting_*.py) set the rules they test; the demo,
which the browser tests use, runs with the default rules.
"""

from __future__ import annotations

import pytest

from coproduce.communities.models import Person, Role
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.coproduction.models import Agency, AgencyKind, AgencyMembership, AgencyRole
from coproduce.ledger.services import accounts as accounts_services

PASSWORD = "correct-horse-battery-9"


def make_person(email: str | None, full_name: str, **extra) -> Person:
    return Person.objects.create_user(email=email, password=PASSWORD, full_name=full_name, **extra)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits live in the cache (memory in tests): each test starts with none used."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def operator(db) -> Person:
    return make_person("operator@example.org", "Olu Operator", is_operator=True, mfa_exempt=True)


TEST_RULES = {"vetting_one_to_one": 0}


@pytest.fixture
def community(db):
    return communities_services.community_create(
        actor=None,
        name="Riverside",
        slug="riverside",
        member_prefix="RIV",
        area_description="Riverside ward and the streets around the old docks.",
        rules=TEST_RULES,
    )


@pytest.fixture
def other_community(db):
    return communities_services.community_create(
        actor=None,
        name="Hillside",
        slug="hillside",
        member_prefix="HIL",
        area_description="Up the hill.",
        rules=TEST_RULES,
    )


@pytest.fixture
def coordinator(community) -> Person:
    person = make_person("coordinator@riverside.example", "Cora Coordinator", mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=[Role.COORDINATOR]
    )
    return person


@pytest.fixture
def member(community) -> Person:
    person = make_person(
        "member@riverside.example", "Mo Member", phone="07700 900001", address="1 River Row"
    )
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


@pytest.fixture
def agency_staff(community) -> Person:
    person = make_person("staff@gp.example", "Asha Staff")
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=[Role.AGENCY_STAFF]
    )
    return person


@pytest.fixture
def outsider(db) -> Person:
    return make_person("outsider@example.org", "Otto Outsider")


@pytest.fixture
def other_member(other_community) -> Person:
    person = make_person("member@hillside.example", "Hana Hillside")
    memberships_services.membership_add(actor=None, community=other_community, person=person)
    return person


@pytest.fixture
def membership_of():
    def get(person, community):
        return person.memberships.get(community=community)

    return get


@pytest.fixture
def agency(community):
    """Riverside Health Centre, a GP practice with its own hours account."""
    account = accounts_services.organisation_account_open(
        community=community, name="Riverside Health Centre"
    )
    return Agency.objects.create(
        community=community,
        name="Riverside Health Centre",
        slug="riverside-health-centre",
        kind=AgencyKind.GP_PRACTICE,
        place="12 Dock Street",
        account=account,
    )


@pytest.fixture
def agency_admin(agency, agency_staff):
    AgencyMembership.objects.create(
        agency=agency, person=agency_staff, role=AgencyRole.ADMIN, job_title="Practice manager"
    )
    return agency_staff
