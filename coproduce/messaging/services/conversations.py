"""Conversations between two members: starting one, replying, a coordinator writing for a member
they act for. Contact details are never passed on: a new message is relayed as a notification
(emailed by the person's choice) with a link back to the site, never with the sender's email or
phone. A message to a member who is offline (or has no email) waits for a coordinator to pass it
on (services/pass_on.py). The checks of what is written (`_clean`) and of who is a member are
shared with the other messaging services."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.notifications.services import notifications

from ..models import MAX_BODY, Block, Conversation, Message, PassOn

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


def _refuse_if_blocked(actor: Actor, other) -> None:
    blocks = set(
        Block.objects.filter(
            blocker_id__in=[actor.pk, other.pk], blocked_id__in=[actor.pk, other.pk]
        ).values_list("blocker_id", flat=True)
    )
    if actor.pk in blocks:
        raise PermissionDenied(
            "You have blocked this member. Unblock them first to send a message.", code="blocked"
        )
    if other.pk in blocks:
        raise PermissionDenied("This member is not taking messages from you.", code="blocked")


def _member(actor: Actor, community) -> None:
    if community_access.membership_of(actor, community) is None:
        raise NotFound("No such community, or you are not a member of it.")


def _refuse_if_suspended(actor: Actor, sender, recipient, community) -> None:
    """A suspended member writes to the community's coordinators only (to talk the sanction
    through); anything else is the one suspension refusal (`suspended`)."""
    refusal = community_access.suspension_refusal(sender, community, viewer=actor)
    if refusal is not None and not community_access.is_coordinator(recipient, community):
        raise refusal


def needs_pass_on(person) -> bool:
    """Whether a coordinator has to carry messages to this person: they do not use the website,
    or have no email address to be told of a message."""
    return bool(person.is_offline or not person.email)


def _pass_on(*readers) -> str:
    return PassOn.WAITING if any(needs_pass_on(p) for p in readers) else PassOn.NOT_NEEDED


def _sender(actor: Actor, community, on_behalf_of):
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
        person=recipient,
        kind="message",
        community=community,
        title=f"New message from {sender.display_name} ({community.name})",
        body=(
            f"{sender.display_name} sent you a message in {community.name}. Read and reply on the "
            "website.\n\nReplies go through the website, so neither of you sees the other's email "
            "address or phone number unless you choose to share them."
        ),
        url=reverse("web:conversation_detail", args=[community.slug, conversation.pk]),
    )


def conversation_start(
    *, actor: Actor, community, recipient, body: str, listing=None, exchange=None, on_behalf_of=None
) -> Conversation:
    """Write to another active member of the community, optionally about a listing or an
    exchange. A coordinator acting for a member writes as that member (`on_behalf_of`); the
    message then records the coordinator in `written_by`. Raises NotFound (not both members; a
    listing or exchange of another community), PermissionDenied (writing for someone without
    coordinating; `blocked` when either has blocked the other; `suspended`: a suspended member
    writes to coordinators only), ValidationFailed (oneself; an
    empty, too long or garbled body). Nothing is stored when refused."""
    sender = _sender(actor, community, on_behalf_of)
    if community_access.membership_of(recipient, community) is None:
        raise NotFound("No such member.", code="not_a_member")
    if recipient.pk == sender.pk:
        note = (
            "You cannot send a message to yourself."
            if sender.pk == actor.pk
            else (f"{sender.display_name} cannot be sent a message from themselves.")
        )
        raise ValidationFailed(note, code="self", fields={"recipient": [note]})
    _refuse_if_suspended(actor, sender, recipient, community)
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
            community=community,
            starter=sender,
            recipient=recipient,
            listing=listing,
            exchange=exchange,
            created_at=now,
            last_message_at=now,
        )
        message = Message.objects.create(
            conversation=conversation,
            sender=sender,
            written_by=written_by,
            body=text,
            created_at=now,
            pass_on=_pass_on(recipient),
        )
        audit_record(
            actor=actor,
            on_behalf_of=written_by and sender,
            action="conversation.start",
            subject=conversation,
            community_id=community.pk,
            person_id=recipient.pk,
            changes={"message": [None, message.pk]},
        )
        _notify(conversation=conversation, sender=sender, recipient=recipient)
    return conversation


def message_send(
    *, actor: Actor, conversation: Conversation, body: str, on_behalf_of=None
) -> Message:
    """Reply in a conversation one is part of (or, for a coordinator acting for a member, that
    member is part of). Raises NotFound (not one's conversation, or no longer a member),
    PermissionDenied (`blocked`; writing for someone without coordinating; `suspended`: a
    suspended member writes to coordinators only), Conflict
    `recipient_left`, ValidationFailed."""
    community = conversation.community
    sender = _sender(actor, community, on_behalf_of)
    if not conversation.has(sender.pk):
        raise NotFound("No such conversation.")
    other = conversation.other_than(sender.pk)
    _refuse_if_blocked(sender, other)
    if community_access.membership_of(other, community) is None:
        raise Conflict(
            f"{other.display_name} is no longer a member here, so cannot be sent messages.",
            code="recipient_left",
        )
    _refuse_if_suspended(actor, sender, other, community)
    text = _clean("body", body, maximum=MAX_BODY, what="a message")
    now = timezone.now()
    written_by = actor if sender.pk != actor.pk else None
    with transaction.atomic(durable=True):
        Conversation.objects.select_for_update().filter(pk=conversation.pk).update(
            last_message_at=now
        )
        message = Message.objects.create(
            conversation=conversation,
            sender=sender,
            written_by=written_by,
            body=text,
            created_at=now,
            pass_on=_pass_on(other),
        )
        audit_record(
            actor=actor,
            on_behalf_of=written_by and sender,
            action="message.send",
            subject=message,
            community_id=community.pk,
            person_id=other.pk,
        )
        _notify(conversation=conversation, sender=sender, recipient=other)
    conversation.last_message_at = now
    return message
