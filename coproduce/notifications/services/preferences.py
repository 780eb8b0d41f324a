"""How a person wants to be told: each notification by email, only the weekly digest, or none."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import PermissionDenied, ValidationFailed

from ..models import EmailMode, Preference


def preference_set(
    *, actor: Actor, person, email_mode: str | None = None, weekly_digest: bool | None = None
) -> Preference:
    """Change how a person hears about things; what is left out (None) stays as it is. "Only the
    weekly digest" turns the digest on and "no emails" turns it off, so the two never disagree.
    Raises PermissionDenied (someone else's), ValidationFailed (an unknown mode; nothing
    changes)."""
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
            audit_record(
                actor=actor,
                action="notifications.preferences",
                subject=preference,
                person_id=person.pk,
                changes=changes,
            )
    return preference
