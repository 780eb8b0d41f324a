"""Voting opens and closes on time (the timed job `proposals_advance`), and a closed vote is
counted (`proposal_close`): the count is stored as shown, the proposal is adopted or not, and an
adopted rule change writes the new rulebook version in the same transaction, with
`source="decision"` and the proposal as its reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.core.audit import audit_record

from ..models import Ballot, Method, Proposal, ProposalKind, ProposalStage
from ..selectors import counting
from ..selectors import proposals as proposals_selectors
from . import notices


def _count(proposal: Proposal, electorate: int) -> counting.Result:
    ballots = list(Ballot.objects.filter(proposal=proposal).order_by("receipt_hash"))
    quorum = {"electorate": electorate, "quorum_percent": proposal.quorum_percent}
    if proposal.method == Method.MAJORITY:
        return counting.majority([b.choice for b in ballots], **quorum)
    if proposal.method == Method.SUPERMAJORITY:
        return counting.supermajority(
            [b.choice for b in ballots], threshold_percent=proposal.threshold_percent, **quorum
        )
    if proposal.method == Method.CONSENT:
        return counting.consent(
            [counting.ConsentBallot(b.choice, withdrawn=b.withdrawn) for b in ballots], **quorum
        )
    if proposal.method == Method.APPROVAL:
        return counting.approval([b.choice for b in ballots], options=proposal.options, **quorum)
    return counting.ranked([b.choice for b in ballots], options=proposal.options, **quorum)


def result_as_stored(result: counting.Result) -> dict[str, Any]:
    """The count as JSON: what the proposal's page shows and the API returns."""
    stored = dataclasses.asdict(result)
    stored["quorum"]["needed"] = result.quorum.needed
    stored["quorum"]["met"] = result.quorum.met
    return stored


def proposal_close(*, proposal: Proposal, now: dt.datetime | None = None) -> Proposal:
    """Count a vote whose time is up (idempotent: a proposal already decided is returned as it
    is). The electorate is the community's active members at close."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = (
            Proposal.objects.select_for_update().select_related("community").get(pk=proposal.pk)
        )
        if locked.stage != ProposalStage.VOTING or (
            locked.voting_closes_at is not None and locked.voting_closes_at > now
        ):
            return locked
        electorate = proposals_selectors.electorate(locked.community)
        result = _count(locked, electorate)
        locked.electorate = electorate
        locked.result = result_as_stored(result)
        locked.stage = ProposalStage.ADOPTED if result.adopted else ProposalStage.REJECTED
        locked.decided_at = now
        version = proposals_selectors.current_version(locked)
        if result.adopted and locked.kind == ProposalKind.RULE_CHANGE:
            in_force = communities_selectors.rules_for(locked.community)
            if all(in_force.get(k) == v for k, v in version.rule_changes.items()):
                # Changed to these values by another route meanwhile: nothing to write.
                locked.result["lines"].append("The rules were already so: no new version.")
            else:
                locked.rulebook_version = communities_services.rulebook_change(
                    actor=None,
                    community=locked.community,
                    changes=version.rule_changes,
                    reason=f"Decided by members: {locked.code}, {version.title}",
                    source="decision",
                )
        if result.adopted:
            # What follows: the review date, and for an ask the day its answer is due.
            rules = communities_selectors.rules_for(locked.community)
            decided_on = communities_selectors.local_now(locked.community, now).date()
            locked.review_on = decided_on + dt.timedelta(days=rules["decision_review_days"])
            if locked.kind == ProposalKind.ASK:
                locked.answer_due_on = decided_on + dt.timedelta(days=rules["ask_answer_days"])
        locked.save(
            update_fields=[
                "electorate",
                "result",
                "stage",
                "decided_at",
                "rulebook_version",
                "review_on",
                "answer_due_on",
            ]
        )
        audit_record(
            actor=None,
            action="proposal.decided",
            subject=locked,
            community_id=locked.community_id,
            changes={"stage": [ProposalStage.VOTING, locked.stage]},
            note=" ".join(result.lines),
        )
        notices.decided(locked, version.title)
        if result.adopted and locked.kind == ProposalKind.ASK:
            notices.ask_adopted(locked, version.title)
    return locked


def proposals_advance(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The timed job: open the votes whose discussion is over and count those whose voting has
    closed. Returns how many of each."""
    now = now or timezone.now()
    opened = 0
    for proposal in Proposal.objects.filter(
        stage=ProposalStage.DELIBERATION, voting_opens_at__lte=now
    ).order_by("id"):
        with transaction.atomic(durable=True):
            locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if locked.stage != ProposalStage.DELIBERATION:
                continue
            locked.stage = ProposalStage.VOTING
            locked.save(update_fields=["stage"])
            audit_record(
                actor=None,
                action="proposal.voting_open",
                subject=locked,
                community_id=locked.community_id,
                changes={"stage": [ProposalStage.DELIBERATION, ProposalStage.VOTING]},
            )
            notices.voting_opened(locked, proposals_selectors.current_version(locked).title)
            opened += 1
    closed = 0
    for proposal in Proposal.objects.filter(
        stage=ProposalStage.VOTING, voting_closes_at__lte=now
    ).order_by("id"):
        if proposal_close(proposal=proposal, now=now).stage != ProposalStage.VOTING:
            closed += 1
    return {"opened": opened, "closed": closed}


def proposals_remind(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The timed job's second half: "voting closes tomorrow" to those who have not voted, and
    the review question when a decision's review date comes. Each sent once."""
    now = now or timezone.now()
    return {"reminded": _remind_closing(now), "reviews": _ask_reviews(now)}


def _remind_closing(now: dt.datetime) -> int:
    """Voting that closes within a day: the members who have not voted are told once."""
    count = 0
    for proposal in Proposal.objects.filter(
        stage=ProposalStage.VOTING,
        voting_closes_at__gt=now,
        voting_closes_at__lte=now + dt.timedelta(days=1),
        closing_reminded_at__isnull=True,
    ).order_by("id"):
        with transaction.atomic(durable=True):
            locked = (
                Proposal.objects.select_for_update().select_related("community").get(pk=proposal.pk)
            )
            if locked.closing_reminded_at is not None or locked.stage != ProposalStage.VOTING:
                continue
            locked.closing_reminded_at = now
            locked.save(update_fields=["closing_reminded_at"])
            notices.closes_soon(locked, proposals_selectors.current_version(locked).title)
            count += 1
    return count


def _ask_reviews(now: dt.datetime) -> int:
    """Adopted decisions whose review date has come: the members are asked, once, whether each
    did what it meant to."""
    count = 0
    for proposal in Proposal.objects.filter(
        stage=ProposalStage.ADOPTED, review_on__isnull=False, review_asked_at__isnull=True
    ).select_related("community"):
        if (
            proposal.review_on is None
            or proposal.review_on > communities_selectors.local_now(proposal.community, now).date()
        ):
            continue
        with transaction.atomic(durable=True):
            locked = (
                Proposal.objects.select_for_update().select_related("community").get(pk=proposal.pk)
            )
            if locked.review_asked_at is not None:
                continue
            locked.review_asked_at = now
            locked.save(update_fields=["review_asked_at"])
            audit_record(
                actor=None,
                action="decision.review_asked",
                subject=locked,
                community_id=locked.community_id,
            )
            notices.review_asked(locked, proposals_selectors.current_version(locked).title)
            count += 1
    return count
