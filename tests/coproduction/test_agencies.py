"""Agencies and their staff, through the services (co-production part 1)."""

from __future__ import annotations

import pytest

from coproduce.communities import access as community_access
from coproduce.communities.models import Role
from coproduce.coproduction.models import Agency, AgencyMembership, AgencyRole
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.coproduction.services import agencies as agencies_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.ledger.models import Account

from ..conftest import make_person


def _create(actor, community, name="Riverside Primary School", **values):
    data = {
        "kind": "school",
        "description": "Reading buddies.",
        "place": "School Lane",
        "website": "",
    }
    data.update(values)
    return agencies_services.agency_create(actor=actor, community=community, name=name, **data)


def test_it_creates_an_agency_with_its_own_account(community, coordinator):
    agency = _create(coordinator, community)
    assert agency.slug == "riverside-primary-school"
    assert agency.account is not None and agency.account.kind == "organisation"
    assert agency.account.community_id == community.pk
    assert AuditEvent.objects.filter(action="agency.create", subject_id=str(agency.pk)).exists()
    assert list(agencies_selectors.agencies_of(community)) == [agency]
    assert agencies_selectors.agency_by_slug(community, agency.slug) == agency


def test_it_makes_slugs_unique_in_the_community(community, coordinator):
    first = _create(coordinator, community, name="Library")
    second = _create(coordinator, community, name="Library!")
    assert (first.slug, second.slug) == ("library", "library-2")


@pytest.mark.parametrize(
    "values, field",
    [
        ({"name": ""}, "name"),
        ({"kind": "spaceship"}, "kind"),
        ({"website": "not a url"}, "website"),
        ({"description": "x" * 4001}, "description"),
    ],
)
def test_it_refuses_bad_agency_details_and_stores_nothing(community, coordinator, values, field):
    accounts = Account.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        _create(coordinator, community, **values)
    assert field in caught.value.fields
    assert Agency.objects.count() == 0
    assert Account.objects.count() == accounts


def test_it_lets_only_coordinators_create_agencies(
    community, member, agency_staff, outsider, other_member
):
    for person in (member, agency_staff):
        with pytest.raises(PermissionDenied):
            _create(person, community)
    for person in (outsider, other_member):
        with pytest.raises(NotFound):
            _create(person, community)
    assert Agency.objects.count() == 0


def test_it_lets_an_agency_admin_update_but_not_plain_staff(
    agency, agency_admin, member, coordinator
):
    agencies_services.staff_add(actor=coordinator, agency=agency, person=member)
    with pytest.raises(PermissionDenied):
        agencies_services.agency_update(actor=member, agency=agency, place="Elsewhere")
    updated = agencies_services.agency_update(
        actor=agency_admin, agency=agency, place="14 Dock Street"
    )
    assert updated.place == "14 Dock Street"
    assert updated.slug == "riverside-health-centre"
    event = AuditEvent.objects.get(action="agency.update")
    assert event.changes == {"place": ["12 Dock Street", "14 Dock Street"]}


def test_it_archives_an_agency_and_then_refuses_changes(
    agency, role, coordinator, agency_admin, member
):
    agencies_services.agency_archive(actor=coordinator, agency=agency)
    role.refresh_from_db()
    assert role.status == "archived"
    assert list(agencies_selectors.agencies_of(agency.community)) == []
    with pytest.raises(Conflict):
        agencies_services.agency_update(actor=coordinator, agency=agency, name="New")
    with pytest.raises(Conflict):
        agencies_services.staff_add(actor=coordinator, agency=agency, person=member)
    with pytest.raises(Conflict):
        agencies_services.agency_archive(actor=coordinator, agency=agency)
    assert not AgencyMembership.objects.filter(person=member).exists()


def test_it_adds_staff_and_grants_the_community_role(agency, agency_admin, member, community):
    assert Role.AGENCY_STAFF not in community_access.roles_in(member, community)
    staff = agencies_services.staff_add(
        actor=agency_admin, agency=agency, person=member, role="staff", job_title="Receptionist"
    )
    assert staff.job_title == "Receptionist"
    community_access.forget_roles(member)
    assert Role.AGENCY_STAFF in community_access.roles_in(member, community)
    assert list(agencies_selectors.agencies_of_person(member, community)) == [agency]
    assert [s.person for s in agencies_selectors.staff_of(agency)] == [agency_admin, member]


def test_it_refuses_staff_who_are_not_members(agency, coordinator, outsider, other_member):
    for person in (outsider, other_member):
        with pytest.raises(NotFound):
            agencies_services.staff_add(actor=coordinator, agency=agency, person=person)
    assert AgencyMembership.objects.filter(agency=agency).count() == 0


def test_it_refuses_staff_twice_and_bad_roles(agency, agency_admin, coordinator):
    with pytest.raises(Conflict):
        agencies_services.staff_add(actor=coordinator, agency=agency, person=agency_admin)
    with pytest.raises(ValidationFailed):
        agencies_services.staff_add(
            actor=coordinator, agency=agency, person=coordinator, role="boss"
        )
    assert AgencyMembership.objects.filter(agency=agency).count() == 1


def test_it_lets_only_admins_and_coordinators_add_staff(agency, agency_admin, member, community):
    plain = make_person("plain@gp.example", "Pat Plain")
    from coproduce.communities.services import memberships as memberships_services

    memberships_services.membership_add(actor=None, community=community, person=plain)
    agencies_services.staff_add(actor=agency_admin, agency=agency, person=plain)
    with pytest.raises(PermissionDenied):
        agencies_services.staff_add(actor=plain, agency=agency, person=member)
    with pytest.raises(PermissionDenied):
        agencies_services.staff_add(actor=member, agency=agency, person=member)
    assert not AgencyMembership.objects.filter(person=member).exists()


def test_it_removes_staff_but_never_the_last_admin(agency, agency_admin, member, coordinator):
    with pytest.raises(Conflict) as caught:
        agencies_services.staff_remove(actor=coordinator, agency=agency, person=agency_admin)
    assert caught.value.code == "last_admin"
    assert AgencyMembership.objects.get(person=agency_admin).ended_at is None
    agencies_services.staff_add(
        actor=coordinator, agency=agency, person=member, role=AgencyRole.ADMIN
    )
    ended = agencies_services.staff_remove(actor=member, agency=agency, person=agency_admin)
    assert ended.ended_at is not None
    assert [s.person for s in agencies_selectors.staff_of(agency)] == [member]
    assert AuditEvent.objects.filter(action="agency.staff_remove").count() == 1
    with pytest.raises(NotFound):
        agencies_services.staff_remove(actor=coordinator, agency=agency, person=agency_admin)
    # Someone who left may come back.
    agencies_services.staff_add(actor=coordinator, agency=agency, person=agency_admin)
