"""The signed-in person's notifications and email choices.

Notifications are the caller's own. A token made for one community sees and marks only that
community's notifications; changing email choices needs an unrestricted token or the session.
`title` and `body` are plain text: escape them when you show them in HTML. `url` is a path on
this site (or empty). These writes move no hours, so they need no `Idempotency-Key`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from coproduce.core import limits
from coproduce.notifications.models import EmailMode
from coproduce.notifications.selectors import notifications as notifications_selectors
from coproduce.notifications.selectors import preferences as preferences_selectors
from coproduce.notifications.services import notifications as notifications_services
from coproduce.notifications.services import preferences as preferences_services

from .. import paths
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, key_datetime, key_int, keyset_page
from ..schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS

router = Router(tags=["notifications"])

NotificationId = Annotated[int, Field(ge=1, le=MAX_ID)]


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="What it is about: `message`, `exchange_recorded`, `digest`, ...")
    title: str = Field(description="Plain text.")
    body: str = Field(description="Plain text, possibly several lines.")
    url: str = Field(description="A path on this site to what it is about, or empty.")
    community: str | None = Field(description="The community's slug, when it is about one.")
    created_at: dt.datetime
    read_at: dt.datetime | None
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int = Field(
        description="Unread notifications in all (within the token's community, if any)."
    )


class NotificationQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    cursor: str | None = Field(
        None,
        max_length=limits.CURSOR,
        description="The `next_cursor` of the previous page; leave out for the first page.",
    )
    unread: bool = Field(False, description="Only unread ones.")


class MarkReadIn(Schema):
    """Either `ids` (all must be yours, else none is marked) or `all: true`."""

    ids: list[NotificationId] | None = Field(
        None, min_length=1, max_length=notifications_services.MARK_READ_MAX
    )
    all: bool = False


class MarkReadOut(Schema):
    marked: int = Field(description="How many changed from unread to read.")
    unread_count: int


class PreferencesOut(Schema):
    email_mode: EmailMode = Field(
        description="`each` (an email for each notification), `digest` (only the weekly "
        "digest) or `none`."
    )
    weekly_digest: bool = Field(
        description="Whether the weekly digest of new listings that fit you is emailed."
    )
    last_digest_at: dt.datetime | None


class PreferencesIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "Fields left out stay as they are. `digest` turns the weekly digest on"
            " and `none` turns it off."
        }
    )

    email_mode: EmailMode | None = None
    weekly_digest: bool | None = None


def _out(notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url if notifications_services.is_site_path(notification.url) else "",
        "community": notification.community.slug if notification.community_id else None,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "read": notification.read_at is not None,
    }


def _preferences_out(preference) -> dict:
    return {
        "email_mode": preference.email_mode,
        "weekly_digest": preference.weekly_digest,
        "last_digest_at": preference.last_digest_at,
    }


@router.get(
    "/notifications", response={200: NotificationPage, **READ_ERRORS}, summary="My notifications"
)
def my_notifications(request, query: Query[NotificationQuery]):
    """Newest first."""
    scope = paths.token_community_id(request)
    rows, next_cursor = keyset_page(
        notifications_selectors.notifications_of(
            request.user, unread_only=query.unread, community_id=scope
        ),
        fields=("created_at", "id"),
        kinds=(key_datetime, key_int),
        cursor=query.cursor,
        limit=query.limit,
        descending=True,
    )
    return {
        "items": [_out(n) for n in rows],
        "next_cursor": next_cursor,
        "unread_count": notifications_selectors.unread_count(request.user, community_id=scope),
    }


@router.post(
    "/notifications/read",
    response={200: MarkReadOut, **WRITE_ERRORS},
    summary="Mark notifications read",
)
def my_notifications_read(request, payload: MarkReadIn):
    """Give `ids`, or `all: true`. An id that is not one of yours (or, with a community's token, not
    of that community) refuses the lot with 422 and nothing is marked."""
    scope = paths.token_community_id(request)
    marked = notifications_services.mark_read(
        person=request.user, ids=payload.ids, all=payload.all, community_id=scope
    )
    return {
        "marked": marked,
        "unread_count": notifications_selectors.unread_count(request.user, community_id=scope),
    }


@router.get(
    "/notification-preferences",
    response={200: PreferencesOut, **READ_ERRORS},
    summary="How I am told about things",
)
def my_notification_preferences(request):
    return _preferences_out(preferences_selectors.preference_for(request.user))


@router.put(
    "/notification-preferences",
    response={200: PreferencesOut, **WRITE_ERRORS},
    summary="Change how I am told about things",
)
def my_notification_preferences_update(request, payload: PreferencesIn):
    paths.unscoped_token_only(request)
    preference = preferences_services.preference_set(
        actor=request.user,
        person=request.user,
        email_mode=str(payload.email_mode) if payload.email_mode is not None else None,
        weekly_digest=payload.weekly_digest,
    )
    return _preferences_out(preference)
