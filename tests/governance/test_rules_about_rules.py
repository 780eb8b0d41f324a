"""Rules about changing rules (issue 12, part 3): each rule is in an area whose `change_<area>`
rule says whether a coordinator may change it alone or only a decision may; the rules about
changing rules are never a coordinator's alone, and a proposal changing one is decided by a
supermajority. Refusals name the rule and write no version."""

from __future__ import annotations

import pytest

from coproduce.communities.access import coordinator_may_change
from coproduce.communities.models import RulebookVersion
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors.rules import AREAS, CHANGING_RULES, RULES, default_rules
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import ValidationFailed
from coproduce.governance.models import Method, ProposalStage
from coproduce.governance.services import ballots as ballots_services
from coproduce.governance.services import proposals as proposals_services
from tests.governance.test_proposals import FLOOR, draft, end_voting, members, start_voting

ABOUT_RULES = (
    "change_hours",
    "change_membership",
    "change_governance",
    "method_rule_change",
    "ballot_rule_change",
    "decision_quorum_percent",
    "supermajority_percent",
)


def versions(community) -> int:
    return RulebookVersion.objects.filter(community=community).count()


def test_every_rule_has_an_area_with_a_rule_saying_who_changes_it():
    for key, rule in RULES.items():
        assert rule.area in (*AREAS, CHANGING_RULES), key
    for area in AREAS:
        assert f"change_{area}" in RULES
    assert {k for k, r in RULES.items() if r.area == CHANGING_RULES} == set(ABOUT_RULES)


def test_who_may_change_a_rule_alone_follows_its_area():
    rules = default_rules()
    assert coordinator_may_change(rules, FLOOR)
    assert not coordinator_may_change({**rules, "change_hours": "decision"}, FLOOR)
    assert coordinator_may_change({**rules, "change_hours": "decision"}, "vetting_home_visit")
    for key in ABOUT_RULES:
        assert not coordinator_may_change(rules, key)


def test_a_coordinator_cannot_change_a_rule_a_decision_changes(community, coordinator):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"change_hours": "decision"},
        reason="Agreed at the annual meeting",
        source="decision",
    )
    before = versions(community)
    with pytest.raises(ValidationFailed) as refused:
        communities_services.rulebook_change(
            actor=coordinator,
            community=community,
            changes={FLOOR: -1800, "auto_confirm_days": 5, "references_required": 2},
            reason="We thought it best",
        )
    assert set(refused.value.fields) == {FLOOR, "auto_confirm_days"}
    assert versions(community) == before
    # The rules in other areas are still the coordinator's to change.
    communities_services.rulebook_change(
        actor=coordinator, community=community, changes={"references_required": 2}, reason="Agreed"
    )
    assert versions(community) == before + 1


@pytest.mark.parametrize(
    "key,value", [("change_membership", "decision"), ("supermajority_percent", 75)]
)
def test_the_rules_about_rules_are_never_changed_by_a_coordinator_alone(
    community, coordinator, key, value
):
    before = versions(community)
    with pytest.raises(ValidationFailed) as refused:
        communities_services.rulebook_change(
            actor=coordinator, community=community, changes={key: value}, reason="Tidier"
        )
    assert set(refused.value.fields) == {key}
    assert versions(community) == before


def test_a_proposal_to_change_a_rule_about_rules_needs_a_supermajority(community, member, rules):
    signers = members(community, 2, "Signer")
    proposal = draft(community, member, rule_changes={"change_hours": "decision"})
    assert proposal.method == Method.SUPERMAJORITY
    assert proposal.threshold_percent == rules["supermajority_percent"] == 67
    # An amendment that brings in a rule about rules makes an ordinary change one too.
    plain = draft(community, member, title="Thirty hours", rule_changes={FLOOR: -1800})
    assert plain.method == Method.MAJORITY
    for signer in signers:
        proposals_services.proposal_cosign(actor=signer, proposal=plain)
    plain.refresh_from_db()
    comment = proposals_services.proposal_comment(
        actor=signers[0],
        proposal=plain,
        body="And let only a decision change the floor again.",
        amendment={"rule_changes": {FLOOR: -1800, "change_hours": "decision"}},
    )
    proposals_services.amendment_accept(actor=member, comment=comment)
    plain.refresh_from_db()
    assert (plain.method, plain.threshold_percent) == (Method.SUPERMAJORITY, 67)

    # 3 yes to 2 no is a majority but not 67%: not adopted, no rulebook version.
    start_voting(plain)
    voters = members(community, 5)
    for voter, choice in zip(voters, ["yes", "yes", "yes", "no", "no"], strict=True):
        ballots_services.ballot_cast(actor=voter, proposal=plain, choice=choice)
    before = versions(community)
    end_voting(plain)
    assert plain.stage == ProposalStage.REJECTED
    assert versions(community) == before
    assert communities_selectors.rules_for(community)["change_hours"] == "coordinator"


def test_an_adopted_decision_takes_the_rule_out_of_a_coordinators_hands(
    community, member, coordinator, rules
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="No co-signers"
    )
    proposal = draft(community, member, rule_changes={"change_hours": "decision"})
    start_voting(proposal)
    for voter in members(community, 4):
        ballots_services.ballot_cast(actor=voter, proposal=proposal, choice="yes")
    end_voting(proposal)
    assert proposal.stage == ProposalStage.ADOPTED
    version = proposal.rulebook_version
    assert version.source == "decision" and version.values["change_hours"] == "decision"
    with pytest.raises(ValidationFailed) as refused:
        communities_services.rulebook_change(
            actor=coordinator, community=community, changes={FLOOR: -1800}, reason="Alone"
        )
    assert FLOOR in refused.value.fields
