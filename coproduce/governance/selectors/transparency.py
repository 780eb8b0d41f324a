"""The transparency page (issue 12, part 9): for members, in one read with a fixed number of
queries whatever the number of proposals, votes, decisions, commitments and notes: proposals by
stage, votes open now, decisions with their commitments and results, asks to public services
with their answers or how long they have waited, overdue commitments, and the rulebook's history
with the decision behind each change, budget rounds, and how many sanctions and appeals there
have been (counts, never names)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from coproduce.communities.selectors import communities as communities_selectors

from ..models import Proposal, ProposalKind, ProposalStage
from . import budgets as budgets_selectors
from . import follow_up as follow_up_selectors
from . import proposals as proposals_selectors
from . import sanctions as sanctions_selectors


@dataclass(frozen=True)
class Transparency:
    stage_counts: list[tuple[str, str, int]]  # (stage, label, count), every stage
    voting_now: list[proposals_selectors.ProposalRow]
    decisions: list[follow_up_selectors.DecisionRow]
    asks: list[follow_up_selectors.DecisionRow]
    overdue: list  # commitments past their date and not kept
    rulebook: list  # RulebookEntry, newest first
    decided_by: dict[int, int]  # rulebook version id -> proposal number
    budget_rounds: list[budgets_selectors.RoundRow]
    sanctions: dict[str, int]  # step -> count (overturned left out); never names
    appeals: dict[str, int]  # made, waiting, upheld, overturned, changed


def transparency(community, viewer) -> Transparency:
    counted = dict(
        Proposal.objects.filter(community=community)
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    decisions = follow_up_selectors.decisions_of(community)
    return Transparency(
        stage_counts=[(s.value, s.label, counted.get(s.value, 0)) for s in ProposalStage],
        voting_now=proposals_selectors.proposals_of(community, viewer, stage=ProposalStage.VOTING),
        decisions=decisions,
        asks=[row for row in decisions if row.proposal.kind == ProposalKind.ASK],
        overdue=follow_up_selectors.commitments_of(community, overdue=True),
        rulebook=communities_selectors.rulebook_history_with_changes(community),
        decided_by=proposals_selectors.decisions_behind_versions(community),
        budget_rounds=budgets_selectors.rounds_of(community, viewer),
        sanctions=sanctions_selectors.sanction_counts(community),
        appeals=sanctions_selectors.appeal_counts(community),
    )
