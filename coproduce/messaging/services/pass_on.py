"""Passing messages on: a coordinator has carried a message to a member who is offline."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, ValidationFailed

from ..models import Message, PassOn
from .conversations import _clean

MAX_HOW = limits.LINE


def message_passed_on(*, actor: Actor, message: Message, how: str) -> Message:
    """A coordinator has carried a message to a member who is offline, and says how ("by phone").
    Raises PermissionDenied (not a coordinator), NotFound (not a message waiting to be passed on),
    ValidationFailed `how`, Conflict `already_passed_on`. Nothing is stored when refused."""
    community = message.conversation.community
    community_access.access_coordinate(actor, community)
    if message.pass_on == PassOn.NOT_NEEDED:
        raise NotFound("No such message to pass on.")
    text = _clean("how", how, maximum=MAX_HOW, what="how you passed it on")
    if "\n" in text or "\r" in text:
        note = "Keep it to one line, for example 'by phone'."
        raise ValidationFailed(note, fields={"how": [note]})
    with transaction.atomic(durable=True):
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.pass_on != PassOn.WAITING:
            raise Conflict("This message has already been passed on.", code="already_passed_on")
        locked.pass_on = PassOn.DONE
        locked.passed_on_by = actor
        locked.passed_on_at = timezone.now()
        locked.passed_on_how = text
        locked.save(update_fields=["pass_on", "passed_on_by", "passed_on_at", "passed_on_how"])
        audit_record(
            actor=actor,
            action="message.pass_on",
            subject=locked,
            community_id=community.pk,
            changes={"pass_on": [PassOn.WAITING.value, PassOn.DONE.value]},
            note=text,
        )
    return locked
