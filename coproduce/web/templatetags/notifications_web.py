"""The unread count in the header: one COUNT per page, kept on the request so a page that
shows it twice (the header and the notification centre) asks once."""

from __future__ import annotations

from django import template

from coproduce.notifications.selectors import notifications as notifications_selectors

register = template.Library()

_CACHE = "_coproduce_unread_notifications"


def unread_notifications_for(request) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    count = getattr(request, _CACHE, None)
    if count is None:
        count = notifications_selectors.unread_count(user)
        setattr(request, _CACHE, count)
    return count


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """`{% unread_notifications as count %}`: the signed-in person's unread notifications."""
    return unread_notifications_for(context.get("request"))
