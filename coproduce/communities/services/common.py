"""What the community services share: email sent only after commit, and whom an action
was done for."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction

from coproduce.core.actors import Actor

from ..models import Person


def _send_after_commit(subject: str, body: str, to: list[str]) -> None:
    to = [address for address in to if address]
    if to:
        transaction.on_commit(lambda: send_mail(subject, body, None, to, fail_silently=False))


def _behalf(actor: Actor, person: Person | None):
    return (
        person
        if person is not None and actor is not None and getattr(actor, "pk", None) != person.pk
        else None
    )
