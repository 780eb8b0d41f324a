"""Coordinators' notes on an application (an interview among them) or on a member."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import ValidationFailed

from ..models import Application, Community, CoordinatorNote, Person


def application_note_add(
    *, actor: Actor, application: Application, text: str, interview: bool = False
) -> CoordinatorNote:
    """Raises ValidationFailed (empty note)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write the note first.", fields={"text": ["Write the note first."]})
    with transaction.atomic(durable=True):
        note = CoordinatorNote.objects.create(
            community=application.community,
            person=application.person,
            application=application,
            kind=CoordinatorNote.Kind.INTERVIEW if interview else CoordinatorNote.Kind.GENERAL,
            text=text,
            author=actor,
        )
        if interview and application.interviewed_at is None:
            application.interviewed_at = timezone.now()
            application.save(update_fields=["interviewed_at"])
        audit_record(
            actor=actor,
            action="application.note" if not interview else "application.interview",
            subject=application,
            community_id=application.community_id,
            person_id=application.person_id,
        )
    return note


def person_note_add(
    *, actor: Actor, community: Community, person: Person, text: str
) -> CoordinatorNote:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write the note first.", fields={"text": ["Write the note first."]})
    with transaction.atomic(durable=True):
        note = CoordinatorNote.objects.create(
            community=community, person=person, text=text, author=actor
        )
        audit_record(
            actor=actor,
            action="person.note",
            subject=note,
            community_id=community.pk,
            person_id=person.pk,
        )
    return note
