"""Spend partners: places where members' time credits buy something, their offers, redemptions
at the door and the partner's report. Members see partners and offers; coordinators set them up
(agency admins of a partner's agency manage its offers); the partner's staff (its agency's staff)
and coordinators take redemptions and read the report.

A redemption moves credits, so `POST .../redemptions` needs an `Idempotency-Key` header: the
same key and request answer with the original receipt; the same key with another request is
refused with 409 `idempotency_key_reused`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.coproduction import access
from coproduce.coproduction.models import PartnerOffer, Redemption, SpendPartner
from coproduce.coproduction.selectors import partners as partners_selectors
from coproduce.coproduction.services import partners as partners_services
from coproduce.core import limits
from coproduce.core.errors import ApplicationError

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..pagination import PageParams, encode_cursor, key_date, key_int, keyset_page, parse_key
from ..schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, IdempotencyKey, ObjectId, Slug

router = Router(tags=["spend partners"])

Slot = Literal[tuple(AVAILABILITY_SLOTS)]  # type: ignore[valid-type]


class OfferOut(Schema):
    id: int
    title: str = Field(description='What the credits buy, e.g. "One swim".')
    minutes: int = Field(description="What it costs per person, in minutes.")
    per_member_per_month: int | None = Field(
        description="How often a member may use it each calendar month."
    )
    times: list[str] = Field(
        description="When it can be used (`mon-am` … `sun-eve`); empty: any time."
    )
    max_adults: int
    max_children: int
    is_active: bool


class PartnerOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    place: str
    agency_id: int | None = Field(description="The agency whose staff take redemptions here.")
    is_archived: bool
    offers: list[OfferOut] = Field(description="Its offers that are still available.")


class PartnerPage(Schema):
    items: list[PartnerOut]
    next_cursor: str | None


class PartnerIn(Schema):
    name: str = Field(min_length=1, max_length=limits.NAME)
    description: str = Field("", max_length=limits.TEXT)
    place: str = Field("", max_length=limits.LINE)
    agency_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="An agency in the community whose staff will take redemptions.",
    )


class PartnerPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=limits.NAME)
    description: str | None = Field(None, max_length=limits.TEXT)
    place: str | None = Field(None, max_length=limits.LINE)
    is_archived: Literal[True] | None = Field(
        None, description="`true` archives the partner: no more redemptions."
    )


class OfferIn(Schema):
    title: str = Field(min_length=1, max_length=limits.NAME)
    minutes: int = Field(strict=True, ge=1, le=24 * 60, description="Cost per person, in minutes.")
    per_member_per_month: int | None = Field(None, strict=True, ge=1, le=100)
    times: list[Slot] = Field(default_factory=list, max_length=21)  # type: ignore[valid-type]
    max_adults: int = Field(1, strict=True, ge=0, le=partners_services.MAX_PEOPLE)
    max_children: int = Field(0, strict=True, ge=0, le=partners_services.MAX_PEOPLE)


class RedemptionIn(Schema):
    offer_id: int = Field(strict=True, ge=1, le=MAX_ID)
    member: str = Field(
        min_length=1,
        max_length=limits.MEMBER_CODE_INPUT,
        description='A member number ("RIV-0042" or "42"), or what the '
        "member card's QR code holds.",
        examples=["RIV-0042", "coproduce:riverside:RIV-0042"],
    )
    adults: int = Field(1, strict=True, ge=0, le=partners_services.MAX_PEOPLE)
    children: int = Field(0, strict=True, ge=0, le=partners_services.MAX_PEOPLE)


class RedemptionOut(Schema):
    receipt_number: str
    offer_id: int
    offer_title: str
    member_name: str
    adults: int
    children: int
    minutes: int = Field(description="Credits taken: the offer's minutes times the people.")
    transfer_id: int = Field(description="The ledger transfer that moved the credits.")
    created_at: dt.datetime


class ReportRowOut(Schema):
    month: dt.date = Field(description="The first day of the month (community time).")
    offer_id: int
    offer_title: str
    redemptions: int
    adults: int
    children: int
    minutes: int


class ReportPage(Schema):
    items: list[ReportRowOut]
    next_cursor: str | None


def _offer_out(offer: PartnerOffer) -> dict:
    return {
        "id": offer.pk,
        "title": offer.title,
        "minutes": offer.minutes,
        "per_member_per_month": offer.per_member_per_month,
        "times": list(offer.times),
        "max_adults": offer.max_adults,
        "max_children": offer.max_children,
        "is_active": offer.is_active,
    }


def _partner_out(partner: SpendPartner, offers=None) -> dict:
    if offers is None:
        offers = [o for o in partner.offers.all() if o.is_active]
    return {
        "id": partner.pk,
        "name": partner.name,
        "slug": partner.slug,
        "description": partner.description,
        "place": partner.place,
        "agency_id": partner.agency_id,
        "is_archived": partner.is_archived,
        "offers": [_offer_out(o) for o in offers],
    }


def _redemption_out(redemption: Redemption) -> dict:
    return {
        "receipt_number": redemption.receipt_number,
        "offer_id": redemption.offer_id,
        "offer_title": redemption.offer.title,
        "member_name": redemption.person.display_name,
        "adults": redemption.adults,
        "children": redemption.children,
        "minutes": redemption.minutes,
        "transfer_id": redemption.transfer_id,
        "created_at": redemption.created_at,
    }


def _partner(request, slug: str, partner_id: int):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community, partners_selectors.partner_get(community, partner_id)


@router.get(
    "/{slug}/partners",
    response={200: PartnerPage, **READ_ERRORS},
    summary="Where credits can be spent",
)
def partner_list(request, slug: Slug, page: Query[PageParams]):
    """Partners that take credits, by id, with their available offers."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    rows, next_cursor = keyset_page(
        partners_selectors.partners_of(community),
        fields=("id",),
        kinds=(key_int,),
        cursor=page.cursor,
        limit=page.limit,
    )
    return {"items": [_partner_out(p) for p in rows], "next_cursor": next_cursor}


