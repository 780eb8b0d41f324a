"""Participatory budgets: rounds of the community fund, their projects, the coordinators' checks,
approval ballots, the count and the payment.

Members of the community read rounds, their projects and their count, propose projects while
proposing is open and vote while voting is open; coordinators open rounds, check projects,
count a round whose voting has ended (the timed job does it too) and pay its winners. Outsiders
get 404. A round's days are dates in the community's time zone (`timezone` on the community): a
day opens at its start and closes at its end; the instants are given in UTC beside them.

The count (the greedy rule most participatory budgets use): projects are ordered by approvals,
most first; a tie goes to the cheaper project, then to the one proposed first; going down that
order, each project that fits in the budget still left is funded, one that does not fit is
skipped and the count carries on; a project with no approvals is not funded.

Paying a round makes one grant from the fund per funded project, all in one transaction or
none, each with a ledger key derived from the project: paying again never pays twice."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import Field

from coproduce.core import limits
from coproduce.governance.models import BudgetProject, BudgetRound, BudgetStage
from coproduce.governance.selectors import budget_counting
from coproduce.governance.selectors import budgets as budgets_selectors
from coproduce.governance.services import budgets as budgets_services

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..schemas import MAX_NUMBER, READ_ERRORS, WRITE_ERRORS, IdempotencyKey, MemberRef, Slug

router = Router(tags=["budgets"])

RoundNumber = Annotated[
    int, Path(..., ge=1, le=MAX_NUMBER, description="The round's number: 2 for B-2.")
]
ProjectNumber = Annotated[
    int, Path(..., ge=1, le=MAX_NUMBER, description="The project's number within the round.")
]
WholeMinutes = Annotated[
    int,
    Field(
        strict=True,
        ge=1,
        le=MAX_NUMBER,
        description='Whole minutes, more than zero (1.5, "60" and true are refused).',
    ),
]


class BudgetRoundIn(Schema):
    title: str = Field(max_length=limits.PROPOSAL_TITLE, examples=["Spring projects"])
    description: str = Field(
        "",
        max_length=limits.PROPOSAL_TEXT,
        examples=["Ten hours of the fund for projects in the streets around the docks."],
    )
    budget_minutes: WholeMinutes = Field(
        description="Hours of the fund to spend, in minutes: no more than the fund can promise "
        "(what it holds less what rounds not yet paid were promised).",
        examples=[600],
    )
    proposing_opens: dt.date = Field(examples=["2026-04-01"])
    proposing_closes: dt.date = Field(description="Proposing ends with this day.")
    voting_opens: dt.date = Field(
        description="A later day than proposing_closes: coordinators check projects between."
    )
    voting_closes: dt.date = Field(description="Voting ends with this day.")


class BudgetProjectIn(Schema):
    title: str = Field(max_length=limits.PROPOSAL_TITLE, examples=["Benches by the river"])
    body: str = Field(max_length=limits.PROPOSAL_TEXT, examples=["Somewhere to sit and talk."])
    cost_minutes: WholeMinutes = Field(
        description="What it costs, in minutes: no more than the round's budget.", examples=[240]
    )
    recipient: MemberRef | None = Field(
        None, description="Who receives the hours if it is funded; by default you."
    )


class BudgetCheckIn(Schema):
    eligible: bool = Field(examples=[False])
    reason: str = Field(
        "",
        max_length=limits.TEXT,
        description="Why; needed when the project is not eligible. Members see it.",
        examples=["The council already pays for this."],
    )


class BudgetBallotIn(Schema):
    approve: list[Annotated[int, Field(strict=True, ge=1, le=MAX_NUMBER)]] = Field(
        max_length=500,
        description="The numbers of the eligible projects you approve: at least one, each once.",
        examples=[[1, 3]],
    )


class BudgetProjectOut(Schema):
    number: int
    title: str
    body: str = Field(description="Plain text.")
    cost_minutes: int
    proposer: str = Field(description="The proposer's name as members see it.")
    recipient: str = Field(description="Who receives the hours if it is funded.")
    eligible: bool | None = Field(description="null until a coordinator checks it.")
    check_reason: str
    funded: bool | None = Field(description="null until the round is counted.")
    transfer: int | None = Field(description="The ledger transfer that paid it, once paid.")
    created_at: dt.datetime


class BudgetProjectList(Schema):
    items: list[BudgetProjectOut]


class BudgetRowOut(Schema):
    place: int
    number: int
    title: str
    cost_minutes: int
    approvals: int
    funded: bool
    left_before_minutes: int
    left_after_minutes: int
    why: str = Field(examples=["funded", "did not fit: 1 h left", "no approvals"])


class BudgetResultOut(Schema):
    budget_minutes: int
    ballots: int
    rows: list[BudgetRowOut] = Field(description="Every eligible project, in the order considered.")
    funded: list[int] = Field(description="The funded projects' numbers, in the order funded.")
    spent_minutes: int
    left_minutes: int
    lines: list[str] = Field(description="The counting, in words, in the order it was done.")


class BudgetRoundSummary(Schema):
    number: int
    code: str = Field(examples=["B-2"])
    title: str
    budget_minutes: int
    stage: BudgetStage = Field(description="By the round's dates, even before the job runs.")
    proposing_opens_at: dt.datetime
    proposing_closes_at: dt.datetime
    voting_opens_at: dt.datetime
    voting_closes_at: dt.datetime
    projects: int
    ballots: int


class BudgetRoundList(Schema):
    items: list[BudgetRoundSummary]


class BudgetRoundOut(BudgetRoundSummary):
    description: str
    rule: str = Field(description="How the winners are chosen, in words.")
    items: list[BudgetProjectOut] = Field(description="The projects, by number.")
    my_approvals: list[int] | None = Field(description="Your ballot, if you voted.")
    result: BudgetResultOut | None = Field(description="The count, once counted.")
    paid_at: dt.datetime | None


class BudgetBallotOut(Schema):
    approved: list[int]
    changed: bool = Field(description="Whether this changed an earlier ballot.")


def _project_out(project: BudgetProject) -> dict[str, Any]:
    return {
        "number": project.number,
        "title": project.title,
        "body": project.body,
        "cost_minutes": project.cost_minutes,
        "proposer": project.proposer.display_name,
        "recipient": project.recipient.display_name,
        "eligible": project.eligible,
        "check_reason": project.check_reason,
        "funded": project.funded,
        "transfer": project.transfer_id,
        "created_at": project.created_at,
    }


def _summary(budget: BudgetRound, stage: str, projects: int, ballots: int) -> dict[str, Any]:
    return {
        "number": budget.number,
        "code": budget.code,
        "title": budget.title,
        "budget_minutes": budget.budget_minutes,
        "stage": stage,
        "proposing_opens_at": budget.proposing_opens_at,
        "proposing_closes_at": budget.proposing_closes_at,
        "voting_opens_at": budget.voting_opens_at,
        "voting_closes_at": budget.voting_closes_at,
        "projects": projects,
        "ballots": ballots,
    }


def _detail(request, community, number: int) -> dict[str, Any]:
    view = budgets_selectors.round_detail(community, request.user, number)
    budget = view.budget
    return {
        **_summary(budget, view.stage, len(view.projects), view.ballots),
        "description": budget.description,
        "rule": budget_counting.RULE,
        "items": [_project_out(p) for p in view.projects],
        "my_approvals": view.my_approvals,
        "result": budget.result,
        "paid_at": budget.paid_at,
    }


def _round(request, slug: str, number: int):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community, budgets_selectors.round_get(community, request.user, number)


@router.get(
    "/{slug}/budgets", response={200: BudgetRoundList, **READ_ERRORS}, summary="Budget rounds"
)
def budget_list(request, slug: Slug):
    """The community's budget rounds, newest first (at most 50)."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    rows = budgets_selectors.rounds_of(community, request.user)
    return {"items": [_summary(r.budget, r.stage, r.projects, r.ballots) for r in rows]}


