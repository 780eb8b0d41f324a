"""Sending messages, blocking and reporting; coordinators introducing two members, writing for a
member they act for, and passing messages on to members who are offline. Contact details are
never passed on: a new message is relayed by email as a notice with a link back to the site,
never with the sender's email or phone. A message to a member who is offline (or has no email)
waits for a coordinator to pass it on (`pass_on`, see selectors.messages_to_pass_on)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core import limits
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.notifications import services as notifications

from .models import MAX_BODY, MAX_REASON, Block, Conversation, Introduction, Message, PassOn, Report

MAX_HOW = limits.LINE

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


def needs_pass_on(person) -> bool:
    """Whether a coordinator has to carry messages to this person: they do not use the website,
    or have no email address to be told of a message."""
    return bool(person.is_offline or not person.email)


def _pass_on(*readers) -> str:
    return PassOn.WAITING if any(needs_pass_on(p) for p in readers) else PassOn.NOT_NEEDED


def _sender(actor, community, on_behalf_of):
    """Who a message is from: the actor, or the member a coordinator is writing for."""
    if on_behalf_of is None or on_behalf_of.pk == actor.pk:
        _member(actor, community)
        return actor
    community_access.access_coordinate(actor, community)
    if community_access.membership_of(on_behalf_of, community) is None:
        raise NotFound("No such member.", code="not_a_member")
    return on_behalf_of


def _notify(*, conversation: Conversation, sender, recipient) -> None:
    """A notice in the recipient's notification centre, and by email after commit if they want
    each one: the sender's name and a link back, never the message or anyone's contact details."""
    if recipient.pseudonymised_at is not None:
        return
    community = conversation.community
    notifications.notify(
        person=recipient, kind="message", community=community,
        title=f"New message from {sender.display_name} ({community.name})",
        body=(
            f"{sender.display_name} sent you a message in {community.name}. Read and reply on the website.\n\n"
            "Replies go through the website, so neither of you sees the other's email address or phone number "
            "unless you choose to share them."
        ),
        url=reverse("web:conversation_detail", args=[community.slug, conversation.pk]),
    )


def conversation_start(*, actor, community, recipient, body: str, listing=None, exchange=None,
                       on_behalf_of=None) -> Conversation:
    """Write to another active member of the community, optionally about a listing or an
    exchange. A coordinator acting for a member writes as that member (`on_behalf_of`); the
    message then records the coordinator in `written_by`. Raises NotFound (not both members; a
    listing or exchange of another community), PermissionDenied (writing for someone without
    coordinating; `blocked` when either has blocked the other), ValidationFailed (oneself; an
    empty, too long or garbled body). Nothing is stored when refused."""
    sender = _sender(actor, community, on_behalf_of)
    if community_access.membership_of(recipient, community) is None:
        raise NotFound("No such member.", code="not_a_member")
    if recipient.pk == sender.pk:
        note = "You cannot send a message to yourself." if sender.pk == actor.pk else (
            f"{sender.display_name} cannot be sent a message from themselves.")
        raise ValidationFailed(note, code="self", fields={"recipient": [note]})
    if listing is not None and listing.community_id != community.pk:
        raise NotFound("No such listing.")
    if exchange is not None and exchange.community_id != community.pk:
        raise NotFound("No such exchange.")
    _refuse_if_blocked(sender, recipient)
    text = _clean("body", body, maximum=MAX_BODY, what="a message")
    now = timezone.now()
    written_by = actor if sender.pk != actor.pk else None
    with transaction.atomic(durable=True):
        conversation = Conversation.objects.create(
            community=community, starter=sender, recipient=recipient, listing=listing, exchange=exchange,
            created_at=now, last_message_at=now,
        )
        message = Message.objects.create(conversation=conversation, sender=sender, written_by=written_by, body=text,
                                         created_at=now, pass_on=_pass_on(recipient))
        audit_record(actor=actor, on_behalf_of=written_by and sender, action="conversation.start",
                     subject=conversation, community_id=community.pk, person_id=recipient.pk,
                     changes={"message": [None, message.pk]})
        _notify(conversation=conversation, sender=sender, recipient=recipient)
    return conversation


def message_send(*, actor, conversation: Conversation, body: str, on_behalf_of=None) -> Message:
    """Reply in a conversation one is part of (or, for a coordinator acting for a member, that
    member is part of). Raises NotFound (not one's conversation, or no longer a member),
    PermissionDenied (`blocked`; writing for someone without coordinating), Conflict
    `recipient_left`, ValidationFailed."""
    community = conversation.community
    sender = _sender(actor, community, on_behalf_of)
    if not conversation.has(sender.pk):
        raise NotFound("No such conversation.")
    other = conversation.other_than(sender.pk)
    _refuse_if_blocked(sender, other)
    if community_access.membership_of(other, community) is None:
        raise Conflict(f"{other.display_name} is no longer a member here, so cannot be sent messages.",
                       code="recipient_left")
    text = _clean("body", body, maximum=MAX_BODY, what="a message")
    now = timezone.now()
    written_by = actor if sender.pk != actor.pk else None
    with transaction.atomic(durable=True):
        Conversation.objects.select_for_update().filter(pk=conversation.pk).update(last_message_at=now)
        message = Message.objects.create(conversation=conversation, sender=sender, written_by=written_by, body=text,
                                         created_at=now, pass_on=_pass_on(other))
        audit_record(actor=actor, on_behalf_of=written_by and sender, action="message.send", subject=message,
                     community_id=community.pk, person_id=other.pk)
        _notify(conversation=conversation, sender=sender, recipient=other)
    conversation.last_message_at = now
    return message


def introduction_make(*, actor, community, first, second, note: str, listing=None) -> Introduction:
    """A coordinator puts two active members in touch: one message from the coordinator to both,
    in a conversation between the two (their existing one about the same listing, or a new one),
    and an Introduction row that is counted. Raises PermissionDenied (not a coordinator;
    `blocked` when either has blocked the other, without saying who), NotFound (a listing of
    another community), ValidationFailed (not an active member; the same person twice; the
    coordinator themselves; a listing neither of them posted; an empty or garbled note).
    Nothing is stored when refused."""
    community_access.access_coordinate(actor, community)
    errors: dict[str, list[str]] = {}
    for name, person in (("first", first), ("second", second)):
        if person is None or community_access.membership_of(person, community) is None:
            errors[name] = ["Choose an active member of this community."]
    if errors:
        raise ValidationFailed("Choose two active members to introduce.", code="not_a_member", fields=errors)
    if first.pk == second.pk:
        note_ = "Choose two different members: nobody can be introduced to themselves."
        raise ValidationFailed(note_, code="self", fields={"second": [note_]})
    if actor.pk in (first.pk, second.pk):
        note_ = "You cannot introduce yourself: send them a message instead."
        raise ValidationFailed(note_, code="self", fields={"second" if actor.pk == second.pk else "first": [note_]})
    if listing is not None:
        if listing.community_id != community.pk:
            raise NotFound("No such listing.")
        if listing.owner_id not in (first.pk, second.pk):
            note_ = "One of the two must be the member who posted this offer or request."
            raise ValidationFailed(note_, code="listing_owner", fields={"listing": [note_]})
    if Block.objects.filter(blocker_id__in=[first.pk, second.pk], blocked_id__in=[first.pk, second.pk]).exists():
        # Which of them blocked the other is theirs to know, not the coordinator's.
        raise PermissionDenied("These two members cannot be introduced: they are not taking messages from each "
                               "other.", code="blocked")
    text = _clean("note", note, maximum=MAX_BODY, what="a few words to both of them")
    now = timezone.now()
    with transaction.atomic(durable=True):
        pair = Q(starter=first, recipient=second) | Q(starter=second, recipient=first)
        conversation = (
            Conversation.objects.select_for_update().filter(pair, community=community, listing=listing)
            .order_by("-last_message_at", "-id").first()
        )
        if conversation is None:
            conversation = Conversation.objects.create(
                community=community, starter=first, recipient=second, listing=listing, created_at=now,
                last_message_at=now,
            )
        else:
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
            conversation.last_message_at = now
        # The coordinator is the sender: the conversation stays the two members', and a message
        # whose sender is neither of them is shown as an introduction.
        message = Message.objects.create(conversation=conversation, sender=actor, written_by=actor, body=text,
                                         created_at=now, pass_on=_pass_on(first, second))
        introduction = Introduction.objects.create(
            community=community, made_by=actor, first=first, second=second, listing=listing,
            conversation=conversation, note=text, created_at=now,
        )
        audit_record(actor=actor, action="introduction.make", subject=introduction, community_id=community.pk,
                     person_id=first.pk, changes={"second": [None, second.pk], "message": [None, message.pk],
                                                  "listing": [None, getattr(listing, "pk", None)]})
        for person, other in ((first, second), (second, first)):
            _notify_introduction(conversation=conversation, community=community, coordinator=actor,
                                 person=person, other=other)
    return introduction


def _notify_introduction(*, conversation: Conversation, community, coordinator, person, other) -> None:
    """Tells one of the two members about an introduction: names and a link, never the note or
    anyone's contact details. Members who are offline hear it from a coordinator instead."""
    if person.pseudonymised_at is not None:
        return
    notifications.notify(
        person=person, kind="introduction", community=community,
        title=f"{coordinator.display_name} introduced you to {other.display_name} ({community.name})",
        body=(
            f"{coordinator.display_name}, a coordinator of {community.name}, thinks you and {other.display_name} "
            "could help each other, and has written to you both. Read it and reply on the website.\n\n"
            "Replies go through the website, so neither of you sees the other's email address or phone number "
            "unless you choose to share them."
        ),
        url=reverse("web:conversation_detail", args=[community.slug, conversation.pk]),
    )


def message_passed_on(*, actor, message: Message, how: str) -> Message:
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
        audit_record(actor=actor, action="message.pass_on", subject=locked, community_id=community.pk,
                     changes={"pass_on": [PassOn.WAITING.value, PassOn.DONE.value]}, note=text)
    return locked


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
