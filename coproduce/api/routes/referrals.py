"""Referrals in from professionals (the self-assessment is in assessments.py).

Referrals: agency staff (and coordinators) refer a person, with their consent; coordinators
follow up. One response shape, `Referral`, in two views said by its `view` field:

- `full` (the community's coordinators): everything, including how to reach the person.
- `outcome` (agency staff): when, to what, and the status with its dates. `full_name` is null
  unless the person agreed to share their name (`share_with_referrer` = `name`); `phone`,
  `email`, `what_matters`, `consent_note`, `member_number` and `coordinator_note` are always
  null.

None of these writes moves hours, so none needs an `Idempotency-Key`. Texts are stored as
written: escape them when you show them in HTML."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities import access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.coproduction import access as coproduction_access
from coproduce.coproduction.selectors import referrals as referrals_selectors
from coproduce.coproduction.services import referrals as referrals_services
from coproduce.core import limits
from coproduce.core.errors import NotFound, PermissionDenied, ValidationFailed

from .. import paths
from ..pagination import PageParams, key_datetime, key_int, keyset_page
from ..schemas import READ_ERRORS, WRITE_ERRORS, MemberRef, ObjectId, Slug

router = Router(tags=["referrals and self-assessment"])

Target = Literal["community", "role", "group"]
Status_ = Literal["referred", "contacted", "joined", "first_exchange", "declined"]


# Shapes --------------------------------------------------------------------------------------


class ReferralIn(Schema):
    agency: str = Field(
        min_length=1,
        max_length=limits.SHORT_NAME,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="The referring agency's slug; you must be its staff (or a coordinator).",
    )
    target: Target = Field(
        description="`community` (the time bank), `role` (give `role_id`) or `group` (give "
        "`group_name`)."
    )
    role_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="A published role of this community."
    )
    group_name: str = Field("", max_length=limits.NAME)
    full_name: str = Field(min_length=1, max_length=limits.NAME)
    phone: str = Field(
        "",
        max_length=limits.PHONE,
        description="A phone number or an email address is needed (or both).",
    )
    email: str = Field("", max_length=limits.EMAIL)
    what_matters: str = Field(
        "", max_length=limits.TEXT, description="In the person's words. Nothing clinical."
    )
    consent_given: bool = Field(
        strict=True,
        description="Must be true: ask the person first. False is refused "
        "with 422 `consent_required` and nothing is stored.",
    )
    consent_note: str = Field(
        min_length=1, max_length=limits.CONSENT_NOTE, description="How and when the person agreed."
    )
    share_with_referrer: Literal["status", "name"] = Field(
        "status",
        description="What the person agreed the referrer may see: the status only, or with their "
        "name.",
    )


class ReferralEventOut(Schema):
    status: Status_
    at: dt.datetime


class ReferralOut(Schema):
    id: int
    view: Literal["full", "outcome"] = Field(
        description="`full` for coordinators, `outcome` for agency staff."
    )
    agency: str = Field(description="The referring agency's slug.")
    agency_name: str
    created_at: dt.datetime
    target: Target
    role_id: int | None
    role_title: str | None
    group_name: str
    status: Status_
    status_changed_at: dt.datetime
    events: list[ReferralEventOut] = Field(
        description="Each status and when it was reached, oldest first."
    )
    share_with_referrer: Literal["status", "name"]
    full_name: str | None = Field(
        description="Null in the outcome view unless the person agreed to share it."
    )
    phone: str | None = Field(
        description="Coordinators only; null in the outcome view. Empty once blanked "
        "90 days after a referral is declined."
    )
    email: str | None = Field(description="Coordinators only; null in the outcome view.")
    what_matters: str | None = Field(description="Coordinators only; null in the outcome view.")
    consent_note: str | None = Field(description="Coordinators only; null in the outcome view.")
    member_number: int | None = Field(
        description="Coordinators only: the member they joined as, once joined."
    )
    coordinator_note: str | None = Field(
        description="Coordinators only; never shown to the referrer."
    )


class ReferralPage(Schema):
    items: list[ReferralOut] = Field(description="Newest first.")
    next_cursor: str | None


class ReferralQuery(PageParams):
    status: Status_ | None = Field(None, description="Only referrals at this status.")


class ReferralStatusIn(Schema):
    status: Literal["contacted", "joined", "first_exchange", "declined"] = Field(
        description="Allowed moves: referred → contacted, joined or declined; contacted → joined "
        "or declined; joined → first_exchange. Anything else is 409 `status_not_allowed`."
    )
    member_number: MemberRef | None = Field(
        None, description="Needed for `joined`: the member they joined as."
    )
    note: str = Field(
        "",
        max_length=limits.REPORT,
        description="For coordinators only; added to the referral's notes.",
    )


# Helpers -------------------------------------------------------------------------------------


def _referral_out(referral, *, full: bool, numbers: dict[int, int] | None = None) -> dict:
    outcome = referrals_selectors.referral_outcome(referral)
    out = {
        "id": outcome.id,
        "view": "full" if full else "outcome",
        "agency": outcome.agency_slug,
        "agency_name": outcome.agency_name,
        "created_at": outcome.created_at,
        "target": outcome.target,
        "role_id": referral.role_id,
        "role_title": outcome.role_title,
        "group_name": outcome.group_name,
        "status": outcome.status,
        "status_changed_at": outcome.status_changed_at,
        "events": [{"status": status, "at": at} for status, _label, at in outcome.events],
        "share_with_referrer": referral.share_with_referrer,
        "full_name": outcome.name,
        "phone": None,
        "email": None,
        "what_matters": None,
        "consent_note": None,
        "member_number": None,
        "coordinator_note": None,
    }
    if full:
        out.update(
            full_name=referral.full_name,
            phone=referral.phone,
            email=referral.email,
            what_matters=referral.what_matters,
            consent_note=referral.consent_note,
            member_number=(numbers or {}).get(referral.person_id) if referral.person_id else None,
            coordinator_note=referral.coordinator_note,
        )
    return out


def _numbers(community, rows) -> dict[int, int]:
    return memberships_selectors.member_numbers(
        community, {r.person_id for r in rows if r.person_id}
    )


def _member_community(request, slug: str):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community


# Referrals -------------------------------------------------------------------------------------


@router.get(
    "/{slug}/referrals",
    response={200: ReferralPage, **READ_ERRORS},
    summary="Referrals (coordinators: all, in full; agency staff: their agencies', outcomes only)",
)
def referral_list(request, slug: Slug, query: Query[ReferralQuery]):
    """Coordinators get every referral of the community in the `full` view; agency staff get
    their agencies' referrals in the `outcome` view; other members 403."""
    community = _member_community(request, slug)
    full = access.is_coordinator(request.user, community)
    if full:
        qs = referrals_selectors.referrals_queue(community, status=query.status, with_events=True)
    else:
        if not referrals_selectors.is_agency_staff(request.user, community):
            raise PermissionDenied(
                "Only agency staff and coordinators see referrals.", code="not_agency_staff"
            )
        qs = referrals_selectors.referrals_for_staff(request.user, community, status=query.status)
    rows, next_cursor = keyset_page(
        qs,
        fields=("created_at", "id"),
        kinds=(key_datetime, key_int),
        cursor=query.cursor,
        limit=query.limit,
        descending=True,
    )
    numbers = _numbers(community, rows) if full else {}
    return {
        "items": [_referral_out(r, full=full, numbers=numbers) for r in rows],
        "next_cursor": next_cursor,
    }


