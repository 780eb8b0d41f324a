"""Blocking: a member stops messages both ways between themselves and another member."""

from __future__ import annotations

from django.db import transaction

from coproduce.communities import access as community_access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import NotFound, ValidationFailed

from ..models import Block
from .conversations import _member


def member_block(*, actor: Actor, community, person) -> Block:
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
            audit_record(
                actor=actor,
                action="member.block",
                subject=block,
                community_id=community.pk,
                person_id=person.pk,
            )
    return block


def member_unblock(*, actor: Actor, community, person) -> None:
    """Lift the actor's block of a member (nothing happens when there is none)."""
    _member(actor, community)
    with transaction.atomic(durable=True):
        block = Block.objects.filter(blocker=actor, blocked=person).first()
        if block is not None:
            audit_record(
                actor=actor,
                action="member.unblock",
                subject=block,
                community_id=community.pk,
                person_id=person.pk,
            )
            block.delete()
