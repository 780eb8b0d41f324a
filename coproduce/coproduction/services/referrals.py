"""Referrals in from professionals: agency staff refer a person (with their consent) to the time
bank, a co-production role or a community group; the coordinators follow up; the referrer sees
the outcome and nothing more of the person than they agreed to share.

Every write: atomic, audited, refused with nothing stored; the reads are in
selectors/referrals.py.
Personal details (name, phone, email, what matters, the coordinators' notes) never go into
audit rows or notices: those keep statuses, dates and ids."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, ValidationFailed
from coproduce.notifications.services import notifications

from ..access import access_staff_work
from ..models import (
    Agency,
    CoproductionRole,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ReferralTarget,
    RoleStatus,
)

CONSENT_MESSAGE = "Ask the person first; a referral needs their consent."
SHARE_CHOICES = {"status": "Only how it is going", "name": "How it is going, with their name"}
# Contact details of a declined referral are kept this long, then blanked (referrals_minimise).
DECLINED_KEEP_DAYS = 90
# Where a referral may go next. Declined and first exchange are final; joining may skip
# "contacted" (someone may come along before a coordinator reaches them).
TRANSITIONS: dict[str, set[str]] = {
    ReferralStatus.REFERRED: {
        ReferralStatus.CONTACTED,
        ReferralStatus.JOINED,
        ReferralStatus.DECLINED,
    },
    ReferralStatus.CONTACTED: {ReferralStatus.JOINED, ReferralStatus.DECLINED},
    ReferralStatus.JOINED: {ReferralStatus.FIRST_EXCHANGE},
    ReferralStatus.FIRST_EXCHANGE: set(),
    ReferralStatus.DECLINED: set(),
}
_CONTROLS_OK = {"\n", "\r", "\t"}


def _controls(text: str, *, multiline: bool) -> bool:
    allowed = _CONTROLS_OK if multiline else set()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _text(
    errors: dict[str, list[str]],
    name: str,
    value: Any,
    *,
    maximum: int,
    required: str = "",
    multiline: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = ["Enter text."]
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = [required]
    elif len(value) > maximum:
        errors[name] = [f"At most {maximum} characters (this is {len(value)})."]
    elif _controls(value, multiline=multiline):
        errors[name] = ["Remove the control characters."]
    return value


def _coordinators(community) -> list:
    return list(
        get_user_model()
        .objects.filter(
            memberships__community=community,
            memberships__status="active",
            memberships__roles__role="coordinator",
        )
        .distinct()
    )


def referral_create(
    *,
    actor: Actor,
    agency: Agency,
    target: str,
    full_name: str,
    consent_given: Any,
    consent_note: str,
    role: CoproductionRole | None = None,
    group_name: str = "",
    phone: str = "",
    email: str = "",
    what_matters: str = "",
    share_with_referrer: str = "status",
) -> Referral:
    """Agency staff (or a coordinator) refer a person to the community, a published role of the
    same community, or a named group. The community's coordinators are told (without the
    person's details). Raises NotFound (outsiders), PermissionDenied (`not_agency_staff`),
    ValidationFailed (`consent_required` when consent is not given; otherwise naming the
    fields: no way to reach them, a role that is not published here, ...), Conflict
    (`agency_archived`). Nothing is stored when refused."""
    access_staff_work(actor, agency)
    community = agency.community
    if consent_given is not True:
        raise ValidationFailed(
            CONSENT_MESSAGE, code="consent_required", fields={"consent_given": [CONSENT_MESSAGE]}
        )
    errors: dict[str, list[str]] = {}
    if target not in ReferralTarget.values:
        errors["target"] = ["Choose the time bank, a role or a group."]
    full_name = _text(
        errors, "full_name", full_name, maximum=150, required="Give the person's name."
    )
    phone = _text(errors, "phone", phone, maximum=40)
    if phone and "phone" not in errors and not any(ch.isdigit() for ch in phone):
        errors["phone"] = ["Enter a phone number."]
    email = _text(errors, "email", email, maximum=254).lower()
    if email and "email" not in errors:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = ["Enter a valid email address."]
    if not phone and not email and "phone" not in errors and "email" not in errors:
        errors["phone"] = [
            "Give a phone number or an email address, so a coordinator can reach them."
        ]
    what_matters = _text(errors, "what_matters", what_matters, maximum=2000, multiline=True)
    consent_note = _text(
        errors,
        "consent_note",
        consent_note,
        maximum=300,
        required="Say how and when the person agreed, e.g. “in clinic on 3 May”.",
    )
    if share_with_referrer not in SHARE_CHOICES:
        errors["share_with_referrer"] = [
            "Choose what you may see: how it is going, or that with their name."
        ]
    group_name = _text(
        errors,
        "group_name",
        group_name,
        maximum=150,
        required="Name the group." if target == ReferralTarget.GROUP else "",
    )
    if target == ReferralTarget.ROLE:
        if role is None:
            errors["role"] = ["Choose the role."]
        elif role.community_id != community.pk or role.status != RoleStatus.PUBLISHED:
            errors["role"] = ["Choose a published role of this community."]
    if errors:
        raise ValidationFailed("Please correct the referral.", fields=errors)
    if agency.is_archived:
        raise Conflict("This agency is archived and cannot make referrals.", code="agency_archived")
    with transaction.atomic(durable=True):
        referral = Referral.objects.create(
            community=community,
            agency=agency,
            referrer=actor,
            target=target,
            role=role if target == ReferralTarget.ROLE else None,
            group_name=group_name if target == ReferralTarget.GROUP else "",
            full_name=full_name,
            phone=phone,
            email=email,
            what_matters=what_matters,
            consent_given=True,
            consent_note=consent_note,
            share_with_referrer=share_with_referrer,
        )
        ReferralEvent.objects.create(
            referral=referral, status=ReferralStatus.REFERRED, by=actor, at=referral.created_at
        )
        # Who was referred stays on the referral: the audit keeps where to and by whom.
        audit_record(
            actor=actor,
            action="referral.create",
            subject=referral,
            community_id=community.pk,
            changes={
                "status": [None, referral.status],
                "target": [None, target],
                "agency": [None, agency.pk],
                "role": [None, referral.role_id],
            },
        )
        url = f"/c/{community.slug}/coordinate/referrals/{referral.pk}/"
        for coordinator in _coordinators(community):
            notifications.notify(
                person=coordinator,
                kind="referral",
                title=f"A new referral from {agency.name}",
                url=url,
                community=community,
            )
    return referral


def _member_for(community, member_number: Any):
    """The active member a member number ("RIV-0042" or 42) names, or None."""
    if not isinstance(member_number, (int, str)) or isinstance(member_number, bool):
        return None
    number = member_refs_selectors.member_number_in(community, member_number)
    if number is None:
        return None
    found = memberships_selectors.active_members_by_number(community, {number})
    return found[number].person if number in found else None


def _check_move(old: str, status: str) -> None:
    if status not in TRANSITIONS[old]:
        raise Conflict(
            f"A referral that is “{ReferralStatus(old).label.lower()}” cannot become "
            f"“{ReferralStatus(status).label.lower()}”.",
            code="status_not_allowed",
        )


def referral_update_status(
    *, actor: Actor, referral: Referral, status: str, member_number: Any = None, note: str = ""
) -> Referral:
    """A coordinator records how the follow-up went: contacted, joined (linking the member by
    member number), first exchange or declined, with an optional note only coordinators read.
    Raises NotFound, PermissionDenied (not a coordinator), ValidationFailed (`status`,
    `member_number`, `note`), Conflict `status_not_allowed` (a move the referral cannot make:
    backwards, the same again, anything after declined). Nothing is stored when refused."""
    community = referral.community
    community_access.access_coordinate(actor, community)
    errors: dict[str, list[str]] = {}
    if status not in TRANSITIONS or status == ReferralStatus.REFERRED:
        errors["status"] = ["Choose contacted, joined, first exchange or declined."]
    else:
        current = Referral.objects.filter(pk=referral.pk).values_list("status", flat=True).first()
        _check_move(current or referral.status, status)  # and again under the lock below
    note = _text(errors, "note", note, maximum=1000, multiline=True)
    person = None
    if status == ReferralStatus.JOINED:
        person = _member_for(community, member_number)
        if person is None:
            errors["member_number"] = [
                "Give the member number they joined with (e.g. "
                f"{community.member_prefix}-0042); no active member has that number."
                if member_number not in (None, "")
                else "Give the member number they joined with (e.g. "
                f"{community.member_prefix}-0042)."
            ]
    if errors:
        raise ValidationFailed("Please correct the update.", fields=errors)
    with transaction.atomic(durable=True):
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        old = locked.status
        _check_move(old, status)
        when = timezone.now()
        fields = ["status", "status_changed_at", "handled_by"]
        locked.status = status
        locked.status_changed_at = when
        locked.handled_by = actor
        if person is not None:
            locked.person = person
            fields.append("person")
        if note:
            stamp = (
                f"{timezone.localdate(when).isoformat()} ({ReferralStatus(status).label}): {note}"
            )
            locked.coordinator_note = (
                f"{locked.coordinator_note}\n\n{stamp}" if locked.coordinator_note else stamp
            )
            fields.append("coordinator_note")
        locked.save(update_fields=fields)
        ReferralEvent.objects.create(referral=locked, status=status, by=actor, at=when)
        # The note and the person's details stay on the referral; the audit keeps the move.
        audit_record(
            actor=actor,
            action="referral.status",
            subject=locked,
            community_id=community.pk,
            person_id=locked.person_id,
            changes={"status": [old, status]},
        )
    return locked


def referrals_minimise(*, at: dt.datetime | None = None) -> int:
    """Blank the phone, email and "what matters" of referrals declined more than 90 days ago
    (data protection: nothing is kept to contact someone who said no). Safe to run twice at
    once: each referral is locked and checked again. Returns how many were blanked."""
    cutoff = (at or timezone.now()) - dt.timedelta(days=DECLINED_KEEP_DAYS)
    stale = Q(status=ReferralStatus.DECLINED, status_changed_at__lt=cutoff) & (
        ~Q(phone="") | ~Q(email="") | ~Q(what_matters="")
    )
    done = 0
    for pk in Referral.objects.filter(stale).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            locked = Referral.objects.select_for_update().filter(stale, pk=pk).first()
            if locked is None:
                continue
            locked.phone = locked.email = locked.what_matters = ""
            locked.save(update_fields=["phone", "email", "what_matters"])
            audit_record(
                actor=None,
                action="referral.minimise",
                subject=locked,
                community_id=locked.community_id,
                changes={"contact_details": ["kept", "removed"]},
            )
            done += 1
    return done
