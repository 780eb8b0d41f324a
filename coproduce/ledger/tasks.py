"""Background jobs of the ledger."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def expire_reservations() -> int:
    """Expire reservations past their time. Run periodically (see coproduce/ops/periodic.py)."""
    return services.reservations_expire()
