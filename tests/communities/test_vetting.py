from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.communities import access
from coproduce.communities.models import CheckKind, CheckResult
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import vetting as vetting_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.core.errors import NotFound, PermissionDenied
from tests.conftest import make_person


def check(
    coordinator,
    community,
    person,
    kind,
    expires_in=None,
    result=CheckResult.PASSED,
    checked_days_ago=0,
):
    today = timezone.localdate()
    checked_on = today - dt.timedelta(days=checked_days_ago)
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=person,
        kind=kind,
        result=result,
        checked_on=checked_on,
        expires_on=today + dt.timedelta(days=expires_in) if expires_in is not None else None,
    )


@pytest.fixture
def default_rules(community, coordinator):
    """Riverside with the founding rules (the test fixture asks no check for one-to-one help)."""
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"vetting_one_to_one": 1},
        reason="Back to the founding rule",
    )
    return community


def test_it_gates_home_visits_on_the_enhanced_check(default_rules, coordinator, member):
    community = default_rules
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
    assert all(a["allowed"] for a in vetting_selectors.activities_allowed(community, member))


def test_it_follows_the_community_rule_for_the_level_needed(default_rules, coordinator, member):
    communities_services.rulebook_change(
        actor=coordinator,
        community=default_rules,
        changes={"vetting_one_to_one": 0},
        reason="Low-risk help in public places",
    )
    access.access_activity(member, default_rules, "one_to_one")


def test_it_counts_a_failed_check_for_nothing(community, coordinator, member):
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.ID_SEEN,
        result=CheckResult.FAILED,
        checked_on=timezone.localdate(),
    )
    assert vetting_selectors.vetting_level(community, member) == 0


def test_it_does_not_carry_checks_across_communities(
    community, other_community, coordinator, member
):
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    check(coordinator, community, member, CheckKind.ID_SEEN)
    assert vetting_selectors.vetting_level(other_community, member) == 0


def test_it_refuses_an_unknown_activity(community, member):
    with pytest.raises(NotFound):
        access.access_activity(member, community, "skydiving")


# What a refusal says, to whom -----------------------------------------------------------------


def test_it_tells_the_member_which_check_they_need_and_whom_to_ask(
    default_rules, coordinator, member
):
    reason = access.activity_refusal(member, default_rules, "one_to_one")
    assert reason == (
        "One-to-one help in a public place needs the check level “ID checked” in Riverside: "
        "an ID check. You have not had an ID check yet. Ask a coordinator (Cora Coordinator) "
        "to arrange it."
    )


def test_it_says_when_a_check_ran_out(default_rules, coordinator, member):
    check(
        coordinator, default_rules, member, CheckKind.ID_SEEN, expires_in=-3, checked_days_ago=400
    )
    ran_out = timezone.localdate() - dt.timedelta(days=3)
    reason = access.activity_refusal(member, default_rules, "one_to_one")
    assert f"Your ID check ran out on {ran_out:%-d %B %Y}." in reason


def test_it_names_the_missing_background_check_for_a_home_visit(default_rules, coordinator, member):
    check(coordinator, default_rules, member, CheckKind.ID_SEEN)
    check(coordinator, default_rules, member, CheckKind.BACKGROUND, result=CheckResult.PENDING)
    reason = access.activity_refusal(member, default_rules, "home_visit")
    assert reason.startswith(
        "A visit to a member's home needs the check level “Enhanced check” in Riverside: "
        "an ID check and a background (DBS) check."
    )
    assert "Your background (DBS) check is waiting for its result." in reason
    assert "ID check yet" not in reason


def test_it_tells_another_member_only_that_a_check_is_needed(
    default_rules, coordinator, member, agency_staff
):
    check(coordinator, default_rules, member, CheckKind.ID_SEEN, result=CheckResult.FAILED)
    told_staff = access.activity_refusal(member, default_rules, "one_to_one", viewer=agency_staff)
    assert "Mo Member has not had the check this needs yet" in told_staff
    assert "not passed" not in told_staff
    told_coordinator = access.activity_refusal(
        member, default_rules, "one_to_one", viewer=coordinator
    )
    assert "Mo Member's ID check was not passed." in told_coordinator
    assert "Record the check on their member page" in told_coordinator


