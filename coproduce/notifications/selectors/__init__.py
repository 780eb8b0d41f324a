"""Reads of notifications, a module per area: `notifications` (a person's own), `preferences`,
`digest` (whose weekly digest is due)."""

# phase-1 compatibility: removed by the importer rewrite
from .notifications import notification_page, notifications_of, unread_count
from .preferences import preference_for

__all__ = ["notification_page", "notifications_of", "preference_for", "unread_count"]
