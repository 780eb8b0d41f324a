"""Sending messages, blocking and reporting. Contact details are never passed on: a new message
is relayed by email as a notice with a link back to the site, never with the sender's email or
phone. Offline members have theirs passed on by a coordinator (see selectors.messages_for_offline)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .models import MAX_BODY, MAX_REASON, Block, Conversation, Message, Report

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def _clean(name: str, value: Any, *, maximum: int, what: str) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(f"Write {what}.", fields={name: ["Enter text."]})
    value = value.strip()
    if not value:
        note = f"Write {what}."
    elif len(value) > maximum:
        note = f"At most {maximum} characters (this is {len(value)})."
    elif any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in value):
        note = "Remove the invisible control characters (paste it as plain text)."
    else:
        return value
    raise ValidationFailed(note, fields={name: [note]})


def _refuse_if_blocked(actor, other) -> None:
    blocks = set(
        Block.objects.filter(blocker_id__in=[actor.pk, other.pk], blocked_id__in=[actor.pk, other.pk])
        .values_list("blocker_id", flat=True)
    )
    if actor.pk in blocks:
        raise PermissionDenied("You have blocked this member. Unblock them first to send a message.", code="blocked")
    if other.pk in blocks:
        raise PermissionDenied("This member is not taking messages from you.", code="blocked")


def _member(actor, community) -> None:
    if community_access.membership_of(actor, community) is None:
        raise NotFound("No such community, or you are not a member of it.")


def _notify(*, conversation: Conversation, sender, recipient) -> None:
    """A notice, after commit, to the recipient's email if they use one and the website."""
    if not recipient.email or recipient.is_offline or recipient.pseudonymised_at is not None:
        return
    link = settings.SITE_URL + reverse("web:conversation_detail", args=[conversation.community.slug, conversation.pk])
    subject = f"New message from {sender.display_name} ({conversation.community.name})"
    body = (
        f"{sender.display_name} sent you a message in {conversation.community.name}.\n\n"
        f"Read and reply at {link}\n\n"
        "Replies go through the website, so neither of you sees the other's email address or phone number "
        "unless you choose to share them.\n"
    )
    address = recipient.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [address], fail_silently=True))


def conversation_start(*, actor, community, recipient, body: str, listing=None, exchange=None) -> Conversation:
    """Write to another active member of the community, optionally about a listing or an
    exchange. Raises NotFound (not both members; a listing or exchange of another community),
    ValidationFailed (oneself; an empty, too long or garbled body), PermissionDenied `blocked`
    (either has blocked the other). Nothing is stored when refused."""
    _member(actor, community)
    if community_access.membership_of(recipient, community) is None:
        raise NotFound("No such member.", code="not_a_member")
    if recipient.pk == actor.pk:
        note = "You cannot send a message to yourself."
        raise ValidationFailed(note, code="self", fields={"recipient": [note]})
    if listing is not None and listing.community_id != community.pk:
        raise NotFound("No such listing.")
    if exchange is not None and exchange.community_id != community.pk:
        raise NotFound("No such exchange.")
    _refuse_if_blocked(actor, recipient)
    text = _clean("body", body, maximum=MAX_BODY, what="a message")
    now = timezone.now()
    with transaction.atomic(durable=True):
        conversation = Conversation.objects.create(
            community=community, starter=actor, recipient=recipient, listing=listing, exchange=exchange,
            created_at=now, last_message_at=now,
        )
        message = Message.objects.create(conversation=conversation, sender=actor, body=text, created_at=now)
        audit_record(actor=actor, action="conversation.start", subject=conversation, community_id=community.pk,
                     person_id=recipient.pk, changes={"message": [None, message.pk]})
        _notify(conversation=conversation, sender=actor, recipient=recipient)
    return conversation


def message_send(*, actor, conversation: Conversation, body: str) -> Message:
    """Reply in a conversation one is part of. Raises NotFound (not one's conversation, or no
    longer a member), PermissionDenied `blocked`, Conflict `recipient_left`, ValidationFailed."""
    if not conversation.has(actor.pk):
        raise NotFound("No such conversation.")
    community = conversation.community
    _member(actor, community)
    other = conversation.other_than(actor.pk)
    _refuse_if_blocked(actor, other)
    if community_access.membership_of(other, community) is None:
        raise Conflict(f"{other.display_name} is no longer a member here, so cannot be sent messages.",
                       code="recipient_left")
    text = _clean("body", body, maximum=MAX_BODY, what="a message")
    now = timezone.now()
    with transaction.atomic(durable=True):
        Conversation.objects.select_for_update().filter(pk=conversation.pk).update(last_message_at=now)
        message = Message.objects.create(conversation=conversation, sender=actor, body=text, created_at=now)
        audit_record(actor=actor, action="message.send", subject=message, community_id=community.pk,
                     person_id=other.pk)
        _notify(conversation=conversation, sender=actor, recipient=other)
    conversation.last_message_at = now
    return message


def member_block(*, actor, community, person) -> Block:
    """Stop messages both ways between the actor and another member of the community. Blocking
    again changes nothing."""
    _member(actor, community)
    if community_access.membership_of(person, community) is None:
        raise NotFound("No such member.", code="not_a_member")
    if person.pk == actor.pk:
        note = "You cannot block yourself."
        raise ValidationFailed(note, code="self", fields={"member": [note]})
    with transaction.atomic(durable=True):
        block, created = Block.objects.get_or_create(blocker=actor, blocked=person)
        if created:
            audit_record(actor=actor, action="member.block", subject=block, community_id=community.pk,
                         person_id=person.pk)
    return block


def member_unblock(*, actor, community, person) -> None:
    """Lift the actor's block of a member (nothing happens when there is none)."""
    _member(actor, community)
    with transaction.atomic(durable=True):
        block = Block.objects.filter(blocker=actor, blocked=person).first()
        if block is not None:
            audit_record(actor=actor, action="member.unblock", subject=block, community_id=community.pk,
                         person_id=person.pk)
            block.delete()


def message_report(*, actor, message: Message, reason: str) -> Report:
    """Report a message in one's own conversation to the community's coordinators, who can then
    read that conversation. Raises NotFound, ValidationFailed."""
    conversation = message.conversation
    if not conversation.has(actor.pk):
        raise NotFound("No such message.")
    _member(actor, conversation.community)
    text = _clean("reason", reason, maximum=MAX_REASON, what="why you are reporting it")
    with transaction.atomic(durable=True):
        report = Report.objects.create(conversation=conversation, message=message, reporter=actor, reason=text)
        audit_record(actor=actor, action="message.report", subject=report, community_id=conversation.community_id,
                     person_id=message.sender_id)
    return report


def report_handle(*, actor, report: Report, note: str = "") -> Report:
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
        audit_record(actor=actor, action="report.handle", subject=locked, community_id=community.pk,
                     changes={"handled_at": [None, locked.handled_at]}, note=note)
    return locked
