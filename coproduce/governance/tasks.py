"""Background jobs of governance: the timed job that opens votes whose discussion is over and
counts those whose voting has closed, and the one that ends suspensions and carries out
exclusions due (see coproduce/ops/periodic.py)."""

from __future__ import annotations

from django_tasks import task

from .services import decisions, sanctions


@task()
def advance_proposals() -> dict[str, int]:
    """Open and close votes on time. Run periodically."""
    return decisions.proposals_advance()


@task()
def advance_sanctions() -> dict[str, int]:
    """End suspensions on time and carry out exclusions due. Run periodically."""
    return sanctions.sanctions_advance()
