"""Memberships and roles: a person added to a community with the next member number, and
a role granted or taken away."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, ValidationFailed

from ..models import Community, Membership, MembershipRole, MembershipStatus, Person, Role


def _next_member_number(community: Community) -> int:
    Community.objects.filter(pk=community.pk).update(last_member_number=F("last_member_number") + 1)
    return Community.objects.values_list("last_member_number", flat=True).get(pk=community.pk)


def _membership_create(
    *, actor: Actor | None, community: Community, person: Person, roles: list[str]
) -> Membership:
    membership = Membership.objects.create(
        community=community, person=person, number=_next_member_number(community)
    )
    for role in sorted(set(roles) | {Role.MEMBER}):
        MembershipRole.objects.create(membership=membership, role=role, granted_by=actor)
    audit_record(
        actor=actor,
        action="membership.create",
        subject=membership,
        community_id=community.pk,
        person_id=person.pk,
        changes={
            "number": [None, membership.member_code],
            "roles": [None, sorted(set(roles) | {Role.MEMBER})],
        },
    )
    access.forget_roles(person)
    return membership


def membership_add(
    *, actor: Actor | None, community: Community, person: Person, roles: list[str] | None = None
) -> Membership:
    """Add an existing person straight to a community (operators, seeding, tests).
    Raises Conflict if they already belong."""
    roles = roles or []
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed(
            "Unknown role.", fields={"roles": [f"Unknown role: {', '.join(unknown)}"]}
        )
    with transaction.atomic(durable=True):
        if Membership.objects.filter(community=community, person=person).exists():
            raise Conflict("This person already belongs to the community.")
        return _membership_create(actor=actor, community=community, person=person, roles=roles)


def role_set(*, actor: Actor, membership: Membership, role: str, granted: bool) -> None:
    """Grant or take away a role. Raises ValidationFailed for an unknown role, Conflict when a
    community would be left with no coordinator."""
    if role not in Role.values or role == Role.MEMBER:
        raise ValidationFailed("Choose a role to change.", fields={"role": ["Unknown role."]})
    with transaction.atomic(durable=True):
        existing = MembershipRole.objects.filter(membership=membership, role=role)
        if granted and not existing.exists():
            MembershipRole.objects.create(membership=membership, role=role, granted_by=actor)
        elif not granted and existing.exists():
            if (
                role == Role.COORDINATOR
                and MembershipRole.objects.filter(
                    membership__community=membership.community,
                    role=Role.COORDINATOR,
                    membership__status=MembershipStatus.ACTIVE,
                ).count()
                <= 1
            ):
                raise Conflict("A community needs at least one coordinator.")
            existing.delete()
        else:
            return
        audit_record(
            actor=actor,
            action="membership.role_" + ("grant" if granted else "revoke"),
            subject=membership,
            community_id=membership.community_id,
            person_id=membership.person_id,
            changes={"role": [None if granted else role, role if granted else None]},
        )
    access.forget_roles(membership.person)