@router.post(
    "/{slug}/referrals",
    response={201: ReferralOut, **WRITE_ERRORS},
    summary="Refer a person (agency staff)",
)
def referral_create(request, slug: Slug, payload: ReferralIn):
    """The coordinators are told of a new referral from your agency (without the person's
    details). 422 `consent_required` when `consent_given` is false; 422 naming the field for no
    phone or email, a role that is not a published role of this community, a missing group name
    or consent note; 403 when you are not the agency's staff. Nothing is stored when refused.
    The answer is in the view you may see (`outcome` for agency staff)."""
    community = _member_community(request, slug)
    try:
        agency = referrals_selectors.referral_agency(community, payload.agency)
    except NotFound:
        raise ValidationFailed(
            "No such agency here.", fields={"agency": ["No such agency here."]}
        ) from None
    role = None
    if payload.target == "role" and payload.role_id is not None:
        role = referrals_selectors.referral_role(community, payload.role_id)
        if role is None:
            message = "Choose a published role of this community."
            raise ValidationFailed(message, fields={"role_id": [message]})
    referral = referrals_services.referral_create(
        actor=request.user,
        agency=agency,
        target=payload.target,
        role=role,
        group_name=payload.group_name,
        full_name=payload.full_name,
        phone=payload.phone,
        email=payload.email,
        what_matters=payload.what_matters,
        consent_given=payload.consent_given,
        consent_note=payload.consent_note,
        share_with_referrer=payload.share_with_referrer,
    )
    found = referrals_selectors.referral_get(community, referral.pk)
    return Status(201, _referral_out(found, full=access.is_coordinator(request.user, community)))


@router.get(
    "/{slug}/referrals/{referral_id}",
    response={200: ReferralOut, **READ_ERRORS},
    summary="A referral",
)
def referral_detail(request, slug: Slug, referral_id: ObjectId):
    """Coordinators: the `full` view; the referring agency's staff: the `outcome` view."""
    community = _member_community(request, slug)
    found = referrals_selectors.referral_get(community, referral_id)
    if access.is_coordinator(request.user, community):
        return _referral_out(found, full=True, numbers=_numbers(community, [found]))
    coproduction_access.access_referral_outcome(request.user, found)
    return _referral_out(found, full=False)


@router.post(
    "/{slug}/referrals/{referral_id}/status",
    response={200: ReferralOut, **WRITE_ERRORS},
    summary="Record how a referral's follow-up went (coordinators)",
)
def referral_status(request, slug: Slug, referral_id: ObjectId, payload: ReferralStatusIn):
    """Writes a referral event. 409 `status_not_allowed` for a move the referral cannot make
    (declined and first exchange are final); 422 `member_number` for `joined` without an active
    member's number."""
    community = paths.coordinated_community(request, slug)
    found = referrals_selectors.referral_get(community, referral_id)
    referrals_services.referral_update_status(
        actor=request.user,
        referral=found,
        status=payload.status,
        member_number=payload.member_number,
        note=payload.note,
    )
    updated = referrals_selectors.referral_get(community, referral_id)
    return _referral_out(updated, full=True, numbers=_numbers(community, [updated]))
