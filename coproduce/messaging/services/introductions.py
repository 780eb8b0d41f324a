"""Introductions: a coordinator puts two members in touch, with one message to both."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import NotFound, PermissionDenied, ValidationFailed
from coproduce.notifications.services import notifications

from ..models import MAX_BODY, Block, Conversation, Introduction, Message
from .conversations import _clean, _pass_on


def introduction_make(
    *, actor: Actor, community, first, second, note: str, listing=None
) -> Introduction:
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
        raise ValidationFailed(
            "Choose two active members to introduce.", code="not_a_member", fields=errors
        )
    if first.pk == second.pk:
        note_ = "Choose two different members: nobody can be introduced to themselves."
        raise ValidationFailed(note_, code="self", fields={"second": [note_]})
    if actor.pk in (first.pk, second.pk):
        note_ = "You cannot introduce yourself: send them a message instead."
        raise ValidationFailed(
            note_, code="self", fields={"second" if actor.pk == second.pk else "first": [note_]}
        )
    if listing is not None:
        if listing.community_id != community.pk:
            raise NotFound("No such listing.")
        if listing.owner_id not in (first.pk, second.pk):
            note_ = "One of the two must be the member who posted this offer or request."
            raise ValidationFailed(note_, code="listing_owner", fields={"listing": [note_]})
    if Block.objects.filter(
        blocker_id__in=[first.pk, second.pk], blocked_id__in=[first.pk, second.pk]
    ).exists():
        # Which of them blocked the other is theirs to know, not the coordinator's.
        raise PermissionDenied(
            "These two members cannot be introduced: they are not taking messages from each other.",
            code="blocked",
        )
    text = _clean("note", note, maximum=MAX_BODY, what="a few words to both of them")
    now = timezone.now()
    with transaction.atomic(durable=True):
        pair = Q(starter=first, recipient=second) | Q(starter=second, recipient=first)
        conversation = (
            Conversation.objects.select_for_update()
            .filter(pair, community=community, listing=listing)
            .order_by("-last_message_at", "-id")
            .first()
        )
        if conversation is None:
            conversation = Conversation.objects.create(
                community=community,
                starter=first,
                recipient=second,
                listing=listing,
                created_at=now,
                last_message_at=now,
            )
        else:
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
            conversation.last_message_at = now
        # The coordinator is the sender: the conversation stays the two members', and a message
        # whose sender is neither of them is shown as an introduction.
        message = Message.objects.create(
            conversation=conversation,
            sender=actor,
            written_by=actor,
            body=text,
            created_at=now,
            pass_on=_pass_on(first, second),
        )
        introduction = Introduction.objects.create(
            community=community,
            made_by=actor,
            first=first,
            second=second,
            listing=listing,
            conversation=conversation,
            note=text,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="introduction.make",
            subject=introduction,
            community_id=community.pk,
            person_id=first.pk,
            changes={
                "second": [None, second.pk],
                "message": [None, message.pk],
                "listing": [None, getattr(listing, "pk", None)],
            },
        )
        for person, other in ((first, second), (second, first)):
            _notify_introduction(
                conversation=conversation,
                community=community,
                coordinator=actor,
                person=person,
                other=other,
            )
    return introduction


def _notify_introduction(
    *, conversation: Conversation, community, coordinator, person, other
) -> None:
    """Tells one of the two members about an introduction: names and a link, never the note or
    anyone's contact details. Members who are offline hear it from a coordinator instead."""
    if person.pseudonymised_at is not None:
        return
    notifications.notify(
        person=person,
        kind="introduction",
        community=community,
        title=f"{coordinator.display_name} introduced you to {other.display_name} "
        f"({community.name})",
        body=(
            f"{coordinator.display_name}, a coordinator of {community.name}, thinks you and "
            f"{other.display_name} could help each other, and has written to you both. Read it and "
            "reply on the website.\n\nReplies go through the website, so neither of you sees the "
            "other's email address or phone number unless you choose to share them."
        ),
        url=reverse("web:conversation_detail", args=[community.slug, conversation.pk]),
    )
