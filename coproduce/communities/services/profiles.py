"""A person's details and gift profile: what they can offer, when, and how to reach them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import Conflict, ValidationFailed

from ..models import ContactChannel, Gift, GiftKind, Person
from .common import _behalf

AVAILABILITY_SLOTS = [
    f"{d}-{p}"
    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for p in ("am", "pm", "eve")
]


DETAIL_FIELDS = (
    "full_name",
    "known_as",
    "email",
    "phone",
    "address",
    "neighbourhood",
    "date_of_birth",
    "is_offline",
)
PROFILE_FIELDS = ("availability", "languages", "accessibility_needs", "contact_preferences")


def person_details_update(*, actor: Actor, person: Person, **values: Any) -> Person:
    """Update name and contact details. Raises ValidationFailed, Conflict (email in use)."""
    access.access_edit_person(actor, person)
    unknown = set(values) - set(DETAIL_FIELDS)
    if unknown:
        raise ValidationFailed(
            "Unknown fields.",
            fields={k: ["Not a detail that can be changed here."] for k in unknown},
        )
    if "full_name" in values and not (values["full_name"] or "").strip():
        raise ValidationFailed(
            "Your name cannot be empty.", fields={"full_name": ["Your name cannot be empty."]}
        )
    if "email" in values:
        values["email"] = (values["email"] or "").strip().lower() or None
        if (
            values["email"]
            and Person.objects.filter(email__iexact=values["email"]).exclude(pk=person.pk).exists()
        ):
            raise Conflict(
                "That email address is used by another account.",
                fields={"email": ["Already in use."]},
            )
    with transaction.atomic(durable=True):
        old = snapshot(person, values)
        for key, value in values.items():
            setattr(person, key, value)
        person.full_clean(exclude=["password", "photo"])
        changes = diff(old, snapshot(person, values))
        if changes:
            person.save(update_fields=list(values))
            audit_record(
                actor=actor,
                on_behalf_of=_behalf(actor, person),
                action="person.details",
                subject=person,
                person_id=person.pk,
                changes={
                    k: ["…", "…"] if k in ("email", "phone", "address", "date_of_birth") else v
                    for k, v in changes.items()
                },
            )
    return person


def gift_profile_update(
    *,
    actor: Actor,
    person: Person,
    gifts: list[tuple[str, str]] | None = None,
    availability: list[str] | None = None,
    languages: str | None = None,
    accessibility_needs: str | None = None,
    contact_preferences: list[str] | None = None,
) -> Person:
    """Replace the gift profile (capacity inventory). Fields left as None are unchanged.
    Raises ValidationFailed."""
    access.access_edit_person(actor, person)
    errors: dict[str, list[str]] = {}
    clean_gifts: list[tuple[str, str]] = []
    if gifts is not None:
        for kind, description in gifts:
            description = (description or "").strip()
            if kind not in GiftKind.values:
                errors.setdefault("gifts", []).append(f"Unknown kind of gift: {kind}.")
            elif not description:
                continue
            elif len(description) > 200:
                errors.setdefault("gifts", []).append("Keep each gift under 200 characters.")
            else:
                clean_gifts.append((kind, description))
        if len(clean_gifts) > 60:
            errors.setdefault("gifts", []).append("List at most 60 gifts.")
    if availability is not None:
        bad = [slot for slot in availability if slot not in AVAILABILITY_SLOTS]
        if bad:
            errors["availability"] = [f"Unknown time: {', '.join(map(str, bad))}."]
    if contact_preferences is not None:
        bad = [c for c in contact_preferences if c not in ContactChannel.values]
        if bad:
            errors["contact_preferences"] = [f"Unknown way of contact: {', '.join(map(str, bad))}."]
        elif ContactChannel.EMAIL in contact_preferences and not person.email:
            errors["contact_preferences"] = ["Add an email address before choosing email."]
        elif ContactChannel.PHONE in contact_preferences and not person.phone:
            errors["contact_preferences"] = ["Add a phone number before choosing phone."]
    if errors:
        raise ValidationFailed("Please correct the gift profile.", fields=errors)
    with transaction.atomic(durable=True):
        fields: dict[str, Any] = {}
        if availability is not None:
            fields["availability"] = sorted(set(availability), key=AVAILABILITY_SLOTS.index)
        if languages is not None:
            fields["languages"] = languages.strip()
        if accessibility_needs is not None:
            fields["accessibility_needs"] = accessibility_needs.strip()
        if contact_preferences is not None:
            fields["contact_preferences"] = [
                c for c in ContactChannel.values if c in contact_preferences
            ]
        old = snapshot(person, fields)
        old_gifts = [[g.kind, g.description] for g in person.gifts.order_by("kind", "id")]
        for key, value in fields.items():
            setattr(person, key, value)
        changes = diff(old, snapshot(person, fields))
        if changes:
            person.save(update_fields=list(fields))
        if gifts is not None:
            new_gifts = sorted([[k, d] for k, d in clean_gifts])
            if new_gifts != sorted(old_gifts):
                person.gifts.all().delete()
                Gift.objects.bulk_create(
                    [Gift(person=person, kind=k, description=d) for k, d in clean_gifts]
                )
                changes["gifts"] = [old_gifts, [list(g) for g in clean_gifts]]
        if changes:
            audit_record(
                actor=actor,
                on_behalf_of=_behalf(actor, person),
                action="person.gift_profile",
                subject=person,
                person_id=person.pk,
                changes=changes,
            )
    return person
