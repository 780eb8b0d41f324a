"""Co-production roles, training records and eligibility, through the services (part 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.models import CheckKind, CheckResult
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.coproduction.models import CoproductionRole, TrainingRecord
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.coproduction.services import agencies as agencies_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent


def _values(**extra):
    data = {
        "title": "Reading buddy",
        "description": "Read with a child <b>twice</b> a week.",
        "commitment": "1 hour a week for a term",
        "vetting_level": 2,
        "training": ["Safeguarding"],
        "min_age": 16,
        "max_age": None,
        "remote_ok": False,
    }
    data.update(extra)
    return data


def test_it_creates_a_draft_role_and_publishes_it(agency, agency_admin, member, community):
    role = agencies_services.role_create(
        actor=agency_admin, agency=agency, staff_lead=agency_admin, **_values()
    )
    assert role.status == "draft"
    assert (
        role.description == "Read with a child <b>twice</b> a week."
    )  # stored as written, escaped when shown
    assert agencies_selectors.roles_search(community, member).roles == []
    with pytest.raises(NotFound):
        agencies_selectors.role_get(community, member, role.pk)
    agencies_services.role_publish(actor=agency_admin, role=role)
    assert [r.pk for r in agencies_selectors.roles_search(community, member).roles] == [role.pk]
    assert agencies_selectors.role_get(community, member, role.pk) == role
    with pytest.raises(Conflict):
        agencies_services.role_publish(actor=agency_admin, role=role)
    agencies_services.role_archive(actor=agency_admin, role=role)
    assert agencies_selectors.roles_search(community, member).roles == []
    assert list(
        AuditEvent.objects.filter(
            subject_id=str(role.pk), subject_type="coproduction.coproductionrole"
        )
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["role.create", "role.publish", "role.archive"]


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"min_age": 30, "max_age": 20}, "max_age"),
        ({"min_age": -1}, "min_age"),
        ({"max_age": 121}, "max_age"),
        ({"vetting_level": 3}, "vetting_level"),
        ({"title": ""}, "title"),
        ({"commitment": ""}, "commitment"),
        ({"training": ["x" * 121]}, "training"),
    ],
)
def test_it_refuses_bad_roles_and_stores_nothing(agency, agency_admin, extra, field):
    before = CoproductionRole.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        agencies_services.role_create(actor=agency_admin, agency=agency, **_values(**extra))
    assert field in caught.value.fields
    assert CoproductionRole.objects.count() == before


def test_it_refuses_a_staff_lead_who_is_not_staff(agency, agency_admin, member):
    with pytest.raises(ValidationFailed) as caught:
        agencies_services.role_create(
            actor=agency_admin, agency=agency, staff_lead=member, **_values()
        )
    assert "staff_lead" in caught.value.fields
    assert not CoproductionRole.objects.filter(title="Reading buddy").exists()


def test_it_lets_only_admins_and_coordinators_create_roles(
    agency, agency_admin, member, coordinator, other_member
):
    with pytest.raises(PermissionDenied):
        agencies_services.role_create(actor=member, agency=agency, **_values())
    with pytest.raises(NotFound):
        agencies_services.role_create(actor=other_member, agency=agency, **_values())
    agencies_services.staff_add(actor=coordinator, agency=agency, person=member)  # plain staff
    with pytest.raises(PermissionDenied):
        agencies_services.role_create(actor=member, agency=agency, **_values())
    assert not CoproductionRole.objects.filter(title="Reading buddy").exists()
    assert agencies_services.role_create(actor=coordinator, agency=agency, **_values()).pk


def test_it_refuses_roles_for_an_archived_agency(agency, agency_admin, coordinator, role):
    agencies_services.agency_archive(actor=coordinator, agency=agency)
    with pytest.raises(Conflict):
        agencies_services.role_create(actor=coordinator, agency=agency, **_values())
    with pytest.raises(Conflict):
        agencies_services.role_update(actor=coordinator, role=role, title="New")
    assert not CoproductionRole.objects.filter(title="Reading buddy").exists()


def test_it_updates_a_role(role, agency_admin):
    updated = agencies_services.role_update(
        actor=agency_admin, role=role, remote_ok=True, max_age=80
    )
    assert (updated.remote_ok, updated.max_age) == (True, 80)
    assert "riverside health centre" in updated.search_document
    with pytest.raises(ValidationFailed):
        agencies_services.role_update(actor=agency_admin, role=role, min_age=90)
    role.refresh_from_db()
    assert role.min_age is None


def test_it_searches_published_roles(role, agency_admin, agency, member, community):
    other = agencies_services.role_create(
        actor=agency_admin, agency=agency, **_values(remote_ok=True)
    )
    agencies_services.role_publish(actor=agency_admin, role=other)
    assert [
        r.pk for r in agencies_selectors.roles_search(community, member, q="waiting room").roles
    ] == [role.pk]
    assert [
        r.pk for r in agencies_selectors.roles_search(community, member, q="HEALTH centre").roles
    ] == [role.pk, other.pk]
    assert [
        r.pk for r in agencies_selectors.roles_search(community, member, q="safeguarding").roles
    ] == [other.pk]
    assert [
        r.pk for r in agencies_selectors.roles_search(community, member, remote=True).roles
    ] == [other.pk]
    assert [
        r.pk for r in agencies_selectors.roles_search(community, member, agency="nope").roles
    ] == []
    first = agencies_selectors.roles_search(community, member, limit=1)
    assert len(first.roles) == 1 and first.next_cursor
    second = agencies_selectors.roles_search(community, member, limit=1, cursor=first.next_cursor)
    assert second.roles[0].pk != first.roles[0].pk and second.next_cursor is None
    with pytest.raises(ValidationFailed):
        agencies_selectors.roles_search(community, member, cursor="garbage!")


def test_it_searches_in_a_fixed_number_of_queries(
    role, agency_admin, agency, member, community, django_assert_num_queries
):
    for i in range(5):
        agencies_services.role_publish(
            actor=agency_admin,
            role=agencies_services.role_create(
                actor=agency_admin,
                agency=agency,
                staff_lead=agency_admin,
                **_values(title=f"Role {i}"),
            ),
        )
    agencies_selectors.roles_search(community, member)  # warm the member's role cache
    with django_assert_num_queries(1):
        page = agencies_selectors.roles_search(community, member)
        [(r.agency.name, r.staff_lead and r.staff_lead.display_name) for r in page.roles]


def test_it_records_training(community, agency_admin, member, coordinator, outsider):
    record = agencies_services.training_record(
        actor=agency_admin,
        community=community,
        person=member,
        name="Safeguarding",
        completed_on=dt.date(2025, 3, 1),
    )
    assert list(agencies_selectors.training_of(member, community)) == [record]
    with pytest.raises(Conflict):
        agencies_services.training_record(
            actor=coordinator,
            community=community,
            person=member,
            name="safeguarding",
            completed_on=dt.date(2025, 3, 2),
        )
    with pytest.raises(PermissionDenied):
        agencies_services.training_record(
            actor=member,
            community=community,
            person=member,
            name="First aid",
            completed_on=dt.date(2025, 3, 2),
        )
    with pytest.raises(NotFound):
        agencies_services.training_record(
            actor=coordinator,
            community=community,
            person=outsider,
            name="First aid",
            completed_on=dt.date(2025, 3, 2),
        )
    with pytest.raises(ValidationFailed):
        agencies_services.training_record(
            actor=coordinator,
            community=community,
            person=member,
            name="First aid",
            completed_on=timezone.localdate() + dt.timedelta(days=2),
        )
    assert TrainingRecord.objects.count() == 1


def test_it_lets_staff_of_any_agency_record_training(agency, agency_admin, community, member):
    assert agencies_services.training_record(
        actor=agency_admin,
        community=community,
        person=member,
        name="First aid",
        completed_on=dt.date(2025, 1, 1),
    ).pk


def test_it_explains_eligibility(role, agency_admin, member, coordinator, community, outsider):
    assert agencies_selectors.eligibility(member, role) == []
    role = agencies_services.role_update(
        actor=agency_admin,
        role=role,
        vetting_level=1,
        training=["Safeguarding", "First aid"],
        min_age=18,
        max_age=25,
    )
    reasons = agencies_selectors.eligibility(member, role)
    assert len(reasons) == 2  # no birth date known: age left to staff
    assert "ID checked" in reasons[0]
    assert reasons[1] == "Training still needed: Safeguarding, First aid."
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.ID_SEEN,
        result=CheckResult.PASSED,
        checked_on=dt.date(2025, 1, 5),
    )
    agencies_services.training_record(
        actor=coordinator,
        community=community,
        person=member,
        name="safeguarding",
        completed_on=dt.date(2025, 3, 1),
    )
    agencies_services.training_record(
        actor=coordinator,
        community=community,
        person=member,
        name="First aid",
        completed_on=dt.date(2025, 3, 1),
    )
    member.date_of_birth = dt.date(1960, 1, 1)
    assert agencies_selectors.eligibility(member, role) == [
        "This role is for people aged 25 or under."
    ]
    member.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 10)
    assert agencies_selectors.eligibility(member, role) == [
        "This role is for people aged 18 or over."
    ]
    assert agencies_selectors.eligibility(outsider, role) == [
        "Only active members of Riverside can sign up."
    ]


def test_it_states_the_credits_an_hour_earns(community, coordinator):
    assert (
        agencies_selectors.credits_per_hour_text(community) == "1 hour here earns 1 hour of credit"
    )
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"credits_per_hour_percent": 150},
        reason="Test",
    )
    assert (
        agencies_selectors.credits_per_hour_text(community)
        == "1 hour here earns 1 hour 30 minutes of credit"
    )
