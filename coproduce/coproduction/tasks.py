"""Background jobs of co-production."""

from __future__ import annotations

from django_tasks import task

from . import sessions


@task()
def remind_sessions() -> int:
    """Remind the people booked on tomorrow's sessions, once a session. Run periodically."""
    return sessions.sessions_remind()
