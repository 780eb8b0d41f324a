"""Referrals in from professionals: agency staff refer a person (with their consent) to the time
bank, a co-production role or a community group; the coordinators follow up; the referrer sees
the outcome and nothing more of the person than they agreed to share.

Services first (every write: atomic, audited, refused with nothing stored), then selectors.
Personal details (name, phone, email, what matters, the coordinators' notes) never go into
audit rows or notices: those keep statuses, dates and ids."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities import selectors as community_selectors
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.exchanges import selectors as exchange_selectors
from coproduce.notifications import services as notifications

from .access import access_staff_work
from .models import (
    Agency,
    AgencyMembership,
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
    ReferralStatus.REFERRED: {ReferralStatus.CONTACTED, ReferralStatus.JOINED, ReferralStatus.DECLINED},
    ReferralStatus.CONTACTED: {ReferralStatus.JOINED, ReferralStatus.DECLINED},
    ReferralStatus.JOINED: {ReferralStatus.FIRST_EXCHANGE},
    ReferralStatus.FIRST_EXCHANGE: set(),
    ReferralStatus.DECLINED: set(),
}
_CONTROLS_OK = {"\n", "\r", "\t"}


def _controls(text: str, *, multiline: bool) -> bool:
    allowed = _CONTROLS_OK if multiline else set()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _text(errors: dict[str, list[str]], name: str, value: Any, *, maximum: int, required: str = "",
          multiline: bool = False) -> str:
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
        get_user_model().objects.filter(
            memberships__community=community, memberships__status="active", memberships__roles__role="coordinator"
        ).distinct()
    )


# Services ------------------------------------------------------------------------------------


def referral_create(
    *, actor, agency: Agency, target: str, full_name: str, consent_given: Any, consent_note: str,
    role: CoproductionRole | None = None, group_name: str = "", phone: str = "", email: str = "",
    what_matters: str = "", share_with_referrer: str = "status",
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
        raise ValidationFailed(CONSENT_MESSAGE, code="consent_required", fields={"consent_given": [CONSENT_MESSAGE]})
    errors: dict[str, list[str]] = {}
    if target not in ReferralTarget.values:
        errors["target"] = ["Choose the time bank, a role or a group."]
    full_name = _text(errors, "full_name", full_name, maximum=150, required="Give the person's name.")
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
        errors["phone"] = ["Give a phone number or an email address, so a coordinator can reach them."]
    what_matters = _text(errors, "what_matters", what_matters, maximum=2000, multiline=True)
    consent_note = _text(errors, "consent_note", consent_note, maximum=300,
                         required="Say how and when the person agreed, e.g. “in clinic on 3 May”.")
    if share_with_referrer not in SHARE_CHOICES:
        errors["share_with_referrer"] = ["Choose what you may see: how it is going, or that with their name."]
    group_name = _text(errors, "group_name", group_name, maximum=150,
                       required="Name the group." if target == ReferralTarget.GROUP else "")
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
            community=community, agency=agency, referrer=actor, target=target,
            role=role if target == ReferralTarget.ROLE else None,
            group_name=group_name if target == ReferralTarget.GROUP else "",
            full_name=full_name, phone=phone, email=email, what_matters=what_matters, consent_given=True,
            consent_note=consent_note, share_with_referrer=share_with_referrer,
        )
        ReferralEvent.objects.create(referral=referral, status=ReferralStatus.REFERRED, by=actor, at=referral.created_at)
        # Who was referred stays on the referral: the audit keeps where to and by whom.
        audit_record(actor=actor, action="referral.create", subject=referral, community_id=community.pk,
                     changes={"status": [None, referral.status], "target": [None, target],
                              "agency": [None, agency.pk], "role": [None, referral.role_id]})
        url = f"/c/{community.slug}/coordinate/referrals/{referral.pk}/"
        for coordinator in _coordinators(community):
            notifications.notify(person=coordinator, kind="referral", title=f"A new referral from {agency.name}",
                                 url=url, community=community)
    return referral


def _member_for(community, member_number: Any):
    """The active member a member number ("RIV-0042" or 42) names, or None."""
    if not isinstance(member_number, (int, str)) or isinstance(member_number, bool):
        return None
    number = community_selectors.member_number_in(community, member_number)
    if number is None:
        return None
    found = community_selectors.active_members_by_number(community, {number})
    return found[number].person if number in found else None


def _check_move(old: str, status: str) -> None:
    if status not in TRANSITIONS[old]:
        raise Conflict(
            f"A referral that is “{ReferralStatus(old).label.lower()}” cannot become "
            f"“{ReferralStatus(status).label.lower()}”.", code="status_not_allowed",
        )


def referral_update_status(*, actor, referral: Referral, status: str, member_number: Any = None,
                           note: str = "") -> Referral:
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
                if member_number not in (None, "") else
                f"Give the member number they joined with (e.g. {community.member_prefix}-0042)."
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
            stamp = f"{timezone.localdate(when).isoformat()} ({ReferralStatus(status).label}): {note}"
            locked.coordinator_note = f"{locked.coordinator_note}\n\n{stamp}" if locked.coordinator_note else stamp
            fields.append("coordinator_note")
        locked.save(update_fields=fields)
        ReferralEvent.objects.create(referral=locked, status=status, by=actor, at=when)
        # The note and the person's details stay on the referral; the audit keeps the move.
        audit_record(actor=actor, action="referral.status", subject=locked, community_id=community.pk,
                     person_id=locked.person_id, changes={"status": [old, status]})
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
            audit_record(actor=None, action="referral.minimise", subject=locked, community_id=locked.community_id,
                         changes={"contact_details": ["kept", "removed"]})
            done += 1
    return done


# Selectors -----------------------------------------------------------------------------------


def referral_agency(community, agency_slug: str) -> Agency:
    """An agency of the community by its slug. Raises NotFound."""
    found = Agency.objects.filter(community=community, slug=agency_slug).first()
    if found is None:
        raise NotFound("No such agency.")
    return found


def agencies_referring(person, community) -> list[Agency]:
    """The agencies the person may refer from: their own (any, for coordinators), not archived."""
    qs = Agency.objects.filter(community=community, is_archived=False)
    if not community_access.is_coordinator(person, community):
        staff = AgencyMembership.objects.filter(person_id=person.pk, ended_at__isnull=True).values("agency_id")
        qs = qs.filter(pk__in=staff)
    return list(qs.order_by("name", "id"))


def roles_to_refer_to(community) -> list[CoproductionRole]:
    return list(CoproductionRole.objects.filter(community=community, status=RoleStatus.PUBLISHED)
                .select_related("agency").order_by("title", "id"))


def referral_role(community, role_id: Any) -> CoproductionRole | None:
    """A role by id in the community (any status: the service says whether it is published)."""
    if not isinstance(role_id, int) or isinstance(role_id, bool):
        return None
    return CoproductionRole.objects.filter(community=community, pk=role_id).first()


def referral_get(community, referral_id: int) -> Referral:
    """A referral of the community with its agency, role and people. Raises NotFound."""
    found = (
        Referral.objects.select_related("agency", "role", "referrer", "person", "handled_by")
        .prefetch_related("events")
        .filter(community=community, pk=referral_id).first()
    )
    if found is None:
        raise NotFound("No such referral.")
    return found


def access_referral_outcome(person, referral: Referral) -> None:
    """Who may see a referral's outcome: the agency's staff and the coordinators."""
    access_staff_work(person, referral.agency)


def referrals_queue(community, *, status: str | None = None) -> QuerySet[Referral]:
    """The coordinators' queue, newest first (callers split it by status)."""
    qs = Referral.objects.filter(community=community).select_related("agency", "role", "referrer", "person")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def referrals_new_count(community) -> int:
    return Referral.objects.filter(community=community, status=ReferralStatus.REFERRED).count()


