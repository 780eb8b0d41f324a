"""Background jobs of communities."""

from __future__ import annotations

from django_tasks import task

from .services import applications


@task()
def expire_unconfirmed_applications() -> int:
    """Delete applications nobody confirmed in time. Run periodically (see
    coproduce/ops/periodic.py)."""
    return applications.unconfirmed_applications_expire()
