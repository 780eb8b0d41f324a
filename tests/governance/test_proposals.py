"""Proposals from draft to decision (governance/services): the rulebook copied on, co-signing
into deliberation, amendments as versions, votes open and secret, a coordinator recording an
offline member's vote, the count at close, and an adopted rule change written as a rulebook
version "from decision". Bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.models import Membership, Person, RulebookVersion
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.governance.models import (
    Ballot,
    Participation,
    Proposal,
    ProposalStage,
    ProposalVersion,
)
from coproduce.governance.services import ballots as ballots_services
from coproduce.governance.services import decisions as decisions_services
from coproduce.governance.services import proposals as proposals_services
from tests.conftest import make_person

FLOOR = "credit_floor_minutes"


def members(community, n, prefix="Voter"):
    people = []
    for i in range(n):
        person = make_person(f"{prefix.lower()}{i}@riverside.example", f"{prefix} {i}")
        memberships_services.membership_add(actor=None, community=community, person=person)
        people.append(person)
    return people


@pytest.fixture
def rules(community):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={
            "proposal_member_days": 30,
            "proposal_cosigners": 2,
            "decision_quorum_percent": 20,
            "ballot_rule_change": "secret",
            "method_rule_change": "majority",
        },
        reason="Governance for the tests",
    )
    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=60)
    )
    return communities_selectors.rules_for(community)


def start_voting(proposal):
    """Discussion over: the job opens the vote (the dates moved to now, as the days pass)."""
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - dt.timedelta(hours=1), voting_closes_at=now + dt.timedelta(hours=1)
    )
    result = decisions_services.proposals_advance(now=now)
    proposal.refresh_from_db()
    return result


def end_voting(proposal):
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(voting_closes_at=now - dt.timedelta(seconds=1))
    result = decisions_services.proposals_advance(now=now)
    proposal.refresh_from_db()
    return result


def draft(community, author, **kw):
    kw.setdefault("kind", "rule_change")
    kw.setdefault("title", "Let members go 30 hours into debit")
    kw.setdefault("body", "Twenty hours is too few for people who need help most.")
    kw.setdefault("rule_changes", {FLOOR: -1800})
    return proposals_services.proposal_draft(actor=author, community=community, **kw)


def test_the_whole_story_of_a_rule_change(community, member, coordinator, rules):
    signers = members(community, 2, "Signer")
    proposal = draft(community, member)
    assert proposal.stage == ProposalStage.DRAFT and proposal.code == "P-1"
    assert (proposal.method, proposal.secret, proposal.quorum_percent) == ("majority", True, 20)
    assert proposal.cosigners_needed == 2
    proposals_services.proposal_cosign(actor=signers[0], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.stage == ProposalStage.DRAFT
    proposals_services.proposal_cosign(actor=signers[1], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.stage == ProposalStage.DELIBERATION
    assert proposal.voting_closes_at - proposal.voting_opens_at == dt.timedelta(days=7)

    comment = proposals_services.proposal_comment(
        actor=signers[0],
        proposal=proposal,
        body="Twenty-five would be safer.",
        amendment={"title": "Let members go 25 hours into debit", "rule_changes": {FLOOR: -1500}},
    )
    version = proposals_services.amendment_accept(actor=member, comment=comment)
    assert version.number == 2 and version.rule_changes == {FLOOR: -1500}
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2

    early = proposal.voting_opens_at - dt.timedelta(seconds=1)
    assert decisions_services.proposals_advance(now=early) == {"opened": 0, "closed": 0}
    assert start_voting(proposal) == {"opened": 1, "closed": 0}
    assert proposal.stage == ProposalStage.VOTING

    voters = members(community, 3)
    dorothy = make_person(None, "Dorothy Offline")
    memberships_services.membership_add(actor=None, community=community, person=dorothy)
    casts = [
        ballots_services.ballot_cast(actor=v, proposal=proposal, choice="yes")
        for v in [member, *voters]
    ]
    casts.append(ballots_services.ballot_cast(actor=signers[0], proposal=proposal, choice="no"))
    by_hand = ballots_services.ballot_cast(
        actor=coordinator, proposal=proposal, choice="yes", on_behalf_of=dorothy
    )
    # Secret: no ballot names its voter; that Dorothy voted, and who recorded it, is kept.
    assert not Ballot.objects.filter(proposal=proposal, voter__isnull=False).exists()
    assert Participation.objects.get(proposal=proposal, person=dorothy).recorded_by == coordinator
    assert all(len(c.receipt) > 10 for c in [*casts, by_hand])
    # A secret vote changes with its receipt, and only with it.
    with pytest.raises(Conflict) as refused:
        ballots_services.ballot_cast(actor=signers[0], proposal=proposal, choice="yes")
    assert refused.value.code == "receipt_needed"
    with pytest.raises(ValidationFailed):
        ballots_services.ballot_cast(
            actor=signers[0], proposal=proposal, choice="yes", receipt=casts[0].receipt + "X"
        )
    changed = ballots_services.ballot_cast(
        actor=signers[0], proposal=proposal, choice="abstain", receipt=casts[-1].receipt
    )
    assert changed.changed and Ballot.objects.filter(proposal=proposal).count() == 6
    vote_rows = AuditEvent.objects.filter(action__startswith="proposal.vote")
    assert vote_rows.count() == 7 and all(row.changes == {} for row in vote_rows)

    assert end_voting(proposal) == {"opened": 0, "closed": 1}
    assert proposal.stage == ProposalStage.ADOPTED
    electorate = Membership.objects.filter(community=community, status="active").count()
    assert proposal.electorate == electorate
    assert proposal.result["counts"] == {"yes": 5, "no": 0, "abstain": 1}
    assert proposal.result["quorum"]["met"] is True
    rulebook = RulebookVersion.objects.filter(community=community).order_by("-number").first()
    assert proposal.rulebook_version == rulebook and rulebook.source == "decision"
    assert "P-1" in rulebook.reason
    assert communities_selectors.rules_for(community)[FLOOR] == -1500
    # Counted once: running the job again changes nothing.
    assert decisions_services.proposals_advance() == {"opened": 0, "closed": 0}


def test_without_the_quorum_nothing_is_adopted_and_no_rulebook_is_written(community, member, rules):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="No co-signers"
    )
    members(community, 10)
    proposal = draft(community, member)
    assert proposal.stage == ProposalStage.DELIBERATION
    start_voting(proposal)
    ballots_services.ballot_cast(actor=member, proposal=proposal, choice="yes")
    before = RulebookVersion.objects.count()
    end_voting(proposal)
    assert proposal.stage == ProposalStage.REJECTED and not proposal.result["quorum"]["met"]
    assert RulebookVersion.objects.count() == before


def test_open_ballots_name_their_voters_and_change_in_place(community, member, rules):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_cosigners": 0, "ballot_general": "open", "method_general": "ranked"},
        reason="Open ranked votes",
    )
    proposal = draft(
        community,
        member,
        kind="general",
        title="Where shall the summer fair be?",
        rule_changes=None,
        options=["The park", "The hall", "The docks"],
    )
    assert (proposal.method, proposal.secret) == ("ranked", False)
    start_voting(proposal)
    ballots_services.ballot_cast(actor=member, proposal=proposal, choice=["The hall"])
    ballots_services.ballot_cast(actor=member, proposal=proposal, choice=["The park", "The hall"])
    ballot = Ballot.objects.get(proposal=proposal)
    assert ballot.voter == member and ballot.choice == ["The park", "The hall"]
    for bad in (["The park", "The park"], ["The moon"], [], "The park"):
        with pytest.raises(ValidationFailed) as refused:
            ballots_services.ballot_cast(actor=member, proposal=proposal, choice=bad)
        assert list(refused.value.fields) == ["ranking"]
    assert Ballot.objects.get(proposal=proposal).choice == ["The park", "The hall"]
    end_voting(proposal)
    assert proposal.result["winners"] == ["The park"]


def test_bad_proposals_and_bad_moves_are_refused_and_change_nothing(
    community, member, other_member, coordinator, rules
):
    cases = [
        ({"rule_changes": {FLOOR: -100 * 60 - 1}}, "rule_changes"),
        ({"rule_changes": {"no_such_rule": 1}}, "rule_changes"),
        (
            {"rule_changes": {FLOOR: communities_selectors.rules_for(community)[FLOOR]}},
            "rule_changes",
        ),
        ({"rule_changes": {}}, "rule_changes"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"kind": "general", "rule_changes": {FLOOR: -1800}}, "rule_changes"),
        ({"kind": "nonsense"}, "kind"),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            draft(community, member, **kw)
        assert field in refused.value.fields, (kw, refused.value.fields)
    with pytest.raises(NotFound):
        draft(community, other_member)
    Membership.objects.filter(person=member).update(joined_at=timezone.now())
    with pytest.raises(PermissionDenied) as refused:
        draft(community, Person.objects.get(pk=member.pk))  # roles are read once per request
    assert refused.value.code == "too_new_to_propose"
    assert not Proposal.objects.exists()

    proposal = draft(community, coordinator)
    with pytest.raises(PermissionDenied):
        proposals_services.proposal_cosign(actor=coordinator, proposal=proposal)
    with pytest.raises(NotFound):
        proposals_services.proposal_cosign(actor=other_member, proposal=proposal)
    proposals_services.proposal_cosign(actor=member, proposal=proposal)
    with pytest.raises(Conflict):
        proposals_services.proposal_cosign(actor=member, proposal=proposal)
    with pytest.raises(Conflict):  # voting is not open on a draft
        ballots_services.ballot_cast(actor=member, proposal=proposal, choice="yes")
    with pytest.raises(PermissionDenied):
        ballots_services.ballot_cast(
            actor=member, proposal=proposal, choice="yes", on_behalf_of=coordinator
        )
    assert not Ballot.objects.exists() and not Participation.objects.exists()


def test_votes_are_taken_only_while_voting_is_open_and_only_from_members(
    community, member, other_member, rules
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="No co-signers"
    )
    proposal = draft(community, member)
    with pytest.raises(Conflict):  # under discussion
        ballots_services.ballot_cast(actor=member, proposal=proposal, choice="yes")
    start_voting(proposal)
    with pytest.raises(NotFound):
        ballots_services.ballot_cast(actor=other_member, proposal=proposal, choice="yes")
    with pytest.raises(ValidationFailed):
        ballots_services.ballot_cast(actor=member, proposal=proposal, choice="perhaps")
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_closes_at=timezone.now() - dt.timedelta(seconds=1)
    )  # time is up, not yet counted
    with pytest.raises(Conflict) as refused:
        ballots_services.ballot_cast(actor=member, proposal=proposal, choice="yes")
    assert refused.value.code == "voting_not_open"
    assert not Ballot.objects.exists()


def test_a_coordinator_records_only_as_a_coordinator(community, member, coordinator, rules):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="No co-signers"
    )
    proposal = draft(community, member)
    start_voting(proposal)
    cast = ballots_services.ballot_cast(
        actor=coordinator, proposal=proposal, choice="no", on_behalf_of=member
    )
    assert Participation.objects.get(person=member).recorded_by == coordinator
    row = AuditEvent.objects.get(action="proposal.vote")
    assert row.actor_id == coordinator.pk and row.person_id == member.pk
    assert "recorded by a coordinator" in row.note
    assert cast.receipt


def test_an_adopted_credit_floor_is_what_the_ledger_enforces(
    community, member, agency_staff, rules
):
    """What members decide is what the software does: before the vote the ledger refuses help
    that would take someone below the old floor; after it, the new floor holds."""
    from coproduce.exchanges.services import answers as answers_services
    from coproduce.ledger import errors as ledger_errors
    from coproduce.ledger.selectors.audit import ledger_audit
    from tests.exchanges.test_exchanges import balance, record

    def help_for(n):  # the member helps agency_staff for 8 hours; agency_staff confirms
        exchange = record(community, member, member, agency_staff, minutes=480, key=f"floor-{n}")
        return answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)

    old_floor = rules[FLOOR]
    assert old_floor == -600  # -10 hours
    help_for(1)
    assert balance(community, agency_staff) == -480
    with pytest.raises(ledger_errors.LimitExceeded):
        help_for(2)  # would be -16h

    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="No co-signers"
    )
    proposal = draft(community, member, rule_changes={FLOOR: -1500})  # -25 hours
    start_voting(proposal)
    for voter in (member, agency_staff, *members(community, 2)):
        ballots_services.ballot_cast(actor=voter, proposal=proposal, choice="yes")
    end_voting(proposal)
    assert proposal.stage == ProposalStage.ADOPTED

    help_for(3)
    help_for(4)
    assert balance(community, agency_staff) == -1440  # -24h, below the old floor
    with pytest.raises(ledger_errors.LimitExceeded):
        help_for(5)  # would be -32h, below the new one
    assert ledger_audit([community.pk]).clean


def test_the_people_taking_part_are_told_as_a_proposal_moves(
    community, member, agency_staff, rules, django_capture_on_commit_callbacks
):
    from coproduce.notifications.models import Notification

    signers = members(community, 2, "Signer")
    proposal = draft(community, member)
    proposals_services.proposal_cosign(actor=signers[0], proposal=proposal)
    proposals_services.proposal_cosign(actor=signers[1], proposal=proposal)
    told = Notification.objects.filter(kind="proposal_discussion")
    assert {n.person_id for n in told} == {member.pk, signers[0].pk, signers[1].pk}
    assert all(n.title.startswith("P-1 goes forward for discussion") for n in told)
    proposals_services.proposal_comment(actor=agency_staff, proposal=proposal, body="Yes!")
    start_voting(proposal)
    opened = Notification.objects.filter(kind="proposal_voting")
    assert {n.person_id for n in opened} == {member.pk, agency_staff.pk, *[s.pk for s in signers]}
    voter = members(community, 1)[0]
    ballots_services.ballot_cast(actor=voter, proposal=proposal, choice="yes")
    end_voting(proposal)
    decided = Notification.objects.filter(kind="proposal_decided")
    assert voter.pk in {n.person_id for n in decided}
    assert len(decided) == 5 and all("was " in n.title for n in decided)
    assert all(n.community_id == community.pk for n in Notification.objects.all())
