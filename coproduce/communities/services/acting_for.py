"""A coordinator acting for an offline member: its start and end are audited."""

from __future__ import annotations

from django.db import transaction

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, ValidationFailed

from ..models import Membership


def acting_for_start(*, actor: Actor, membership: Membership) -> None:
    """Record that a coordinator has started acting for an offline member. Raises
    PermissionDenied/NotFound through the access helpers."""
    access.access_coordinate(actor, membership.community)
    if membership.person_id == actor.pk:
        raise ValidationFailed("You cannot act on behalf of yourself.")
    if not membership.is_active:
        raise Conflict("This member has left the community.")
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            on_behalf_of=membership.person,
            action="acting_for.start",
            subject=membership,
            community_id=membership.community_id,
            person_id=membership.person_id,
        )


def acting_for_stop(*, actor: Actor, membership: Membership) -> None:
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            on_behalf_of=membership.person,
            action="acting_for.stop",
            subject=membership,
            community_id=membership.community_id,
            person_id=membership.person_id,
        )
