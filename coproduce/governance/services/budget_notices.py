"""What a budget round tells people, through `notifications` (each by their own email choice):
every active member when voting opens and when the results are out, and each funded project's
recipient when its hours are paid. Called inside the services' transactions, so a notice commits
with its change."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.notifications.services import notifications as notifications_services

from ..models import BudgetProject, BudgetRound
from ..selectors import budgets as budgets_selectors
from ..selectors.budget_counting import show_hours


def _page(budget: BudgetRound) -> str:
    return reverse("web:budget", args=[budget.community.slug, budget.number])


def _tell(budget: BudgetRound, people, *, kind: str, title: str, body: str) -> int:
    for person in people:
        notifications_services.notify(
            person=person,
            kind=kind,
            title=title,
            body=body,
            url=_page(budget),
            community=budget.community,
        )
    return len(people)


def voting_opened(budget: BudgetRound) -> int:
    closes = communities_selectors.local_now(budget.community, budget.voting_closes_at)
    return _tell(
        budget,
        budgets_selectors.members_to_tell(budget.community),
        kind="budget_voting",
        title=f"Vote on how to spend {show_hours(budget.budget_minutes)}: {budget.title}",
        body=(
            f"Voting in budget round {budget.code} is open until "
            f"{formats.date_format(closes, 'j F Y, H:i')}. Approve every project you support."
        ),
    )


def results_out(budget: BudgetRound, lines: list[str]) -> int:
    return _tell(
        budget,
        budgets_selectors.members_to_tell(budget.community),
        kind="budget_results",
        title=f"The results of budget round {budget.code}: {budget.title}",
        body="\n".join(lines),
    )


def paid(budget: BudgetRound, winners: list[BudgetProject]) -> int:
    for project in winners:
        notifications_services.notify(
            person=project.recipient,
            kind="budget_paid",
            title=f"{show_hours(project.cost_minutes)} from the fund for {project.title}",
            body=f"Budget round {budget.code} funded it; the hours are in your account.",
            url=_page(budget),
            community=budget.community,
        )
    return len(winners)
