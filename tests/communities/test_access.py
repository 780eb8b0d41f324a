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
