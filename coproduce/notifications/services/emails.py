"""Emailing notifications. Emails are sent at most once: a notification's `email_state` leaves
"" through a conditional UPDATE before anything is sent, so two workers (or the job and the
sweep) can never both send it. A lost job is made up for by the sweep
(`notifications_email_sweep`), which looks at notifications still waiting."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from ..models import EmailMode, Notification, Preference
from .notifications import FAILED, SENT, SKIPPED, _one_line, emailable, is_site_path

logger = logging.getLogger(__name__)

SWEEP_AFTER = dt.timedelta(minutes=2)
SWEEP_BATCH = 200


def _preference(person) -> Preference:
    return Preference.objects.filter(person=person).first() or Preference(person=person)


def email_send(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """One email, plain text and HTML from the same context. Raises whatever the backend raises."""
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=_one_line(subject, 200),
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[to],
    )
    message.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context), "text/html"
    )
    message.send(fail_silently=False)


def notification_email_send(notification_id: int) -> str:
    """The email job: email one notification if its person wants each one by email and can be
    emailed, else mark it "skipped". At most once: it is claimed with a conditional UPDATE from ""
    before it is sent. A failure to send is recorded as "failed"; the notification stays.
    Returns the state it left (or "" when there was nothing to do)."""
    notification = (
        Notification.objects.select_related("person", "community")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.email_state:
        return ""
    person = notification.person
    waiting = Notification.objects.filter(pk=notification.pk, email_state="")
    if not emailable(person) or _preference(person).email_mode != EmailMode.EACH:
        return SKIPPED if waiting.update(email_state=SKIPPED) else ""
    if not waiting.update(email_state=SENT, emailed_at=timezone.now()):
        return ""  # another worker claimed it
    try:
        email_send(
            to=person.email or "",
            subject=notification.title,
            template="notification",
            context={
                "notification": notification,
                "person": person,
                "link": settings.SITE_URL + notification.url
                if is_site_path(notification.url)
                else "",
            },
        )
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
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(1 for pk in waiting if notification_email_send(pk) == SENT)
