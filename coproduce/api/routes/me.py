"""The signed-in person: profile, gift profile, privacy, data export and access tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities.models import ContactChannel, GiftKind, Visibility
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors import privacy as privacy_selectors
from coproduce.communities.selectors import tokens as tokens_selectors
from coproduce.communities.services import privacy as privacy_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import tokens as tokens_services
from coproduce.coproduction.selectors import calendars
from coproduce.core import limits

from .. import paths
from ..pagination import PageParams, key_datetime, key_int, keyset_page
from ..schemas import READ_ERRORS, WRITE_ERRORS, Error, ObjectId

router = Router(tags=["me"])

# One of services.AVAILABILITY_SLOTS: a day and a part of it.
AvailabilitySlot = Annotated[
    str,
    Field(
        pattern=r"^(mon|tue|wed|thu|fri|sat|sun)-(am|pm|eve)$",
        max_length=limits.AVAILABILITY_SLOT,
        examples=["mon-am", "wed-eve"],
    ),
]


class MembershipOut(Schema):
    community: str
    member_number: str
    status: str
    roles: list[str]
    calendar_url: str = Field(
        description="The person's own iCalendar feed of the co-production sessions they are "
        "booked on in the community. Private: anyone with the address can read it."
    )


class MeOut(Schema):
    id: int
    full_name: str
    known_as: str
    email: str | None
    username: str | None
    memberships: list[MembershipOut]


class GiftIO(Schema):
    kind: GiftKind
    description: str = Field(max_length=limits.LINE)


class GiftProfileOut(Schema):
    gifts: list[GiftIO]
    availability: list[str] = Field(
        description="Times usually free, e.g. `mon-am`, `tue-pm`, `wed-eve`."
    )
    languages: str
    accessibility_needs: str
    contact_preferences: list[str]


class GiftProfileIn(Schema):
    """Fields left out stay as they are; a list given replaces the old one."""

    gifts: list[GiftIO] | None = Field(None, max_length=60)
    availability: list[AvailabilitySlot] | None = Field(None, max_length=21)
    languages: str | None = Field(None, max_length=limits.LINE)
    accessibility_needs: str | None = Field(None, max_length=limits.TEXT)
    contact_preferences: list[ContactChannel] | None = Field(None, max_length=4)


class PrivacyOut(Schema):
    email: Visibility
    phone: Visibility
    address: Visibility
    photo: Visibility
    date_of_birth: Visibility


class PrivacyIn(Schema):
    """Who may see each field: `coordinators`, `members` (of communities you share) or `public`.
    Fields left out stay as they are."""

    email: Visibility | None = None
    phone: Visibility | None = None
    address: Visibility | None = None
    photo: Visibility | None = None
    date_of_birth: Visibility | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    community: str | None = Field(description="When set, the token works only for this community.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="The token itself. Shown this once only: store it now.")


class TokenPage(Schema):
    items: list[TokenOut]
    next_cursor: str | None


class TokenIn(Schema):
    name: str = Field(
        min_length=1,
        max_length=limits.SHORT_NAME,
        description="To recognise the token later, e.g. `rota spreadsheet`.",
    )
    community: str | None = Field(
        None,
        pattern=r"^[-a-zA-Z0-9_]+$",
        max_length=60,
        description="Limit the token to one of your communities.",
    )


def gift_profile_out(person) -> dict:
    return {
        "gifts": [{"kind": g.kind, "description": g.description} for g in person.gifts.all()],
        "availability": person.availability,
        "languages": person.languages,
        "accessibility_needs": person.accessibility_needs,
        "contact_preferences": person.contact_preferences,
    }


def gift_profile_values(payload: GiftProfileIn) -> dict:
    return {
        "gifts": [(g.kind, g.description) for g in payload.gifts]
        if payload.gifts is not None
        else None,
        "availability": list(payload.availability) if payload.availability is not None else None,
        "languages": payload.languages,
        "accessibility_needs": payload.accessibility_needs,
        "contact_preferences": (
            [str(c) for c in payload.contact_preferences]
            if payload.contact_preferences is not None
            else None
        ),
    }


def _privacy_out(person) -> dict:
    return {f: getattr(person, f"{f}_visibility") for f in privacy_selectors.PRIVATE_FIELDS}


def _token_out(token) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "community": token.community.slug if token.community_id else None,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("", response={200: MeOut, **READ_ERRORS}, summary="Who am I")
def me(request):
    person = request.user
    scope = paths.token_community_id(request)
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "known_as": person.known_as,
        "email": person.email,
        "username": person.username,
        "memberships": [
            {
                "community": m.community.slug,
                "member_number": m.member_code,
                "status": m.status,
                "roles": sorted(r.role for r in m.roles.all()),
                "calendar_url": calendars.member_calendar_url(person, m.community),
            }
            for m in memberships_selectors.memberships_of(person)
            if scope is None or m.community_id == scope
        ],
    }


@router.get(
    "/gift-profile", response={200: GiftProfileOut, **READ_ERRORS}, summary="My gift profile"
)
def my_gift_profile(request):
    """What you can give (head, hands, heart, teach), when you are free, and how to reach you."""
    return gift_profile_out(request.user)


@router.put(
    "/gift-profile",
    response={200: GiftProfileOut, **WRITE_ERRORS},
    summary="Change my gift profile",
)
def my_gift_profile_update(request, payload: GiftProfileIn):
    person = profiles_services.gift_profile_update(
        actor=request.user, person=request.user, **gift_profile_values(payload)
    )
    return gift_profile_out(person)


@router.get("/privacy", response={200: PrivacyOut, **READ_ERRORS}, summary="Who sees my details")
def my_privacy(request):
    return _privacy_out(request.user)


@router.put(
    "/privacy", response={200: PrivacyOut, **WRITE_ERRORS}, summary="Change who sees my details"
)
def my_privacy_update(request, payload: PrivacyIn):
    visibility = {k: str(v) for k, v in payload.dict().items() if v is not None}
    person = privacy_services.privacy_update(
        actor=request.user, person=request.user, visibility=visibility
    )
    return _privacy_out(person)


@router.get(
    "/export",
    response={**READ_ERRORS},
    summary="Download my data",
    openapi_extra={
        "responses": {
            200: {
                "description": "A zip of JSON and CSV files with everything held about you.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    description=(
        "Everything coproduce holds about you, as a zip file. Needs an unrestricted token"
        " or the session."
    ),
)
def my_export(request):
    paths.unscoped_token_only(request)
    data = privacy_selectors.person_data_export(request.user)
    response = HttpResponse(data, content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-coproduce-data-{stamp}.zip"'
    return response


@router.get("/tokens", response={200: TokenPage, **READ_ERRORS}, summary="My access tokens")
def my_tokens(request, page: Query[PageParams]):
    """Newest first, revoked ones included. The secrets themselves are never shown again."""
    paths.unscoped_token_only(request)
    rows, next_cursor = keyset_page(
        tokens_selectors.tokens_of(request.user),
        fields=("created_at", "id"),
        kinds=(key_datetime, key_int),
        cursor=page.cursor,
        limit=page.limit,
        descending=True,
    )
    return {"items": [_token_out(t) for t in rows], "next_cursor": next_cursor}


@router.post(
    "/tokens", response={201: TokenCreatedOut, **WRITE_ERRORS}, summary="Create an access token"
)
def my_token_create(request, payload: TokenIn):
    """The response holds the secret; it is stored only as a hash and cannot be shown again."""
    paths.unscoped_token_only(request)
    community = paths.community(request, payload.community) if payload.community else None
    token, secret = tokens_services.token_create(
        actor=request.user, person=request.user, name=payload.name, community=community
    )
    return Status(201, {**_token_out(token), "secret": secret})


@router.delete(
    "/tokens/{token_id}",
    response={204: None, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Revoke an access token",
)
def my_token_revoke(request, token_id: ObjectId):
    paths.unscoped_token_only(request)
    tokens_services.token_revoke(
        actor=request.user, token=tokens_selectors.token_get(request.user, token_id)
    )
    return Status(204, None)