def test_it_says_nothing_when_the_level_is_held(default_rules, coordinator, member):
    check(coordinator, default_rules, member, CheckKind.ID_SEEN)
    assert access.activity_refusal(member, default_rules, "one_to_one") == ""
    assert access.vetting_refusal(member, default_rules, 0, what="This role") == ""


# The rule against a model of it -----------------------------------------------------------------

RESULTS = [CheckResult.PASSED, CheckResult.PASSED, CheckResult.FAILED, CheckResult.PENDING]
a_check = st.tuples(
    st.integers(min_value=0, max_value=800),  # checked this many days ago
    st.sampled_from(RESULTS),
    st.one_of(
        st.none(), st.integers(min_value=-30, max_value=30)
    ),  # expires this many days from today
)
_people = itertools.count()


def _model_valid(
    checks: list[tuple[int, str, int | None]], today: dt.date
) -> tuple[bool, tuple | None]:
    """Whether the latest of a kind's checks (the newest check date; of equal dates, the one
    recorded last) is passed and not expired; and that latest check."""
    if not checks:
        return False, None
    latest = min(enumerate(checks), key=lambda ic: (ic[1][0], -ic[0]))[1]
    _days_ago, result, expires_in = latest
    return result == CheckResult.PASSED and (expires_in is None or expires_in >= 0), latest


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    needed=st.integers(min_value=0, max_value=2),
    id_checks=st.lists(a_check, max_size=2),
    background_checks=st.lists(a_check, max_size=2),
)
def test_it_lets_exactly_the_people_whose_current_checks_reach_the_level(
    community, coordinator, needed, id_checks, background_checks
):
    today = timezone.localdate()
    # A check expires after the day it was made: keep only those that can be recorded.
    id_checks = [c for c in id_checks if c[2] is None or c[2] > -c[0]]
    background_checks = [c for c in background_checks if c[2] is None or c[2] > -c[0]]
    person = make_person(None, f"Person {next(_people)}")
    memberships_services.membership_add(actor=None, community=community, person=person)
    for kind, checks in ((CheckKind.ID_SEEN, id_checks), (CheckKind.BACKGROUND, background_checks)):
        for days_ago, result, expires_in in checks:
            check(
                coordinator,
                community,
                person,
                kind,
                expires_in=expires_in,
                result=result,
                checked_days_ago=days_ago,
            )
    if communities_selectors.rules_for(community)["vetting_one_to_one"] != needed:
        communities_services.rulebook_change(
            actor=coordinator,
            community=community,
            changes={"vetting_one_to_one": needed},
            reason="Trying each level",
        )

    id_ok, id_latest = _model_valid(id_checks, today)
    background_ok, background_latest = _model_valid(background_checks, today)
    held = 2 if id_ok and background_ok else 1 if id_ok else 0
    assert vetting_selectors.vetting_level(community, person) == held
    assert vetting_selectors.vetting_levels(community, [person.pk]) == {person.pk: held}

    reason = access.activity_refusal(person, community, "one_to_one")
    if held >= needed:
        access.access_activity(person, community, "one_to_one")
        assert reason == ""
        return
    with pytest.raises(PermissionDenied) as refused:
        access.access_activity(person, community, "one_to_one")
    assert refused.value.code == "vetting_required" and refused.value.message == reason
    assert "Ask a coordinator (Cora Coordinator)" in reason
    still_needed = [("ID check", id_ok, id_latest)] + (
        [("background (DBS) check", background_ok, background_latest)] if needed == 2 else []
    )
    for name, ok, latest in still_needed:
        if ok:
            assert (
                f"Your {name}" not in reason
                and f"had a {name}" not in reason
                and f"had an {name}" not in reason
            )
        elif latest is None:
            assert f"You have not had {'an' if name == 'ID check' else 'a'} {name} yet." in reason
        elif latest[1] == CheckResult.PASSED:
            ran_out = today + dt.timedelta(days=latest[2])
            assert f"Your {name} ran out on {ran_out:%-d %B %Y}." in reason
        elif latest[1] == CheckResult.FAILED:
            assert f"Your {name} was not passed." in reason
        else:
            assert f"Your {name} is waiting for its result." in reason
