"""Reports: a member reports a message to the community's coordinators, who may then read that
conversation and mark the report dealt with."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound

from ..models import MAX_REASON, Message, Report
from .conversations import _clean, _member


def message_report(*, actor: Actor, message: Message, reason: str) -> Report:
    """Report a message in one's own conversation to the community's coordinators, who can then
    read that conversation. Raises NotFound, ValidationFailed."""
    conversation = message.conversation
    if not conversation.has(actor.pk):
        raise NotFound("No such message.")
    _member(actor, conversation.community)
    text = _clean("reason", reason, maximum=MAX_REASON, what="why you are reporting it")
    with transaction.atomic(durable=True):
        report = Report.objects.create(
            conversation=conversation, message=message, reporter=actor, reason=text
        )
        audit_record(
            actor=actor,
            action="message.report",
            subject=report,
            community_id=conversation.community_id,
            person_id=message.sender_id,
        )
    return report


def report_handle(*, actor: Actor, report: Report, note: str = "") -> Report:
    """A coordinator marks a report dealt with. Raises PermissionDenied (not a coordinator),
    Conflict `already_handled`, ValidationFailed (a garbled note)."""
    community = report.conversation.community
    community_access.access_coordinate(actor, community)
    note = _clean("note", note, maximum=MAX_REASON, what="a note") if note and note.strip() else ""
    with transaction.atomic(durable=True):
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.handled_at is not None:
            raise Conflict("This report has already been dealt with.", code="already_handled")
        locked.handled_by = actor
        locked.handled_at = timezone.now()
        locked.handled_note = note
        locked.save(update_fields=["handled_by", "handled_at", "handled_note"])
        audit_record(
            actor=actor,
            action="report.handle",
            subject=locked,
            community_id=community.pk,
            changes={"handled_at": [None, locked.handled_at]},
            note=note,
        )
    return locked
