"""Messages passed between members without showing either's contact details: by
email, or through a coordinator."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, ValidationFailed

from ..models import Community, ContactRelay, Membership
from .common import _send_after_commit


def contact_relay_send(
    *, actor: Actor, community: Community, recipient: Membership, message: str
) -> ContactRelay:
    """Pass a message to another member without showing either's details. Raises
    ValidationFailed, NotFound (not in the community)."""
    message = (message or "").strip()
    if not message:
        raise ValidationFailed(
            "Write a message first.", fields={"message": ["Write a message first."]}
        )
    if len(message) > 2000:
        raise ValidationFailed(
            "Keep the message under 2,000 characters.", fields={"message": ["Too long."]}
        )
    sender_membership = access.membership_of(actor, community)
    if (
        sender_membership is None
        or recipient.community_id != community.pk
        or not recipient.is_active
    ):
        raise NotFound("No such member.")
    if recipient.person_id == actor.pk:
        raise ValidationFailed("You cannot send a message to yourself.")
    refusal = access.suspension_refusal(actor, community)
    if refusal is not None and not access.is_coordinator(recipient.person, community):
        raise refusal  # a suspended member writes to coordinators only
    person = recipient.person
    by_email = bool(person.email) and not person.is_offline and person.pseudonymised_at is None
    with transaction.atomic(durable=True):
        relay = ContactRelay.objects.create(
            community=community,
            sender=actor,
            recipient=person,
            message=message,
            via="email" if by_email else "coordinator",
        )
        audit_record(
            actor=actor,
            action="contact.relay",
            subject=relay,
            community_id=community.pk,
            person_id=person.pk,
        )
    if by_email:
        _send_after_commit(
            f"A message from {actor.display_name} ({community.name})",
            f"{actor.display_name} ({sender_membership.member_code}) sent you this message "
            f"through {community.name}:\n\n{message}\n\nYour contact details have not been "
            "shared. To reply, use the member directory at "
            f"{settings.SITE_URL}"
            f"{reverse('web:member_detail', args=[community.slug, sender_membership.number])}\n",
            [person.email or ""],
        )
    return relay


def contact_relay_passed_on(*, actor: Actor, relay: ContactRelay) -> ContactRelay:
    with transaction.atomic(durable=True):
        locked = ContactRelay.objects.select_for_update().get(pk=relay.pk)
        if locked.passed_on_at is not None:
            raise Conflict("This message has already been passed on.")
        locked.passed_on_at = timezone.now()
        locked.passed_on_by = actor
        locked.save(update_fields=["passed_on_at", "passed_on_by"])
        audit_record(
            actor=actor,
            action="contact.passed_on",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.recipient_id,
        )
    return locked
