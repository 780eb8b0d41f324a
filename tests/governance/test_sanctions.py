"""Graduated sanctions and appeals (governance/services/sanctions.py): the steps and the
rulebook's rules on them, suspension setting the membership suspended and the timed job ending
it, exclusion ending the membership after the appeal window, one appeal per sanction within the
window, a panel that leaves out whoever decided, the outcomes, members seeing only their own,
the counts without names. Bad input changes nothing."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from coproduce.communities import access
from coproduce.communities.models import Membership, MembershipStatus, Person, Role
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.governance.models import Appeal, Sanction, SanctionStatus
from coproduce.governance.selectors import sanctions as sanctions_selectors
from coproduce.governance.services import sanctions as sanctions_services
from coproduce.notifications.models import Notification
from tests.conftest import make_person


def fresh(person):
    return Person.objects.get(pk=person.pk)


def number_of(person, community) -> int:
    return Membership.objects.get(person=person, community=community).number


def status_of(person, community) -> str:
    return Membership.objects.get(person=person, community=community).status


@pytest.fixture
def steward(community):
    person = make_person("steward@riverside.example", "Sam Steward")
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=[Role.STEWARD]
    )
    return person


def sanction(coordinator, community, member, step="reminder", **extra):
    values = {
        "rule_broken": "Turn up when you said you would",
        "reason": "Missed three sessions without a word.",
        **extra,
    }
    return sanctions_services.sanction_create(
        actor=fresh(coordinator),
        community=community,
        member=number_of(member, community),
        step=step,
        **values,
    )


def test_it_records_a_step_with_the_rule_the_reason_and_who_decided(community, coordinator, member):
    made = sanction(coordinator, community, member, rule_key="auto_confirm_days")
    assert (made.code, made.step, made.decided_by, made.person) == (
        "S-1",
        "reminder",
        coordinator,
        member,
    )
    assert made.rule_broken == "Turn up when you said you would"
    assert made.appeal_until - made.created_at == dt.timedelta(days=14)
    assert AuditEvent.objects.filter(action="sanction.create", subject_id=str(made.pk)).exists()
    told = Notification.objects.get(person=member, kind="sanction")
    assert "S-1" in told.title and told.url == "/c/riverside/sanctions/1/"
    assert status_of(member, community) == MembershipStatus.ACTIVE


def test_a_suspension_suspends_until_the_rulebook_days_and_the_job_ends_it(
    community, coordinator, member
):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"sanction_steps_in_order": "no", "suspension_days": 10},
        reason="tests",
    )
    made = sanction(coordinator, community, member, step="suspension")
    assert made.ends_at - made.created_at == dt.timedelta(days=10)
    assert status_of(member, community) == MembershipStatus.SUSPENDED
    # Still a member for reading, without roles.
    person = fresh(member)
    assert access.access_community(person, community).status == MembershipStatus.SUSPENDED
    with pytest.raises(PermissionDenied) as refused:
        access.access_not_suspended(person, community)
    assert refused.value.code == "suspended"
    assert "until" in refused.value.message
    assert sanctions_services.sanctions_advance(timezone.now()) == {"ended": 0, "excluded": 0}
    later = timezone.now() + dt.timedelta(days=11)
    assert sanctions_services.sanctions_advance(later) == {"ended": 1, "excluded": 0}
    assert status_of(member, community) == MembershipStatus.ACTIVE
    assert Sanction.objects.get().status == SanctionStatus.ENDED


def test_a_suspended_coordinator_keeps_the_role_but_does_not_act(community, coordinator, member):
    second = make_person("second@riverside.example", "Second Coordinator", mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=community, person=second, roles=[Role.COORDINATOR]
    )
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    sanction(second, community, coordinator, step="suspension")
    person = fresh(coordinator)
    assert not access.is_coordinator(person, community)
    with pytest.raises(PermissionDenied) as refused:
        access.access_coordinate(person, community)
    assert refused.value.code == "suspended"
    assert (
        Membership.objects.get(person=coordinator, community=community)
        .roles.filter(role=Role.COORDINATOR)
        .exists()
    )


@pytest.mark.parametrize(
    "who, step, field",
    [
        ("member", "banishment", "step"),
        ("member", "suspension", "step"),  # skipping steps: the rulebook takes one at a time
        ("outsider", "reminder", "member"),
        ("other_member", "reminder", "member"),
        ("coordinator", "reminder", "member"),  # oneself
        ("nobody", "reminder", "member"),
    ],
)
def test_it_refuses_bad_sanctions_naming_the_field_and_changes_nothing(
    community, coordinator, member, outsider, other_member, who, step, field
):
    target = {
        "member": lambda: number_of(member, community),
        "coordinator": lambda: number_of(coordinator, community),
        "outsider": lambda: "RIV-0999",
        "other_member": lambda: "HIL-0001",
        "nobody": lambda: "",
    }[who]()
    with pytest.raises(ValidationFailed) as refused:
        sanctions_services.sanction_create(
            actor=fresh(coordinator),
            community=community,
            member=target,
            step=step,
            rule_broken="A rule",
            reason="A reason",
        )
    assert field in refused.value.fields
    assert not Sanction.objects.exists()
    assert not AuditEvent.objects.filter(action="sanction.create").exists()


def test_it_refuses_a_step_the_rulebook_does_not_allow(community, coordinator, member):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"sanction_highest_step": "warning", "sanction_steps_in_order": "no"},
        reason="no suspensions here",
    )
    with pytest.raises(ValidationFailed) as refused:
        sanction(coordinator, community, member, step="suspension")
    assert "step" in refused.value.fields
    sanction(coordinator, community, member, step="warning")  # skipping allowed here


def test_steps_in_order_count_only_sanctions_that_stand(community, coordinator, member):
    first = sanction(coordinator, community, member, step="reminder")
    sanction(coordinator, community, member, step="warning")
    sanction(coordinator, community, member, step="suspension")
    assert status_of(member, community) == MembershipStatus.SUSPENDED
    with pytest.raises(Conflict):
        sanction(coordinator, community, member, step="suspension")
    assert first.number == 1


def test_text_is_required_and_bounded(community, coordinator, member):
    with pytest.raises(ValidationFailed) as refused:
        sanction(coordinator, community, member, rule_broken="", reason="x" * 2001)
    assert set(refused.value.fields) == {"rule_broken", "reason"}
    with pytest.raises(ValidationFailed) as refused:
        sanction(coordinator, community, member, rule_key="no_such_rule")
    assert "rule_key" in refused.value.fields
    assert not Sanction.objects.exists()


def test_only_coordinators_sanction(community, coordinator, member, outsider, steward):
    for person, error in ((member, PermissionDenied), (steward, PermissionDenied)):
        with pytest.raises(error):
            sanction(person, community, coordinator)
    with pytest.raises(NotFound):
        sanction(outsider, community, member)
    assert not Sanction.objects.exists()


def test_members_see_only_their_own_and_counts_have_no_names(
    community, coordinator, member, steward
):
    other = make_person("other@riverside.example", "Oli Other")
    memberships_services.membership_add(actor=None, community=community, person=other)
    sanction(coordinator, community, member)
    sanction(coordinator, community, other, step="reminder")
    assert [s.person for s in sanctions_selectors.sanctions_of(community, fresh(member))] == [
        member
    ]
    assert len(sanctions_selectors.sanctions_of(community, fresh(coordinator))) == 2
    assert len(sanctions_selectors.sanctions_of(community, fresh(steward))) == 2
    with pytest.raises(NotFound):
        sanctions_selectors.sanction_get(community, fresh(other), 1)
    counts = sanctions_selectors.sanction_counts(community)
    assert counts == {"reminder": 2, "warning": 0, "suspension": 0, "exclusion": 0}


def test_the_panel_leaves_out_whoever_decided(community, coordinator, member, steward):
    made = sanction(coordinator, community, member)
    assert sanctions_selectors.appeal_panel(made) == [steward]
    appeal = sanctions_services.appeal_make(
        actor=fresh(member), sanction=made, grounds="I was in hospital."
    )
    assert Notification.objects.filter(person=steward, kind="appeal_made").count() == 1
    assert not Notification.objects.filter(person=coordinator, kind="appeal_made").exists()
    with pytest.raises(PermissionDenied) as refused:
        sanctions_services.appeal_decide(
            actor=fresh(coordinator), sanction=made, outcome="upheld", reason="Fair."
        )
    assert refused.value.code == "not_on_panel"
    with pytest.raises(PermissionDenied):
        sanctions_services.appeal_decide(
            actor=fresh(member), sanction=made, outcome="overturned", reason="Mine."
        )
    sanctions_services.appeal_decide(
        actor=fresh(steward), sanction=made, outcome="overturned", reason="Hospital letter seen."
    )
    appeal.refresh_from_db()
    assert (appeal.outcome, appeal.decided_by) == ("overturned", steward)
    assert Sanction.objects.get().status == SanctionStatus.OVERTURNED
    assert Notification.objects.filter(person=member, kind="appeal_decided").count() == 1
    assert sanctions_selectors.sanction_counts(community)["reminder"] == 0


def test_a_second_appeal_or_a_late_one_is_refused_naming_the_field(
    community, coordinator, member, steward
):
    made = sanction(coordinator, community, member)
    sanctions_services.appeal_make(actor=fresh(member), sanction=made, grounds="Unfair.")
    with pytest.raises(ValidationFailed) as refused:
        sanctions_services.appeal_make(actor=fresh(member), sanction=made, grounds="Again.")
    assert refused.value.code == "appealed_already" and "sanction" in refused.value.fields
    late = sanction(coordinator, community, member, step="warning")
    with (
        mock.patch(
            "django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(days=15)
        ),
        pytest.raises(ValidationFailed) as refused,
    ):
        sanctions_services.appeal_make(actor=fresh(member), sanction=late, grounds="Late.")
    assert refused.value.code == "appeal_window_closed" and "sanction" in refused.value.fields
    assert Appeal.objects.count() == 1
    assert AuditEvent.objects.filter(action="appeal.make").count() == 1


def test_only_the_member_appeals_their_own(community, coordinator, member, steward):
    made = sanction(coordinator, community, member)
    with pytest.raises(PermissionDenied):
        sanctions_services.appeal_make(actor=fresh(steward), sanction=made, grounds="For them.")
    with pytest.raises(ValidationFailed) as refused:
        sanctions_services.appeal_make(actor=fresh(member), sanction=made, grounds="  ")
    assert "grounds" in refused.value.fields
    assert not Appeal.objects.exists()


def test_a_suspended_member_appeals_and_overturning_restores_active(
    community, coordinator, member, steward
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    made = sanction(coordinator, community, member, step="suspension")
    sanctions_services.appeal_make(actor=fresh(member), sanction=made, grounds="Wrong person.")
    sanctions_services.appeal_decide(
        actor=fresh(steward), sanction=made, outcome="overturned", reason="It was not them."
    )
    assert status_of(member, community) == MembershipStatus.ACTIVE
    with pytest.raises(Conflict) as refused:
        sanctions_services.appeal_decide(
            actor=fresh(steward), sanction=made, outcome="upheld", reason="Changed my mind."
        )
    assert refused.value.code == "already_decided"


def test_an_exclusion_changed_to_a_suspension_runs_from_the_decision(
    community, coordinator, member, steward
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    made = sanction(coordinator, community, member, step="exclusion")
    assert status_of(member, community) == MembershipStatus.SUSPENDED
    sanctions_services.appeal_make(actor=fresh(member), sanction=made, grounds="Too harsh.")
    with pytest.raises(ValidationFailed) as refused:
        sanctions_services.appeal_decide(
            actor=fresh(steward),
            sanction=made,
            outcome="changed",
            changed_to="exclusion",
            reason="Same.",
        )
    assert "changed_to" in refused.value.fields
    sanctions_services.appeal_decide(
        actor=fresh(steward),
        sanction=made,
        outcome="changed",
        changed_to="suspension",
        reason="A suspension is enough.",
    )
    made.refresh_from_db()
    assert made.step == "suspension" and made.ends_at is not None
    assert status_of(member, community) == MembershipStatus.SUSPENDED
    # Not excluded when the window closes: it is a suspension now.
    later = timezone.now() + dt.timedelta(days=20)
    assert sanctions_services.sanctions_advance(later)["excluded"] == 0


def test_an_unappealed_exclusion_ends_the_membership_after_the_window(
    community, coordinator, member
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    made = sanction(coordinator, community, member, step="exclusion")
    assert sanctions_services.sanctions_advance(timezone.now())["excluded"] == 0
    later = timezone.now() + dt.timedelta(days=15)
    assert sanctions_services.sanctions_advance(later)["excluded"] == 1
    assert status_of(member, community) == MembershipStatus.ARCHIVED
    made.refresh_from_db()
    assert made.status == SanctionStatus.ENDED
    assert AuditEvent.objects.filter(action="membership.archive").exists()


def test_an_upheld_exclusion_is_carried_out_at_once(community, coordinator, member, steward):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    made = sanction(coordinator, community, member, step="exclusion")
    sanctions_services.appeal_make(actor=fresh(member), sanction=made, grounds="Please.")
    sanctions_services.appeal_decide(
        actor=fresh(steward), sanction=made, outcome="upheld", reason="Repeated harm."
    )
    assert status_of(member, community) == MembershipStatus.ARCHIVED


def test_a_coordinator_lifts_a_suspension(community, coordinator, member):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    made = sanction(coordinator, community, member, step="suspension")
    with pytest.raises(ValidationFailed):
        sanctions_services.sanction_lift(actor=fresh(coordinator), sanction=made, reason="")
    sanctions_services.sanction_lift(
        actor=fresh(coordinator), sanction=made, reason="Apologised and made amends."
    )
    assert status_of(member, community) == MembershipStatus.ACTIVE
    with pytest.raises(Conflict):
        sanctions_services.sanction_lift(actor=fresh(coordinator), sanction=made, reason="Again")
    assert AuditEvent.objects.filter(action="membership.reinstate").count() == 1


def test_the_demo_helper_builds_a_warning_under_appeal_once(community, coordinator):
    from coproduce.ops.demo import governance_sanctions

    people = []
    for n in range(12):
        person = make_person(f"demo{n}@riverside.example", f"Demo {n}")
        memberships_services.membership_add(actor=None, community=community, person=person)
        people.append(person)
    with mock.patch.object(governance_sanctions, "COORDINATOR_EMAIL", coordinator.email):
        assert governance_sanctions.build_sanctions() is True
        assert governance_sanctions.build_sanctions() is False
    warning = Sanction.objects.get(step="warning")
    assert warning.appeal.outcome == "" and Sanction.objects.count() == 2
