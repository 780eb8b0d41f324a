"""A membership suspended and reinstated. Governance's sanctions decide when (a suspension, an
exclusion waiting for its appeal window); this only sets the status, in the caller's
transaction, under the membership's row lock, audited. The member keeps their roles in the
database; `access.memberships_with_roles` gives none while they are suspended."""

from __future__ import annotations

from django.db import transaction

from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict

from .. import access
from ..models import Membership, MembershipStatus


def _set(*, actor: Actor | None, membership: Membership, status: str, reason: str) -> Membership:
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status == MembershipStatus.ARCHIVED:
            raise Conflict("This member has left the community.", code="not_a_member")
        old = locked.status
        if old != status:
            locked.status = status
            locked.save(update_fields=["status"])
            audit_record(
                actor=actor,
                action="membership.suspend"
                if status == MembershipStatus.SUSPENDED
                else "membership.reinstate",
                subject=locked,
                community_id=locked.community_id,
                person_id=locked.person_id,
                changes={"status": [old, status]},
                note=reason,
            )
        membership.status = locked.status
        if Membership._meta.get_field("person").is_cached(membership):
            access.forget_roles(membership.person)
    return locked


def membership_suspend(*, actor: Actor | None, membership: Membership, reason: str) -> Membership:
    """Set the membership to suspended (nothing changes if it is). Raises Conflict (left)."""
    return _set(
        actor=actor, membership=membership, status=MembershipStatus.SUSPENDED, reason=reason
    )


def membership_reinstate(*, actor: Actor | None, membership: Membership, reason: str) -> Membership:
    """Set a suspended membership active again (nothing changes if it is). Raises Conflict
    (left)."""
    return _set(actor=actor, membership=membership, status=MembershipStatus.ACTIVE, reason=reason)