@router.post(
    "/{slug}/partners",
    response={201: PartnerOut, **WRITE_ERRORS},
    summary="Add a partner (coordinators)",
    auth=COORDINATOR_AUTH,
)
def partner_create(request, slug: Slug, payload: PartnerIn):
    """Opens the partner's own hours account with it."""
    community = paths.coordinated_community(request, slug)
    agency = (
        partners_selectors.agency_for_partner(community, payload.agency_id)
        if payload.agency_id
        else None
    )
    partner = partners_services.partner_create(
        actor=request.user,
        community=community,
        name=payload.name,
        description=payload.description,
        place=payload.place,
        agency=agency,
    )
    return Status(201, _partner_out(partner, offers=[]))


@router.get(
    "/{slug}/partners/{partner_id}", response={200: PartnerOut, **READ_ERRORS}, summary="A partner"
)
def partner_detail(request, slug: Slug, partner_id: ObjectId):
    _community, partner = _partner(request, slug, partner_id)
    return _partner_out(partner, offers=list(partners_selectors.offers_of(partner)))


@router.patch(
    "/{slug}/partners/{partner_id}",
    response={200: PartnerOut, **WRITE_ERRORS},
    summary="Change or archive a partner (coordinators)",
)
def partner_update(request, slug: Slug, partner_id: ObjectId, payload: PartnerPatch):
    _community, partner = _partner(request, slug, partner_id)
    partner = partners_services.partner_update(
        actor=request.user,
        partner=partner,
        name=payload.name,
        description=payload.description,
        place=payload.place,
    )
    if payload.is_archived:
        partner = partners_services.partner_archive(actor=request.user, partner=partner)
    return _partner_out(partner, offers=list(partners_selectors.offers_of(partner)))


@router.get(
    "/{slug}/partners/{partner_id}/offers",
    response={200: list[OfferOut], **READ_ERRORS},
    summary="A partner's offers",
)
def offer_list(request, slug: Slug, partner_id: ObjectId, active_only: bool = True):
    _community, partner = _partner(request, slug, partner_id)
    return [_offer_out(o) for o in partners_selectors.offers_of(partner, active_only=active_only)]


@router.post(
    "/{slug}/partners/{partner_id}/offers",
    response={201: OfferOut, **WRITE_ERRORS},
    summary="Add an offer (coordinators, the partner's agency admins)",
)
def offer_create(request, slug: Slug, partner_id: ObjectId, payload: OfferIn):
    _community, partner = _partner(request, slug, partner_id)
    offer = partners_services.offer_create(actor=request.user, partner=partner, **payload.dict())
    return Status(201, _offer_out(offer))


@router.post(
    "/{slug}/partners/{partner_id}/redemptions",
    response={201: RedemptionOut, **WRITE_ERRORS},
    summary="Spend a member's credits at the partner (its staff, coordinators)",
)
def redemption_create(
    request,
    slug: Slug,
    partner_id: ObjectId,
    idempotency_key: IdempotencyKey,
    payload: RedemptionIn,
):
    """Moves the offer's minutes times the people from the member to the partner and answers with
    the receipt. 422 for an unknown or former member, an unavailable offer, too many people, the
    wrong time of day or the monthly allowance used; 409 `limit_exceeded` without enough credit."""
    _community, partner = _partner(request, slug, partner_id)
    access.access_partner_desk(request.user, partner)
    try:
        redemption = partners_services.redemption_create(
            actor=request.user,
            partner=partner,
            offer=partners_selectors.offer_get(partner, payload.offer_id),
            member_ref=payload.member,
            adults=payload.adults,
            children=payload.children,
            idempotency_key=paths.client_key(request, idempotency_key),
        )
    except ApplicationError as exc:
        # The service names the member `member_ref`; in this API the field is `member`.
        if "member_ref" in exc.fields:
            exc.fields["member"] = exc.fields.pop("member_ref")
        raise
    return Status(201, _redemption_out(redemption))


@router.get(
    "/{slug}/partners/{partner_id}/redemptions",
    response={200: ReportPage, **READ_ERRORS},
    summary="The partner's report: redemptions by month and offer (its staff, coordinators)",
)
def redemption_report(request, slug: Slug, partner_id: ObjectId, page: Query[PageParams]):
    """Newest month first; within a month, by offer id descending."""
    _community, partner = _partner(request, slug, partner_id)
    access.access_partner_desk(request.user, partner)
    after = parse_key(page.cursor, [key_date, key_int])
    rows = partners_selectors.partner_report(
        partner, before=(after[0], after[1]) if after else None, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return {
        "items": [r.__dict__ for r in rows],
        "next_cursor": encode_cursor([rows[-1].month.isoformat(), rows[-1].offer_id])
        if more
        else None,
    }
