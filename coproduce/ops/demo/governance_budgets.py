"""A finished participatory budget for the Riverside demo, built through the real services: a
coordinator opens round B-1 with hours the fund holds, members propose five projects, the
coordinator checks them (one is turned down, with the reason), members vote by approval, the
round is counted by the greedy rule (one project does not fit in what is left) and the winners
are paid from the fund, one grant each. The round's dates are then moved back a few weeks, as
the demo's other history is, so the round reads as one that finished last month.

Built once: a second run finds a round there and adds nothing. Call it after the exchange
history (which fills the fund): `build_budget_round()`."""

from __future__ import annotations

import datetime as dt

from django.test.utils import override_settings
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.core.errors import ApplicationError
from coproduce.governance.access import access_propose
from coproduce.governance.models import BudgetRound
from coproduce.governance.selectors import budgets as budgets_selectors
from coproduce.governance.services import budgets as budgets_services

COORDINATOR_EMAIL = "coordinator@riverside.example"
HOUR = 60
PROJECTS = [
    # title, what, cost in hours, eligible (or the reason it is not)
    ("Benches by the river path", "Two benches repaired and painted by volunteers.", 6, True),
    ("Community fridge rota", "Hours for the people who keep the fridge stocked.", 8, True),
    ("Homework club", "Tutors for the Tuesday homework club in the library.", 5, True),
    ("Seed swap day", "A spring seed swap with a talk on growing vegetables.", 3, True),
    (
        "New website for the allotments",
        "A designer's hours for the allotment society's website.",
        4,
        "The allotment society is a separate organisation with its own funding.",
    ),
]


def _may_propose(person, community, rules) -> bool:
    try:
        access_propose(person, community, rules)
    except ApplicationError:
        return False
    return True


def build_budget_round(slug: str = "riverside") -> bool:
    """Build the demo's finished budget round unless the community has one. Returns True if it
    built it."""
    community = communities_selectors.community_get(slug)
    if BudgetRound.objects.filter(community=community).exists():
        return False
    members = directory_selectors.member_directory(community, limit=100_000)
    people = [m.person for m in members]
    coordinator = next((p for p in people if p.email == COORDINATOR_EMAIL), None)
    rules = communities_selectors.rules_for(community)
    proposers = [p for p in people if not p.is_offline and _may_propose(p, community, rules)]
    free = budgets_selectors.fund_balance(community) - budgets_selectors.fund_promised(community)
    budget_minutes = min(15 * HOUR, free // HOUR * HOUR)
    if coordinator is None or len(proposers) < len(PROJECTS) or budget_minutes < 8 * HOUR:
        return False
    today = communities_selectors.local_today(community)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        budget = budgets_services.round_create(
            actor=coordinator,
            community=community,
            title="Spring projects from the community fund",
            description=(
                "Hours of the community fund for projects that make Riverside a better place "
                "to live. Propose a project, say what it costs in hours and who will do the "
                "work; members decide by approving the ones they support."
            ),
            budget_minutes=budget_minutes,
            proposing_opens=today,
            proposing_closes=today + dt.timedelta(days=13),
            voting_opens=today + dt.timedelta(days=15),
            voting_closes=today + dt.timedelta(days=28),
        )
        projects = []
        for (title, body, hours, check), proposer in zip(PROJECTS, proposers, strict=False):
            project = budgets_services.project_propose(
                actor=proposer,
                budget=budget,
                title=title,
                body=body,
                cost_minutes=min(hours * HOUR, budget_minutes),
            )
            budgets_services.project_check(
                actor=coordinator,
                project=project,
                eligible=check is True,
                reason="" if check is True else str(check),
            )
            projects.append((project, check is True))
        now = timezone.now()
        # The days pass: voting opens (members are told), then closes and is counted.
        BudgetRound.objects.filter(pk=budget.pk).update(
            proposing_opens_at=now - dt.timedelta(days=16),
            proposing_closes_at=now - dt.timedelta(days=2),
            voting_opens_at=now - dt.timedelta(hours=1),
            voting_closes_at=now + dt.timedelta(days=13),
        )
        budgets_services.budgets_advance(now=now)
        eligible = [p.number for p, ok in projects if ok]
        voters = [p for p in people if not p.is_offline][:24]
        for i, voter in enumerate(voters):
            # Most like the benches and the fridge; fewer the club; a few the seed swap.
            approve = [n for j, n in enumerate(eligible) if (i + j) % (j + 2) != 1] or eligible[:1]
            try:
                budgets_services.budget_ballot_cast(actor=voter, budget=budget, approve=approve)
            except ApplicationError:
                continue
        BudgetRound.objects.filter(pk=budget.pk).update(voting_closes_at=now)
        budgets_services.budgets_advance(now=now + dt.timedelta(seconds=1))
        budget.refresh_from_db()
        budgets_services.budget_pay(actor=coordinator, budget=budget)
    # Moved back a few weeks, as the rest of the demo's history is.
    back = dt.timedelta(days=30)
    BudgetRound.objects.filter(pk=budget.pk).update(
        proposing_opens_at=now - dt.timedelta(days=16) - back,
        proposing_closes_at=now - dt.timedelta(days=2) - back,
        voting_opens_at=now - dt.timedelta(hours=1) - back,
        voting_closes_at=now - back,
    )
    return True