@router.post(
    "/{slug}/budgets",
    response={201: BudgetRoundOut, **WRITE_ERRORS},
    summary="Open a budget round (coordinators)",
    auth=COORDINATOR_AUTH,
)
def budget_create(request, slug: Slug, payload: BudgetRoundIn):
    """Open a round. 422 naming `budget_minutes` for more than the fund can promise, or the
    date that is out of order or already past."""
    community = paths.coordinated_community(request, slug)
    budget = budgets_services.round_create(
        actor=request.user, community=community, **payload.dict()
    )
    return Status(201, _detail(request, community, budget.number))


@router.get(
    "/{slug}/budgets/{number}",
    response={200: BudgetRoundOut, **READ_ERRORS},
    summary="A budget round, with its projects and count",
)
def budget_detail(request, slug: Slug, number: RoundNumber):
    """A round with its projects, your ballot and, once counted, the count as it was made."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return _detail(request, community, number)


@router.get(
    "/{slug}/budgets/{number}/projects",
    response={200: BudgetProjectList, **READ_ERRORS},
    summary="A round's projects",
)
def project_list(request, slug: Slug, number: RoundNumber):
    """The round's projects by number, with their checks and, once counted, whether funded."""
    _community, budget = _round(request, slug, number)
    return {"items": [_project_out(p) for p in budgets_selectors.projects_of(budget)]}


