"""Background jobs of notifications: the email of one notification (enqueued after commit by
`services.notifications.notify`), and two timed jobs (see coproduce/ops/periodic.py): the sweep
that emails any notification whose job was lost, and the weekly digest."""

from __future__ import annotations

from django_tasks import task

from .services import digest, emails


@task()
def send_notification_email(notification_id: int) -> str:
    """Email one notification if its person wants it; at most once."""
    return emails.notification_email_send(notification_id)


@task()
def send_waiting_notification_emails() -> int:
    """Email notifications still waiting a few minutes after they were made. Run periodically."""
    return emails.notifications_email_sweep()


@task()
def send_weekly_digests() -> int:
    """Email the weekly digest to everyone whose turn it is. Run periodically."""
    return digest.digests_send()
