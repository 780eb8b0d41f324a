from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities import access, selectors, services
from coproduce.communities.models import CheckKind, CheckResult
from coproduce.core.errors import NotFound, PermissionDenied


def check(coordinator, community, person, kind, expires_in=None):
    today = timezone.localdate()
    services.check_record(
        actor=coordinator, community=community, person=person, kind=kind, result=CheckResult.PASSED,
        checked_on=today, expires_on=today + dt.timedelta(days=expires_in) if expires_in else None,
    )


def test_it_gates_home_visits_on_the_enhanced_check(community, coordinator, member):
    access.access_activity(member, community, "group_activity")
    with pytest.raises(PermissionDenied) as exc:
        access.access_activity(member, community, "one_to_one")
    assert exc.value.code == "vetting_required"
    check(coordinator, community, member, CheckKind.ID_SEEN)
    access.access_activity(member, community, "one_to_one")
    with pytest.raises(PermissionDenied):
        access.access_activity(member, community, "home_visit")
    check(coordinator, community, member, CheckKind.BACKGROUND, expires_in=365)
    access.access_activity(member, community, "home_visit")
    assert all(a["allowed"] for a in selectors.activities_allowed(community, member))


def test_it_follows_the_community_rule_for_the_level_needed(community, coordinator, member):
    services.rulebook_change(actor=coordinator, community=community, changes={"vetting_one_to_one": 0},
                             reason="Low-risk help in public places")
    access.access_activity(member, community, "one_to_one")


def test_it_counts_a_failed_check_for_nothing(community, coordinator, member):
    services.check_record(actor=coordinator, community=community, person=member, kind=CheckKind.ID_SEEN,
                          result=CheckResult.FAILED, checked_on=timezone.localdate())
    assert selectors.vetting_level(community, member) == 0


def test_it_does_not_carry_checks_across_communities(community, other_community, coordinator, member):
    services.membership_add(actor=None, community=other_community, person=member)
    check(coordinator, community, member, CheckKind.ID_SEEN)
    assert selectors.vetting_level(other_community, member) == 0


def test_it_refuses_an_unknown_activity(community, member):
    with pytest.raises(NotFound):
        access.access_activity(member, community, "skydiving")
