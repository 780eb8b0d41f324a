"""Background jobs of the ledger."""

from __future__ import annotations

from django_tasks import task

from .services import reservations


@task()
def expire_reservations() -> int:
    """Expire reservations past their time. Run periodically (see coproduce/ops/periodic.py)."""
    return reservations.reservations_expire()
