"""Background jobs of governance: the timed job that opens votes whose discussion is over and
counts those whose voting has closed, reminds those who have not voted a day before close and
asks members to review a decision at its review date; the same opening and counting for budget
rounds; and the one that ends suspensions and carries out exclusions due (see
coproduce/ops/periodic.py)."""

from __future__ import annotations

from django_tasks import task

from .services import budgets, decisions, sanctions


@task()
def advance_proposals() -> dict[str, int]:
    """Open and close votes on time, then remind and ask for reviews. Run periodically."""
    return {**decisions.proposals_advance(), **decisions.proposals_remind()}


@task()
def advance_budgets() -> dict[str, int]:
    """Open budget rounds' voting and count them on time. Run periodically."""
    return budgets.budgets_advance()


@task()
def advance_sanctions() -> dict[str, int]:
    """End suspensions on time and carry out exclusions due. Run periodically."""
    return sanctions.sanctions_advance()
