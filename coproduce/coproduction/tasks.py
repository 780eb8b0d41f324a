"""Background jobs of co-production (run periodically, see coproduce/ops/periodic.py)."""

from __future__ import annotations

from django_tasks import task

from .services import referrals as referral_services
from .services import sessions as session_services


@task()
def remind_sessions() -> int:
    """Remind the people booked on tomorrow's sessions, once a session. Run periodically."""
    return session_services.sessions_remind()


@task()
def referrals_minimise() -> int:
    """Blank the contact details of referrals declined more than 90 days ago. Run periodically."""
    return referral_services.referrals_minimise()
