"""Reads of participatory budgets: a community's rounds, one round with its projects and the
viewer's ballot, what the fund can still promise, and whom a round's news is for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils import timezone

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import Conflict, NotFound
from coproduce.ledger.selectors import accounts as accounts_selectors

from ..access import access_budget
from ..models import BudgetBallot, BudgetProject, BudgetRound, BudgetStage

PAGE_SIZE = 50
UNDER_WAY = (BudgetStage.PROPOSING, BudgetStage.CHECKING, BudgetStage.VOTING)


def stage_now(budget: BudgetRound, now: dt.datetime | None = None) -> str:
    """The round's stage by its dates (what the timed job will record, even before it runs)."""
    if budget.stage in (BudgetStage.CLOSED, BudgetStage.PAID):
        return budget.stage
    now = now or timezone.now()
    if now >= budget.voting_closes_at:
        return BudgetStage.CLOSED
    if now >= budget.voting_opens_at:
        return BudgetStage.VOTING
    if now >= budget.proposing_closes_at:
        return BudgetStage.CHECKING
    return BudgetStage.PROPOSING


def proposing_open(budget: BudgetRound, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return budget.proposing_opens_at <= now < budget.proposing_closes_at


def voting_open(budget: BudgetRound, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        budget.stage not in (BudgetStage.CLOSED, BudgetStage.PAID)
        and budget.voting_opens_at <= now < budget.voting_closes_at
    )


def round_get(community, viewer, number: int) -> BudgetRound:
    """Round B-`number` of the community, for a member. Raises NotFound."""
    try:
        budget = BudgetRound.objects.select_related("community").get(
            community=community, number=number
        )
    except (BudgetRound.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such budget round.") from None
    access_budget(viewer, budget)
    return budget


def project_get(budget: BudgetRound, number: int) -> BudgetProject:
    """Project `number` of the round. Raises NotFound."""
    try:
        return BudgetProject.objects.select_related("round__community").get(
            round=budget, number=number
        )
    except (BudgetProject.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such project in this round.") from None


@dataclass(frozen=True)
class RoundRow:
    budget: BudgetRound
    stage: str  # by its dates
    projects: int
    ballots: int


def rounds_of(community, viewer, *, limit: int = PAGE_SIZE) -> list[RoundRow]:
    """The community's rounds, newest first, with their projects' and ballots' counts: one
    query however many there are."""
    found = (
        BudgetRound.objects.filter(community=community)
        .annotate(
            project_count=Count("projects", distinct=True),
            ballot_count=Count("ballots", distinct=True),
        )
        .order_by("-number")[:limit]
    )
    now = timezone.now()
    return [
        RoundRow(
            budget=b, stage=stage_now(b, now), projects=b.project_count, ballots=b.ballot_count
        )
        for b in found
    ]


@dataclass(frozen=True)
class RoundView:
    """A round as its page and the API's detail show it."""

    budget: BudgetRound
    stage: str
    projects: list[BudgetProject]  # by number, with proposer, recipient and checker
    ballots: int
    my_approvals: list[int] | None  # None: the viewer has not voted

    @property
    def on_ballot(self) -> list[BudgetProject]:
        return [p for p in self.projects if p.eligible]

    @property
    def paid_minutes(self) -> int:
        return sum(p.cost_minutes for p in self.projects if p.transfer_id)


def round_detail(community, viewer, number: int) -> RoundView:
    """One round with its projects, the number of ballots and the viewer's own: three queries.
    Raises NotFound."""
    person_id: int = getattr(viewer, "pk", None) or 0
    try:
        budget = (
            BudgetRound.objects.select_related("community", "created_by")
            .annotate(ballot_count=Count("ballots"))
            .get(community=community, number=number)
        )
    except (BudgetRound.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such budget round.") from None
    access_budget(viewer, budget)
    projects = list(
        BudgetProject.objects.filter(round=budget)
        .select_related("proposer", "recipient", "checked_by")
        .order_by("number")
    )
    mine = (
        BudgetBallot.objects.filter(round=budget, voter_id=person_id)
        .values_list("approved", flat=True)
        .first()
    )
    return RoundView(
        budget=budget,
        stage=stage_now(budget),
        projects=projects,
        ballots=budget.ballot_count,
        my_approvals=list(mine) if mine is not None else None,
    )


def projects_of(budget: BudgetRound) -> list[BudgetProject]:
    """The round's projects by number, with proposer, recipient and checker: one query."""
    return list(
        BudgetProject.objects.filter(round=budget)
        .select_related("proposer", "recipient", "checked_by")
        .order_by("number")
    )


def result_of(budget: BudgetRound) -> dict:
    """The counting stored at close. Raises Conflict (`not_counted`) before then."""
    if budget.result is None:
        raise Conflict("This round has not been counted yet.", code="not_counted")
    return budget.result


def fund_balance(community) -> int:
    """What the community fund holds now, in minutes."""
    account = accounts_selectors.system_account(community, "fund")
    return account.balance_minutes if account is not None else 0


def fund_promised(community) -> int:
    """Minutes of the fund promised to rounds not yet paid: the whole budget of a round under
    way, what a counted round funded."""
    rounds = BudgetRound.objects.filter(community=community)
    under_way = (
        rounds.filter(stage__in=UNDER_WAY).aggregate(total=Sum("budget_minutes"))["total"] or 0
    )
    counted = (
        BudgetProject.objects.filter(
            round__community=community, round__stage=BudgetStage.CLOSED, funded=True
        ).aggregate(total=Sum("cost_minutes"))["total"]
        or 0
    )
    return under_way + counted


def members_to_tell(community) -> list:
    """Every active member: a round's voting and its results are news for all of them."""
    ids = [row["person_id"] for row in memberships_selectors.active_member_ids(community)]
    return memberships_selectors.active_people(community, ids)