@router.post(
    "/{slug}/budgets/{number}/projects",
    response={201: BudgetProjectOut, **WRITE_ERRORS},
    summary="Propose a project",
)
def project_create(request, slug: Slug, number: RoundNumber, payload: BudgetProjectIn):
    """Propose a project while proposing is open. 403 `too_new_to_propose` before the
    rulebook's days of membership; 409 `proposing_closed`; 422 naming `cost_minutes` for a cost
    over the round's budget, `recipient` for someone not an active member."""
    community, budget = _round(request, slug, number)
    recipient = paths.member_named(community, payload.recipient, "recipient")
    project = budgets_services.project_propose(
        actor=request.user,
        budget=budget,
        title=payload.title,
        body=payload.body,
        cost_minutes=payload.cost_minutes,
        recipient=recipient,
    )
    return Status(201, _project_out(budgets_selectors.project_get(budget, project.number)))


@router.post(
    "/{slug}/budgets/{number}/projects/{project}/check",
    response={200: BudgetProjectOut, **WRITE_ERRORS},
    summary="Check a project (coordinators)",
    auth=COORDINATOR_AUTH,
)
def project_check(
    request, slug: Slug, number: RoundNumber, project: ProjectNumber, payload: BudgetCheckIn
):
    """Say whether a project is eligible, and why; only eligible projects are on the ballot.
    Changed until voting opens: 409 `checks_closed` after. 422 naming `reason` to turn one down
    without a reason."""
    _community, budget = _round(request, slug, number)
    found = budgets_selectors.project_get(budget, project)
    budgets_services.project_check(
        actor=request.user, project=found, eligible=payload.eligible, reason=payload.reason
    )
    return _project_out(budgets_selectors.project_get(budget, project))


@router.post(
    "/{slug}/budgets/{number}/ballots",
    response={201: BudgetBallotOut, **WRITE_ERRORS},
    summary="Cast or change your approval ballot",
)
def ballot_cast(
    request,
    slug: Slug,
    number: RoundNumber,
    idempotency_key: IdempotencyKey,
    payload: BudgetBallotIn,
):
    """Approve the projects you support while voting is open; send again to change your
    ballot until it closes. 409 `voting_not_open`; 422 naming `approve` for no project, a
    project twice, or one that is unknown or not eligible; 403 `not_a_member` for an operator
    who is not a member."""
    _community, budget = _round(request, slug, number)
    ballot, changed = budgets_services.budget_ballot_cast(
        actor=request.user,
        budget=budget,
        approve=payload.approve,
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return Status(201, {"approved": list(ballot.approved), "changed": changed})


@router.post(
    "/{slug}/budgets/{number}/close",
    response={200: BudgetRoundOut, **WRITE_ERRORS},
    summary="Count a round whose voting has ended (coordinators)",
    auth=COORDINATOR_AUTH,
)
def budget_close(request, slug: Slug, number: RoundNumber):
    """Count now rather than wait for the timed job. 409 `voting_not_over` before voting ends;
    a round already counted is answered as it is."""
    community, budget = _round(request, slug, number)
    budgets_services.budget_close(actor=request.user, budget=budget)
    return _detail(request, community, number)


@router.post(
    "/{slug}/budgets/{number}/pay",
    response={200: BudgetRoundOut, **WRITE_ERRORS},
    summary="Pay a counted round's winners from the fund (coordinators)",
    auth=COORDINATOR_AUTH,
)
def budget_pay(request, slug: Slug, number: RoundNumber):
    """One grant from the fund per funded project, all or none. 409 `not_counted` before the
    count, `fund_too_low` when the fund no longer holds enough (nothing is paid); a round
    already paid is answered as it is, with no second transfer."""
    community, budget = _round(request, slug, number)
    budgets_services.budget_pay(actor=request.user, budget=budget)
    return _detail(request, community, number)
