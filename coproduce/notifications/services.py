"""Telling people things: `notify` writes a row in the person's notification centre inside the
caller's transaction and, once that commits, enqueues a background job that emails it when the
person wants each one by email. Emails are sent at most once: a notification's `email_state`
leaves "" through a conditional UPDATE before anything is sent, so two workers (or the job and
the sweep) can never both send it. A lost job is made up for by the sweep
(`notifications_email_sweep`), which looks at notifications still waiting.

Emails carry the notification's title and text and a link back to the site, never another
member's email address or phone number: callers write titles and texts with display names only."""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.template.loader import render_to_string
from django.utils import timezone

from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import PermissionDenied, ValidationFailed

from .models import EmailMode, Notification, Preference

logger = logging.getLogger(__name__)

SENT, SKIPPED, FAILED = "sent", "skipped", "failed"
MARK_READ_MAX = 200
SWEEP_AFTER = dt.timedelta(minutes=2)
SWEEP_BATCH = 200

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
        bool(url) and url.startswith("/") and not url.startswith("//") and "\\" not in url
        and not any(unicodedata.category(ch) in {"Cc", "Zs", "Zl", "Zp"} for ch in url)
    )


def _one_line(text: str, maximum: int) -> str:
    return " ".join((text or "").split())[:maximum]


def emailable(person) -> bool:
    """Whether a person can be emailed at all: an address, using the website, not a former member."""
    return bool(person.email) and person.is_active and not person.is_offline and person.pseudonymised_at is None


def notify(*, person, kind: str, title: str, body: str = "", url: str = "", community=None) -> Notification:
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
        person=person, community=community, kind=_one_line(kind, 40) or "notice", title=title, body=body or "",
        url=url, email_state="" if emailable(person) and not quiet else SKIPPED,
        read_at=timezone.now() if quiet else None,
    )
    if not notification.email_state:
        pk = notification.pk
        transaction.on_commit(lambda: _enqueue_email(pk))
    return notification


def _enqueue_email(notification_id: int) -> None:
    from .tasks import send_notification_email

    try:
        send_notification_email.enqueue(notification_id)
    except Exception:  # noqa: BLE001 - the sweep sends it later; the notification itself is kept
        logger.exception("could not enqueue the email for notification %s", notification_id)


def _preference(person) -> Preference:
    return Preference.objects.filter(person=person).first() or Preference(person=person)


def email_send(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """One email, plain text and HTML from the same context. Raises whatever the backend raises."""
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=_one_line(subject, 200), body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"notifications/email/{template}.html", context), "text/html")
    message.send(fail_silently=False)


def notification_email_send(notification_id: int) -> str:
    """The email job: email one notification if its person wants each one by email and can be
    emailed, else mark it "skipped". At most once: it is claimed with a conditional UPDATE from ""
    before it is sent. A failure to send is recorded as "failed"; the notification stays.
    Returns the state it left (or "" when there was nothing to do)."""
    notification = Notification.objects.select_related("person", "community").filter(pk=notification_id).first()
    if notification is None or notification.email_state:
        return ""
    person = notification.person
    waiting = Notification.objects.filter(pk=notification.pk, email_state="")
    if not emailable(person) or _preference(person).email_mode != EmailMode.EACH:
        return SKIPPED if waiting.update(email_state=SKIPPED) else ""
    if not waiting.update(email_state=SENT, emailed_at=timezone.now()):
        return ""  # another worker claimed it
    try:
        email_send(to=person.email or "", subject=notification.title, template="notification",
              context={"notification": notification, "person": person,
                       "link": settings.SITE_URL + notification.url if is_site_path(notification.url) else ""})
    except Exception:  # noqa: BLE001 - any failure of the mail backend is recorded, never retried twice
        logger.exception("could not email notification %s", notification.pk)
        Notification.objects.filter(pk=notification.pk).update(email_state=FAILED)
        return FAILED
    return SENT


