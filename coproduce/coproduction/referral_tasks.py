"""The timed job of referrals (its own module so the other co-production jobs live apart)."""

from __future__ import annotations

from django_tasks import task

from . import referrals


@task()
def referrals_minimise() -> int:
    """Blank the contact details of referrals declined more than 90 days ago. Run periodically."""
    return referrals.referrals_minimise()
