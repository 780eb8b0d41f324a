"""Writes of notifications, a module per area: `notifications` (notify, resolve, mark read),
`emails` (the email job and its sweep), `preferences`, `digest` (the weekly digest)."""

# phase-1 compatibility: removed by the importer rewrite
from .emails import notification_email_send, notifications_email_sweep
from .notifications import MARK_READ_MAX, is_site_path, mark_read, notify, quietly, resolve
from .preferences import preference_set

__all__ = [
    "MARK_READ_MAX", "is_site_path", "mark_read", "notification_email_send", "notifications_email_sweep", "notify",
    "preference_set", "quietly", "resolve",
]
