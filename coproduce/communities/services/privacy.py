"""Privacy: who may see each private field, consents, and sensitive data kept only under
a standing consent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import NotFound, PermissionDenied, ValidationFailed

from ..models import Consent, Person, SensitiveDatum, SensitiveField, Visibility
from ..selectors.privacy import CONSENT_WORDING
from .common import _behalf

VISIBILITY_FIELDS = tuple(
    f"{f}_visibility" for f in ("email", "phone", "address", "photo", "date_of_birth")
)


def privacy_update(*, actor: Actor, person: Person, visibility: dict[str, str]) -> Person:
    """Set who may see each private field. Keys are email, phone, address, photo, date_of_birth.
    Raises ValidationFailed."""
    access.access_edit_person(actor, person)
    errors = {}
    fields = {}
    for key, value in visibility.items():
        if f"{key}_visibility" not in VISIBILITY_FIELDS:
            errors[key] = ["Not a field with a privacy setting."]
        elif value not in Visibility.values:
            errors[key] = ["Choose coordinators, members or public."]
        else:
            fields[f"{key}_visibility"] = value
    if errors:
        raise ValidationFailed("Please correct the privacy settings.", fields=errors)
    with transaction.atomic(durable=True):
        old = snapshot(person, fields)
        for key, value in fields.items():
            setattr(person, key, value)
        changes = diff(old, snapshot(person, fields))
        if changes:
            person.save(update_fields=list(fields))
            audit_record(
                actor=actor,
                on_behalf_of=_behalf(actor, person),
                action="person.privacy",
                subject=person,
                person_id=person.pk,
                changes=changes,
            )
    return person


def consent_give(*, actor: Actor, person: Person, topic: str) -> Consent:
    access.access_edit_person(actor, person)
    if topic not in SensitiveField.values:
        raise ValidationFailed("Unknown topic.", fields={"topic": ["Unknown topic."]})
    with transaction.atomic(durable=True):
        current = Consent.objects.filter(
            person=person, topic=topic, withdrawn_at__isnull=True
        ).first()
        if current:
            return current
        consent = Consent.objects.create(
            person=person, topic=topic, wording=CONSENT_WORDING[topic], recorded_by=actor
        )
        audit_record(
            actor=actor,
            on_behalf_of=_behalf(actor, person),
            action="consent.give",
            subject=consent,
            person_id=person.pk,
            changes={"topic": [None, topic]},
        )
    return consent


def consent_withdraw(*, actor: Actor, person: Person, topic: str) -> None:
    """Withdraw a consent; the data it covered is deleted at once."""
    access.access_edit_person(actor, person)
    with transaction.atomic(durable=True):
        consent = Consent.objects.filter(
            person=person, topic=topic, withdrawn_at__isnull=True
        ).first()
        if consent is None:
            raise NotFound("There is no consent to withdraw.")
        deleted, _ = SensitiveDatum.objects.filter(person=person, field=topic).delete()
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=actor,
            on_behalf_of=_behalf(actor, person),
            action="consent.withdraw",
            subject=consent,
            person_id=person.pk,
            changes={"topic": [topic, None], "data_deleted": [None, bool(deleted)]},
        )


def sensitive_set(*, actor: Actor, person: Person, field: str, value: str) -> SensitiveDatum | None:
    """Store a sensitive value, only under a standing consent. An empty value deletes it.
    Raises ValidationFailed, PermissionDenied (no consent)."""
    access.access_edit_person(actor, person)
    if field not in SensitiveField.values:
        raise ValidationFailed("Unknown field.", fields={"field": ["Unknown field."]})
    value = (value or "").strip()
    with transaction.atomic(durable=True):
        consent = Consent.objects.filter(
            person=person, topic=field, withdrawn_at__isnull=True
        ).first()
        if consent is None:
            raise PermissionDenied(
                "This can only be stored with a recorded consent. Record the consent first.",
                code="consent_required",
            )
        existing = SensitiveDatum.objects.filter(person=person, field=field).first()
        if not value:
            if existing:
                existing.delete()
                audit_record(
                    actor=actor,
                    on_behalf_of=_behalf(actor, person),
                    action="sensitive.delete",
                    subject=person,
                    person_id=person.pk,
                    changes={field: ["(set)", None]},
                )
            return None
        if existing:
            existing.value = value
            existing.consent = consent
            existing.updated_at = timezone.now()
            existing.save(update_fields=["value", "consent", "updated_at"])
            datum = existing
        else:
            datum = SensitiveDatum.objects.create(
                person=person, field=field, value=value, consent=consent
            )
        # The value itself never goes into the audit log.
        audit_record(
            actor=actor,
            on_behalf_of=_behalf(actor, person),
            action="sensitive.set",
            subject=person,
            person_id=person.pk,
            changes={field: [("(set)" if existing else None), "(set)"]},
        )
    return datum
