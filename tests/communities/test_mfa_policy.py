"""The one two-factor policy (communities.access), asked by the web pages, the API's browser
session and the API's tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from coproduce.communities import access
from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import PermissionDenied
from tests.conftest import make_person
from tests.two_factor import set_up_totp


def test_it_requires_a_second_factor_of_coordinators_anywhere_and_operators(
    coordinator, member, agency_staff, outsider, other_member
):
    operator = make_person("op@example.org", "Op", is_operator=True)
    assert access.coordinates_anywhere(coordinator)
    assert not access.coordinates_anywhere(member)
    assert [
        access.second_factor_required(p)
        for p in (coordinator, member, agency_staff, outsider, other_member, operator)
    ] == [False, False, False, False, False, True]  # the fixture's coordinator is demo-exempt


def test_it_refuses_a_coordinator_without_one_until_they_set_it_up(community, member):
    coordinator = make_person("cy@riverside.example", "Cy Coord")
    memberships_services.membership_add(
        actor=None, community=community, person=coordinator, roles=[Role.COORDINATOR]
    )
    with pytest.raises(PermissionDenied) as caught:
        access.access_second_factor(coordinator)
    assert caught.value.code == "mfa_required"
    access.access_second_factor(member)  # members are not asked
    set_up_totp(coordinator)
    assert access.has_second_factor(coordinator)
    access.access_second_factor(coordinator)


def test_it_never_asks_someone_signed_out():
    assert not access.second_factor_required(AnonymousUser())
    assert not access.second_factor_required(None)
