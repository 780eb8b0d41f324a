"""A member leaving: the membership archived, the hours account closed and, when they
belong nowhere any more, their personal data pseudonymised."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, ValidationFailed

from ..models import (
    AccessToken,
    Application,
    Consent,
    CoordinatorNote,
    Membership,
    MembershipRole,
    MembershipStatus,
    Person,
    Role,
    SensitiveDatum,
    SignInToken,
)
from .common import _behalf

# What other apps do when a member leaves: each hook is called inside member_offboard's
# transaction, before the membership is archived, with `actor`, `community`, `person` and
# `reason`, and may raise to stop the leaving (nothing is then changed). The ledger adds the
# closing of the member's hours account (ledger/apps.py), so communities never imports the ledger.
LeavingHook = Callable[..., object]
_leaving_hooks: list[LeavingHook] = []


def leaving_hook_add(hook: LeavingHook) -> None:
    """Have `hook` called whenever a member leaves (once, however often it is added)."""
    if hook not in _leaving_hooks:
        _leaving_hooks.append(hook)


def member_offboard(
    *, actor: Actor, membership: Membership, reason: str, pseudonymise: bool = True
) -> Membership:
    """Archive a membership. When the person then belongs nowhere, their personal data is
    pseudonymised: the same record stays behind the ledger and audit history, unnamed.
    Their hours account is closed with a closing transfer (the ledger's leaving hook, see
    ledger.services.accounts.member_account_close).
    Raises ValidationFailed (no reason), Conflict (already left, the last coordinator,
    reservations still held)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Give a reason."]})
    with transaction.atomic(durable=True):
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status == MembershipStatus.ARCHIVED:
            raise Conflict("This member has already left.")
        if MembershipRole.objects.filter(membership=locked, role=Role.COORDINATOR).exists() and (
            MembershipRole.objects.filter(
                membership__community_id=locked.community_id,
                role=Role.COORDINATOR,
                membership__status=MembershipStatus.ACTIVE,
            ).count()
            <= 1
        ):
            raise Conflict("A community needs at least one coordinator; appoint another first.")
        # The hours account is closed, never deleted: time left over goes to the community fund.
        for hook in _leaving_hooks:
            hook(
                actor=actor,
                community=locked.community,
                person=locked.person,
                reason=f"Left the community: {reason}",
            )
        old = locked.status
        locked.status = MembershipStatus.ARCHIVED
        locked.archived_at = timezone.now()
        locked.save(update_fields=["status", "archived_at"])
        audit_record(
            actor=actor,
            on_behalf_of=_behalf(actor, locked.person),
            action="membership.archive",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.person_id,
            changes={"status": [old, locked.status]},
            note=reason,
        )
        still_member = (
            Membership.objects.filter(person_id=locked.person_id)
            .exclude(status=MembershipStatus.ARCHIVED)
            .exists()
        )
        if pseudonymise and not still_member:
            _pseudonymise(actor=actor, person=locked.person, reason=reason)
    access.forget_roles(membership.person)
    membership.refresh_from_db()
    return membership


def _pseudonymise(*, actor: Actor, person: Person, reason: str) -> None:
    person.full_name = f"Former member {person.pk}"
    person.known_as = ""
    person.email = None
    person.username = None
    person.phone = ""
    person.address = ""
    person.neighbourhood = ""
    person.date_of_birth = None
    if person.photo:
        person.photo.delete(save=False)
    person.photo = ""
    person.availability = []
    person.languages = ""
    person.accessibility_needs = ""
    person.contact_preferences = []
    person.is_active = False
    person.set_unusable_password()
    person.pseudonymised_at = timezone.now()
    person.save()
    person.gifts.all().delete()
    SensitiveDatum.objects.filter(person=person).delete()
    Consent.objects.filter(person=person, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    AccessToken.objects.filter(person=person, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    SignInToken.objects.filter(person=person, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    Application.objects.filter(person=person).update(
        full_name=person.full_name, email="", phone="", about=""
    )
    CoordinatorNote.objects.filter(person=person).update(text="(removed when the member left)")
    audit_record(
        actor=actor, action="person.pseudonymise", subject=person, person_id=person.pk, note=reason
    )
