"""Telling people things: `notify` writes a row in the person's notification centre inside the
caller's transaction and, once that commits, enqueues a background job that emails it when the
person wants each one by email (services/emails.py). A notification that asked for something is
resolved once it is answered (`resolve`); people mark theirs read (`mark_read`).

Emails carry the notification's title and text and a link back to the site, never another
member's email address or phone number: callers write titles and texts with display names only."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from coproduce.core.errors import ValidationFailed

from ..models import Notification

logger = logging.getLogger(__name__)

# A notification's email_state: "" while its email waits, then one of these.
SENT, SKIPPED, FAILED = "sent", "skipped", "failed"
MARK_READ_MAX = 200

_quiet: ContextVar[bool] = ContextVar("coproduce_notifications_quiet", default=False)


@contextmanager
def quietly() -> Iterator[None]:
    """While building demo history: notifications are stored as already read and never emailed
    (a year of made-up exchanges should not fill anyone's notification centre or the mail queue)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def is_site_path(url: str) -> bool:
    """A path on this site ("/c/riverside/..."), never another site ("//evil", "https://...")."""
    return (
        bool(url)
        and url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and not any(unicodedata.category(ch) in {"Cc", "Zs", "Zl", "Zp"} for ch in url)
    )


def _one_line(text: str, maximum: int) -> str:
    return " ".join((text or "").split())[:maximum]


def emailable(person) -> bool:
    """Whether a person can be emailed at all: an address, using the website, not a former
    member."""
    return (
        bool(person.email)
        and person.is_active
        and not person.is_offline
        and person.pseudonymised_at is None
    )


def notify(
    *, person, kind: str, title: str, body: str = "", url: str = "", community=None
) -> Notification:
    """A notification for `person`, stored in the caller's transaction. After commit a job emails
    it if they want each one by email (see `notification_email_send`). `url` is a path on this
    site or empty. Raises ValidationFailed (an empty title, a url that is not a path here)."""
    title = _one_line(title, 200)
    url = (url or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["A notification needs a title."]
    if url and (not is_site_path(url) or len(url) > 300):
        errors["url"] = ["Only a path on this site (starting with one /) can be linked."]
    if errors:
        raise ValidationFailed("The notification could not be made.", fields=errors)
    quiet = _quiet.get()
    notification = Notification.objects.create(
        person=person,
        community=community,
        kind=_one_line(kind, 40) or "notice",
        title=title,
        body=body or "",
        url=url,
        email_state="" if emailable(person) and not quiet else SKIPPED,
        read_at=timezone.now() if quiet else None,
    )
    if not notification.email_state:
        pk = notification.pk
        transaction.on_commit(lambda: _enqueue_email(pk))
    return notification


def _enqueue_email(notification_id: int) -> None:
    from ..tasks import send_notification_email

    try:
        send_notification_email.enqueue(notification_id)
    except Exception:  # noqa: BLE001 - the sweep sends it later; the notification itself is kept
        logger.exception("could not enqueue the email for notification %s", notification_id)


def mark_read(
    *,
    person,
    ids: list[int] | None = None,
    all: bool = False,  # noqa: A002 - the API's word
    community_id: int | None = None,
) -> int:
    """Mark some of a person's notifications (or all of them) as read, only those of one
    community when `community_id` is given; returns how many changed. Not audited: reading is
    not a change to anyone's standing. Raises ValidationFailed (neither ids nor all; too many
    ids; an id that is not one of theirs: then nothing is marked)."""
    now = timezone.now()
    mine = Notification.objects.filter(person=person)
    if community_id is not None:
        mine = mine.filter(community_id=community_id)
    if all:
        return mine.filter(read_at__isnull=True).update(read_at=now)
    if not ids:
        raise ValidationFailed(
            "Say which notifications to mark as read, or mark them all.",
            fields={"ids": ["Give one or more notification ids, or all."]},
        )
    if len(ids) > MARK_READ_MAX:
        raise ValidationFailed(
            f"At most {MARK_READ_MAX} at once.", fields={"ids": [f"At most {MARK_READ_MAX}."]}
        )
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    with transaction.atomic():
        found = set(mine.filter(pk__in=wanted).values_list("pk", flat=True))
        unknown = sorted(set(ids) - found, key=str)
        if unknown:
            listed = ", ".join(str(i) for i in unknown[:10])
            raise ValidationFailed(
                "Some of these are not your notifications, so none was marked.",
                code="unknown_notifications",
                fields={"ids": [f"Not one of yours: {listed}."]},
            )
        return mine.filter(pk__in=found, read_at__isnull=True).update(read_at=now)


def resolve(*, people_ids, kind: str, url: str) -> int:
    """Notifications of `kind` linking to `url` that asked these people to do something now done
    (hours they were asked to confirm have been answered, by anyone): marked read, and no longer
    emailed when their email had not gone yet. Inside the caller's transaction, so the answer and
    this stand or fall together. Returns how many were still unread. Not audited, as reading is
    not."""
    open_ = Notification.objects.filter(
        person_id__in=list(people_ids), kind=kind, url=url, read_at__isnull=True
    )
    return open_.update(
        read_at=timezone.now(),
        email_state=Case(When(email_state="", then=Value(SKIPPED)), default=F("email_state")),
    )