def referrals_for_staff(person, community) -> QuerySet[Referral]:
    """Referrals of every agency the person is staff of (all of the community's for
    coordinators), newest first."""
    qs = Referral.objects.filter(community=community)
    if not community_access.is_coordinator(person, community):
        staff = AgencyMembership.objects.filter(person_id=person.pk, ended_at__isnull=True).values("agency_id")
        qs = qs.filter(agency_id__in=staff)
    return qs.select_related("agency", "role").prefetch_related("events").order_by("-created_at", "-id")


def is_agency_staff(person, community) -> bool:
    """Whether the person is on the staff of any agency of the community."""
    return AgencyMembership.objects.filter(person_id=person.pk, ended_at__isnull=True,
                                           agency__community=community).exists()


def referrals_of_agency(agency: Agency) -> QuerySet[Referral]:
    return (Referral.objects.filter(agency=agency).select_related("agency", "role").prefetch_related("events")
            .order_by("-created_at", "-id"))


def referral_counts(agency: Agency) -> dict[str, int]:
    """How many of the agency's referrals are at each status."""
    rows = Referral.objects.filter(agency=agency).values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(ReferralStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def first_exchange_made(referral: Referral) -> bool:
    """Whether the member a joined referral is linked to has had a confirmed exchange: the
    coordinator's page offers "first exchange" from this (derived, so no job is needed)."""
    if referral.person_id is None or referral.status != ReferralStatus.JOINED:
        return False
    return bool(exchange_selectors.exchanges_of(referral.community, referral.person, status="confirmed", limit=1))


@dataclass(frozen=True)
class ReferralOutcome:
    """What a referrer (and their agency's staff) may see of a referral: never contact
    details, what matters, notes or anything about the member beyond the status; the name only
    when the person agreed (`share_with_referrer == "name"`)."""

    id: int
    agency_slug: str
    agency_name: str
    created_at: dt.datetime
    target: str
    target_label: str
    role_title: str | None
    group_name: str
    status: str
    status_label: str
    status_changed_at: dt.datetime
    name: str | None
    events: list[tuple[str, str, dt.datetime]] = field(default_factory=list)


def referral_outcome(referral: Referral) -> ReferralOutcome:
    return ReferralOutcome(
        id=referral.pk, agency_slug=referral.agency.slug, agency_name=referral.agency.name,
        created_at=referral.created_at, target=referral.target,
        target_label=ReferralTarget(referral.target).label,
        role_title=referral.role.title if referral.role_id and referral.role else None,
        group_name=referral.group_name, status=referral.status,
        status_label=ReferralStatus(referral.status).label, status_changed_at=referral.status_changed_at,
        name=referral.full_name if referral.share_with_referrer == "name" else None,
        events=[(e.status, ReferralStatus(e.status).label, e.at) for e in referral.events.all()],
    )


def may_see_details(person, referral: Referral) -> bool:
    """Only the community's coordinators see who was referred and how to reach them."""
    return community_access.is_coordinator(person, referral.community)

