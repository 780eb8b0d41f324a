"""The one acting-for rule (communities.access.access_act_for, on_behalf_of), which the web's
"act for" session and the API's `on_behalf_of` both ask."""

from __future__ import annotations

import pytest

from coproduce.communities import access
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import PermissionDenied
from tests.conftest import make_person


def test_it_acts_for_oneself_without_a_target(community, member, membership_of):
    assert access.access_act_for(member, community, None) == member
    assert access.access_act_for(member, community, membership_of(member, community)) == member


def test_it_lets_a_coordinator_act_for_a_member_of_their_community(
    community, coordinator, member, membership_of
):
    target = membership_of(member, community)
    assert access.access_act_for(coordinator, community, target) == member


def test_it_refuses_a_member_acting_for_someone_else(community, member, membership_of):
    neighbour = make_person("nel@riverside.example", "Nel Neighbour")
    memberships_services.membership_add(actor=None, community=community, person=neighbour)
    with pytest.raises(PermissionDenied) as caught:
        access.access_act_for(member, community, membership_of(neighbour, community))
    assert caught.value.code == "coordinators_only"


def test_it_refuses_acting_for_a_member_of_another_community(
    community, other_community, coordinator, other_member, membership_of
):
    target = membership_of(other_member, other_community)
    with pytest.raises(PermissionDenied) as caught:
        access.access_act_for(coordinator, community, target)
    assert caught.value.message == (
        "You are acting for Hana Hillside in Hillside. "
        "Stop acting for them to use this community's pages."
    )


def test_it_passes_on_behalf_of_only_for_someone_else(coordinator, member):
    assert access.on_behalf_of(coordinator, member) == member
    assert access.on_behalf_of(coordinator, coordinator) is None