def notifications_email_sweep(*, now: dt.datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """The periodic catch-up: email notifications still waiting a while after they were made (a
    job lost between commit and enqueue, or a worker that died). Safe beside the jobs and other
    sweeps: each one is claimed before it is sent. Returns how many were sent."""
    now = now or timezone.now()
    waiting = list(
        Notification.objects.filter(email_state="", created_at__lte=now - SWEEP_AFTER)
        .order_by("created_at", "id").values_list("pk", flat=True)[:batch]
    )
    return sum(1 for pk in waiting if notification_email_send(pk) == SENT)


def mark_read(*, person, ids: list[int] | None = None, all: bool = False,  # noqa: A002 - the API's word
              community_id: int | None = None) -> int:
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
        raise ValidationFailed("Say which notifications to mark as read, or mark them all.",
                               fields={"ids": ["Give one or more notification ids, or all."]})
    if len(ids) > MARK_READ_MAX:
        raise ValidationFailed(f"At most {MARK_READ_MAX} at once.", fields={"ids": [f"At most {MARK_READ_MAX}."]})
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    with transaction.atomic():
        found = set(mine.filter(pk__in=wanted).values_list("pk", flat=True))
        unknown = sorted(set(ids) - found, key=str)
        if unknown:
            listed = ", ".join(str(i) for i in unknown[:10])
            raise ValidationFailed("Some of these are not your notifications, so none was marked.",
                                   code="unknown_notifications", fields={"ids": [f"Not one of yours: {listed}."]})
        return mine.filter(pk__in=found, read_at__isnull=True).update(read_at=now)


def resolve(*, people_ids, kind: str, url: str) -> int:
    """Notifications of `kind` linking to `url` that asked these people to do something now done
    (hours they were asked to confirm have been answered, by anyone): marked read, and no longer
    emailed when their email had not gone yet. Inside the caller's transaction, so the answer and
    this stand or fall together. Returns how many were still unread. Not audited, as reading is not."""
    open_ = Notification.objects.filter(person_id__in=list(people_ids), kind=kind, url=url, read_at__isnull=True)
    return open_.update(read_at=timezone.now(),
                        email_state=Case(When(email_state="", then=Value(SKIPPED)), default=F("email_state")))


def preference_set(*, actor, person, email_mode: str | None = None, weekly_digest: bool | None = None) -> Preference:
    """Change how a person hears about things; what is left out (None) stays as it is. "Only the
    weekly digest" turns the digest on and "no emails" turns it off, so the two never disagree.
    Raises PermissionDenied (someone else's), ValidationFailed (an unknown mode; nothing changes)."""
    if actor.pk != person.pk:
        raise PermissionDenied("Only the person themselves can change how they are told things.")
    errors: dict[str, list[str]] = {}
    if email_mode is not None and email_mode not in EmailMode.values:
        errors["email_mode"] = ["Choose each one, only the weekly digest, or no emails."]
    if weekly_digest is not None and not isinstance(weekly_digest, bool):
        errors["weekly_digest"] = ["Say yes or no."]
    if errors:
        raise ValidationFailed("Please choose how you want to be told.", fields=errors)
    fields = ("email_mode", "weekly_digest")
    with transaction.atomic(durable=True):
        preference, _created = Preference.objects.select_for_update().get_or_create(person=person)
        old = snapshot(preference, fields)
        if email_mode is not None:
            preference.email_mode = email_mode
        if weekly_digest is not None:
            preference.weekly_digest = weekly_digest
        if preference.email_mode == EmailMode.DIGEST:
            preference.weekly_digest = True
        elif preference.email_mode == EmailMode.NONE:
            preference.weekly_digest = False
        changes = diff(old, snapshot(preference, fields))
        if changes:
            preference.updated_at = timezone.now()
            preference.save(update_fields=[*fields, "updated_at"])
            audit_record(actor=actor, action="notifications.preferences", subject=preference,
                         person_id=person.pk, changes=changes)
    return preference
