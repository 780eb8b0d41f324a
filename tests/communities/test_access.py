from __future__ import annotations

import pytest

from coproduce.communities import access
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import NotFound, PermissionDenied


def test_it_gives_outsiders_404_not_403(community, outsider, other_member):
    for person in (outsider, other_member):
        with pytest.raises(NotFound):
            access.access_community(person, community)
        with pytest.raises(NotFound):
            access.access_coordinate(person, community)


def test_it_lets_only_coordinators_coordinate(
    community, member, agency_staff, coordinator, operator
):
    for person in (member, agency_staff):
        with pytest.raises(PermissionDenied):
            access.access_coordinate(person, community)
    access.access_coordinate(coordinator, community)
    access.access_coordinate(operator, community)


def test_it_sees_a_new_role_after_it_is_granted(community, coordinator, member):
    assert not access.is_coordinator(member, community)
    memberships_services.role_set(
        actor=coordinator, membership=member.memberships.get(), role="coordinator", granted=True
    )
    assert access.is_coordinator(member, community)


def test_it_lets_stewards_manage_rules(community, coordinator, member):
    with pytest.raises(PermissionDenied):
        access.access_manage_rules(member, community)
    memberships_services.role_set(
        actor=coordinator, membership=member.memberships.get(), role="steward", granted=True
    )
    access.access_manage_rules(member, community)


def test_it_keeps_members_of_one_community_out_of_another(
    community, other_community, member, other_member
):
    membership = other_member.memberships.get()
    with pytest.raises(NotFound):
        access.access_member_record(member, other_community, membership)
    with pytest.raises(NotFound):
        access.access_member_record(member, community, membership)


@pytest.mark.parametrize(
    "q", ["²", "RIV-²", "RIV-0001", "1", "99999999999999999999", "RIV-99999999999999999999", "٣"]
)
def test_it_searches_the_directory_with_any_text(community, member, q):
    from coproduce.communities.selectors import directory as directory_selectors

    directory_selectors.member_directory(community, q=q)


def test_memberships_with_roles_are_what_the_orm_reads_in_one_statement(
    community, other_community, member, coordinator
):
    """memberships_with_roles reads with a statement written out once (core/rows.py): the same
    memberships, communities and roles as the ORM, in the same order, in one statement."""
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from coproduce.communities.models import (
        Community,
        Membership,
        MembershipStatus,
        Person,
        Role,
    )
    from coproduce.communities.services import communities as communities_services

    third = communities_services.community_create(
        actor=None, name="Third <&> Town", slug="third", member_prefix="THI", rules={}
    )
    gone = communities_services.community_create(
        actor=None, name="Gone", slug="gone", member_prefix="GON", rules={}
    )
    memberships_services.membership_add(
        actor=None,
        community=other_community,
        person=member,
        roles=[Role.COORDINATOR, Role.STEWARD],
    )
    memberships_services.membership_add(
        actor=None, community=third, person=member, roles=[Role.STEWARD]
    )
    memberships_services.membership_add(actor=None, community=gone, person=member)
    Membership.objects.filter(person=member, community=gone).update(
        status=MembershipStatus.ARCHIVED
    )
    # A suspended member is still a member for reading; their roles are kept but not given.
    Membership.objects.filter(person=member, community=third).update(
        status=MembershipStatus.SUSPENDED
    )
    person = Person.objects.get(pk=member.pk)
    with CaptureQueriesContext(connection) as queries:
        ours = access.memberships_with_roles(person)
    assert len(queries.captured_queries) == 1
    theirs: dict = {}
    for m in (
        Membership.objects.filter(
            person=member, status__in=[MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED]
        )
        .select_related("community")
        .annotate(role_name=F("roles__role"))
    ):
        entry = theirs.setdefault(m.community_id, (m, set()))
        if m.role_name and m.status == MembershipStatus.ACTIVE:
            entry[1].add(m.role_name)

    def fields(instance):
        return {
            f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields
        }

    assert list(ours) == list(theirs) == [community.pk, other_community.pk, third.pk]
    for key, (membership, roles) in ours.items():
        assert roles == theirs[key][1]
        assert fields(membership) == fields(theirs[key][0])
        assert fields(membership.community) == fields(theirs[key][0].community)
        assert isinstance(membership.community, Community)
        assert membership.community.created_at.tzinfo is not None
        assert not membership._state.adding and membership.get_deferred_fields() == set()
    assert ours[other_community.pk][1] >= {Role.COORDINATOR, Role.STEWARD}
    assert ours[third.pk][0].community.name == "Third <&> Town"
    assert ours[third.pk][0].status == MembershipStatus.SUSPENDED and ours[third.pk][1] == set()
    assert access.is_coordinator(person, other_community)
