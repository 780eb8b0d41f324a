"""Listings (offers and requests) and the categories they are filed under.

Members of a community see and search its listings; outsiders, members of other communities
and tokens made for another community get 404. The listings marked `public` are also at
`/public-listings`, for anyone with no credentials, without their owners, points or pictures.
Posting, changing and closing a listing moves no hours, so these writes need no `Idempotency-Key`.
The owner or a coordinator changes and closes a listing; a coordinator may post one for a member
with `on_behalf_of`. An exact address is never stored: the map point is rounded to about 100 m.

Pictures (at most 3 a listing) are the one place a request body is not JSON: they are uploaded as
`multipart/form-data`, checked by decoding them (JPEG, PNG or WebP, at most 5 MB), stripped of
their metadata, resized, and served back as JPEG only to those who may see the listing."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors import neighbourhoods as neighbourhoods_selectors
from coproduce.core import limits
from coproduce.core.errors import ValidationFailed
from coproduce.exchanges.models import (
    Category,
    CategoryGroup,
    ListingKind,
    ListingMode,
    ListingStatus,
    ListingVisibility,
)
from coproduce.exchanges.selectors import images as images_selectors
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.exchanges.selectors import matching
from coproduce.exchanges.selectors import search as search_selectors
from coproduce.exchanges.services import images as images_services
from coproduce.exchanges.services import listings as listings_services
from coproduce.exchanges.services import reminders as reminders_services

from .. import paths
from ..auth import COORDINATOR_AUTH, PUBLIC_AUTH, PUBLIC_SECURITY
from ..pagination import decode_cursor
from ..schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, MemberRef, ObjectId, Slug

router = Router(tags=["listings"])

_SLOTS = "Times as `mon-am`, `mon-pm`, `mon-eve` … `sun-eve`."


# Shapes --------------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    slug: str = Field(
        description="What the `category` filter and listing bodies accept (the id works too)."
    )
    name: str
    group: CategoryGroup


class CategoryItem(CategoryOut):
    own: bool = Field(
        description="Added by this community (the others are the shared default list)."
    )


class CategoryList(Schema):
    items: list[CategoryItem]


class CategoryIn(Schema):
    group: CategoryGroup
    name: str = Field(
        min_length=1,
        max_length=limits.SHORT_NAME,
        description="Unique in the community and the default list.",
    )


class PointIO(Schema):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class OwnerOut(Schema):
    member_number: int | None = Field(description="Null when the owner is no longer a member.")
    display_name: str


class ImageOut(Schema):
    id: int
    url: str = Field(
        description="The picture (JPEG, at most 1200 px a side), for people who may see the "
        "listing."
    )
    thumbnail_url: str = Field(description="A small version (at most 320 px a side).")
    width: int
    height: int
    alt_text: str = Field(
        description="What the picture shows, for people who cannot see it. Plain text."
    )


class ListingOut(Schema):
    id: int
    kind: ListingKind
    title: str = Field(description="As written: plain text, escape it when you show it in HTML.")
    description: str
    category: CategoryOut
    tags: list[str]
    expires_at: dt.datetime
    availability: list[str] = Field(description=_SLOTS)
    neighbourhood: str
    point: PointIO | None = Field(description="Approximate (rounded to about 100 m), or null.")
    mode: ListingMode
    is_group: bool
    visibility: ListingVisibility
    status: ListingStatus
    owner: OwnerOut
    created_at: dt.datetime
    images: list[ImageOut] = Field(description="At most 3, in order.")


class ListingHit(ListingOut):
    distance_km: float | None = Field(
        description="From `near`, rounded to 0.1 km; null without `near` or when the listing has "
        "no point."
    )


class ListingPage(Schema):
    items: list[ListingHit]
    next_cursor: str | None


class ListingQuery(Schema):
    q: str = Field(
        "",
        max_length=limits.SEARCH,
        description="Words to look for; each word also finds words that begin with it, and small "
        "typing mistakes are tolerated (`gardning` finds gardening).",
    )
    kind: ListingKind | None = Field(None, description="Only offers or only requests.")
    category: str | None = Field(
        None,
        max_length=limits.SHORT_NAME,
        description="A category's slug or id (see `/categories`); 422 for an unknown one.",
    )
    near: str | None = Field(
        None,
        max_length=limits.SHORT_NAME,
        description="A point as `lat,lng`, e.g. `51.5072,-0.1276`, or the slug or name of one of "
        "the community's neighbourhoods (see `/neighbourhoods`), e.g. `old-town`: adds "
        "`distance_km` to each listing. 422 naming an unknown neighbourhood.",
    )
    within_km: float | None = Field(
        None,
        gt=0,
        le=search_selectors.SEARCH_MAX_KM,
        description="Only listings within this distance of `near`: more than 0, at most 200.",
    )
    available: str | None = Field(
        None,
        max_length=200,
        description="Comma-separated times, e.g. `tue-am,sat-pm`; listings free at any of them. "
        f"{_SLOTS}",
    )
    active_since_days: int | None = Field(
        None,
        ge=1,
        le=3650,
        description="Only listings of members who signed in within this many days.",
    )
    sort: Literal["relevance", "newest", "distance"] = Field(
        "relevance",
        description="`relevance` (newest first without `q`), `newest`, or `distance` (needs "
        "`near`).",
    )
    limit: int = Field(
        20, ge=1, le=search_selectors.SEARCH_MAX_LIMIT, description="Items per page."
    )
    cursor: str | None = Field(
        None,
        max_length=limits.CURSOR,
        description="The `next_cursor` of the previous page; leave out for the first page.",
    )


class PublicListingOut(Schema):
    """A listing as everyone may see it: what it is about, never who posted it, where on the map
    or its pictures."""

    id: int
    kind: ListingKind
    title: str = Field(description="As written: plain text, escape it when you show it in HTML.")
    description: str
    category: CategoryOut
    tags: list[str]
    neighbourhood: str = Field(
        description="The part of the area the owner named, never an address."
    )
    availability: list[str] = Field(description=_SLOTS)
    mode: ListingMode
    is_group: bool
    created_at: dt.datetime
    expires_at: dt.datetime
    url: str = Field(
        description="The listing's page on the website, where members answer it after signing in."
    )


class PublicListingPage(Schema):
    items: list[PublicListingOut]
    next_cursor: str | None


class PublicListingQuery(Schema):
    q: str = Field(
        "",
        max_length=limits.SEARCH,
        description="Words to look for, as in the members' search (typos tolerated).",
    )
    kind: ListingKind | None = Field(None, description="Only offers or only requests.")
    sort: Literal["relevance", "newest"] = Field(
        "relevance", description="`relevance` (newest first without `q`) or `newest`."
    )
    limit: int = Field(
        20, ge=1, le=search_selectors.SEARCH_MAX_LIMIT, description="Items per page."
    )
    cursor: str | None = Field(
        None,
        max_length=limits.CURSOR,
        description="The `next_cursor` of the previous page; leave out for the first page.",
    )


Title = Annotated[
    str, Field(min_length=1, max_length=limits.LISTING_TITLE, description="At most 120 characters.")
]
Description = Annotated[str, Field(max_length=limits.DESCRIPTION)]
Tags = Annotated[
    list[Annotated[str, Field(max_length=limits.TAG)]],
    Field(max_length=10, description="Up to 10 short words (letters, digits, dashes)."),
]
Slots = Annotated[
    list[Annotated[str, Field(max_length=limits.AVAILABILITY_SLOT)]],
    Field(max_length=21, description=_SLOTS),
]
CategoryRef = Annotated[
    Annotated[str, Field(min_length=1, max_length=limits.SHORT_NAME)]
    | Annotated[int, Field(strict=True, ge=1, le=MAX_ID)],
    Field(description="A category's slug or id.", examples=["gardening"]),
]


def _offered_visibility(value: Any) -> Any:
    """`allied` gets its own reason (the services refuse it too) rather than "not one of"."""
    if value == ListingVisibility.ALLIED:
        raise PydanticCustomError("visibility_not_available", listings_services.ALLIED_NOT_YET)
    return value


Visibility = Annotated[
    Literal["community", "public"],
    BeforeValidator(_offered_visibility),
    Field(
        description="`community`: members of this community; `public`: everyone, also signed out "
        "on the community's public page and `GET /communities/{slug}/public-listings`. `allied` is "
        "refused (422) until allied communities are connected."
    ),
]


class ListingIn(Schema):
    kind: ListingKind
    title: Title
    description: Description = ""
    category: CategoryRef
    tags: Tags = []
    expires_at: dt.datetime | None = Field(
        None,
        description="With a time zone; in the future, at most 12 months away. Default: in 3 "
        "months.",
    )
    availability: Slots = []
    neighbourhood: str = Field("", max_length=limits.SHORT_NAME)
    point: PointIO | None = Field(
        None, description="Stored rounded to about 100 m; never send an exact address."
    )
    mode: ListingMode = Field(
        ListingMode.IN_PERSON,
        description="`at_home` needs the check level the community's rules set.",
    )
    is_group: bool = False
    visibility: Visibility = "community"
    on_behalf_of: MemberRef | None = Field(
        None, description="Coordinators: the member this listing is for."
    )


class ListingPatch(Schema):
    kind: ListingKind | None = None
    title: Title | None = None
    description: Description | None = None
    category: CategoryRef | None = None
    tags: Tags | None = None
    expires_at: dt.datetime | None = Field(None, description="null: in 3 months from now.")
    availability: Slots | None = None
    neighbourhood: str | None = Field(None, max_length=limits.SHORT_NAME)
    point: PointIO | None = Field(None, description="null removes the point.")
    mode: ListingMode | None = None
    is_group: bool | None = None
    visibility: Visibility | None = None


class CloseIn(Schema):
    reason: str = Field(
        "", max_length=limits.SHORT_NOTE, description="Why, e.g. found help; for the record."
    )


# Helpers -------------------------------------------------------------------------------------


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _category(community, ref: str | None) -> Category | None:
    if ref is None or ref == "":
        return None
    for category in listings_selectors.categories_for(community):
        if ref in (category.slug, str(category.pk)):
            return category
    raise ValidationFailed(
        "No such category here; see /categories.",
        code="unknown_category",
        fields={"category": ["Choose a category from the list."]},
    )


def _check_cursor(cursor: str | None) -> None:
    """Refuse cursors that were not made by us before they reach the database (numbers too
    large for it, for instance)."""
    if not cursor:
        return
    raw = decode_cursor(cursor)
    ok = isinstance(raw, list) and len(raw) == 3 and isinstance(raw[0], str)
    if ok:
        value, pk = raw[1], raw[2]
        ok = (
            not isinstance(pk, bool)
            and isinstance(pk, int)
            and 1 <= pk <= MAX_ID
            and (
                isinstance(value, str)
                or (
                    isinstance(value, (int, float))
                    and not isinstance(value, bool)
                    and math.isfinite(value)
                    and abs(value) < 1e15
                )
            )
        )
    if not ok:
        raise _bad("cursor", "The cursor is not valid; use the next_cursor from the last page.")


def _category_out(category: Category) -> dict:
    return {
        "id": category.pk,
        "slug": category.slug,
        "name": category.name,
        "group": category.group,
    }


def _image_url(slug: str, image, *, thumbnail: bool = False) -> str:
    url = f"/api/v1/communities/{slug}/listings/{image.listing_id}/images/{image.pk}"
    return url + "?thumbnail=true" if thumbnail else url


def image_out(slug: str, image) -> dict:
    return {
        "id": image.pk,
        "url": _image_url(slug, image),
        "thumbnail_url": _image_url(slug, image, thumbnail=True),
        "width": image.width,
        "height": image.height,
        "alt_text": image.alt_text,
    }


def listing_out(
    listing, numbers: dict[int, int], pictures: list | None = None, *, slug: str
) -> dict:
    return {
        "id": listing.pk,
        "kind": listing.kind,
        "title": listing.title,
        "description": listing.description,
        "category": _category_out(listing.category),
        "tags": listing.tags,
        "expires_at": listing.expires_at,
        "availability": listing.availability,
        "neighbourhood": listing.neighbourhood,
        "point": {"lat": listing.lat, "lng": listing.lng}
        if listing.lat is not None and listing.lng is not None
        else None,
        "mode": listing.mode,
        "is_group": listing.is_group,
        "visibility": listing.visibility,
        "status": listing.status,
        "owner": {
            "member_number": numbers.get(listing.owner_id),
            "display_name": listing.owner.display_name,
        },
        "created_at": listing.created_at,
        "images": [image_out(slug, image) for image in pictures or []],
    }


def _detail(community, listing) -> dict:
    return listing_out(
        listing,
        memberships_selectors.member_numbers(community, {listing.owner_id}),
        images_selectors.images_of(listing),
        slug=community.slug,
    )


def _values(data: dict[str, Any]) -> dict[str, Any]:
    """A request body as the services' listing values."""
    values = dict(data)
    values.pop("on_behalf_of", None)
    if "point" in values:
        point = values.pop("point")
        values["lat"], values["lng"] = (point["lat"], point["lng"]) if point else (None, None)
    return values


def _listing(request, slug: str, listing_id: int):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community, listings_selectors.listing_get(community, request.user, listing_id)


# Listings ------------------------------------------------------------------------------------


@router.get(
    "/{slug}/listings", response={200: ListingPage, **READ_ERRORS}, summary="Search listings"
)
def listings_search(request, slug: Slug, query: Query[ListingQuery]):
    """Active offers and requests of the community, filtered and sorted, a page at a time.
    422 for an unknown category, a malformed `near`, `within_km` outside (0, 200] or without
    `near`, and `sort=distance` without `near`."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    _check_cursor(query.cursor)
    available = (
        [s.strip() for s in query.available.split(",") if s.strip()] if query.available else None
    )
    try:
        page = search_selectors.listing_search(
            community,
            request.user,
            q=query.q,
            kind=query.kind,
            category=_category(community, query.category),
            near=query.near,
            within_km=query.within_km,
            available=available,
            active_since_days=query.active_since_days,
            sort=query.sort,
            after=query.cursor,
            limit=query.limit,
        )
    except ValidationFailed as exc:
        if "after" in exc.fields:
            exc.fields["cursor"] = exc.fields.pop("after")
        raise
    numbers = memberships_selectors.member_numbers(
        community, {item.owner_id for item in page.listings}
    )
    pictures = images_selectors.images_for(item.pk for item in page.listings)
    items = []
    for item in page.listings:
        distance = getattr(item, "distance_km", None)
        items.append(
            {
                **listing_out(item, numbers, pictures.get(item.pk), slug=community.slug),
                "distance_km": round(distance, 1) if distance is not None else None,
            }
        )
    return {"items": items, "next_cursor": page.next_cursor}


@router.get(
    "/{slug}/public-listings",
    response={200: PublicListingPage, **READ_ERRORS},
    auth=PUBLIC_AUTH,
    openapi_extra=PUBLIC_SECURITY,
    summary="Public listings (no sign-in needed)",
)
def listings_public(request, slug: Slug, query: Query[PublicListingQuery]):
    """The offers and requests their owners marked `public` ("Everyone, on the public site"),
    active and unexpired, the same for everyone, signed in or not: no owner, map point or
    pictures. Members answer them on the website (`url`). Unlisted communities answer 404 to
    anyone but their members."""
    community = paths.community_visible(request, slug)
    _check_cursor(query.cursor)
    try:
        page = search_selectors.listings_public(
            community,
            q=query.q,
            kind=query.kind,
            sort=query.sort,
            after=query.cursor,
            limit=query.limit,
        )
    except ValidationFailed as exc:
        if "after" in exc.fields:
            exc.fields["cursor"] = exc.fields.pop("after")
        raise
    return {
        "items": [
            {
                "id": item.pk,
                "kind": item.kind,
                "title": item.title,
                "description": item.description,
                "category": _category_out(item.category),
                "tags": item.tags,
                "neighbourhood": item.neighbourhood,
                "availability": item.availability,
                "mode": item.mode,
                "is_group": item.is_group,
                "created_at": item.created_at,
                "expires_at": item.expires_at,
                "url": f"/c/{community.slug}/listings/{item.pk}/",
            }
            for item in page.listings
        ],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/{slug}/listings",
    response={201: ListingOut, **WRITE_ERRORS},
    summary="Post an offer or request",
)
def listing_create(request, slug: Slug, payload: ListingIn):
    """422 for an unknown category, an expiry in the past, bad times or tags; 403
    `vetting_required` when the owner lacks the check the community's rules ask for what it
    offers or asks for (`at_home`: a home visit; `in_person`: one-to-one help, or a group activity
    with `is_group`; `remote` needs none), naming the check and whom to ask; 403 when a member
    names someone else in `on_behalf_of`."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    owner = paths.member_named(community, payload.on_behalf_of, "on_behalf_of")
    listing = listings_services.listing_create(
        actor=request.user, community=community, owner=owner, **_values(payload.dict())
    )
    return Status(201, _detail(community, listing))


@router.get(
    "/{slug}/listings/{listing_id}", response={200: ListingOut, **READ_ERRORS}, summary="A listing"
)
def listing_detail(request, slug: Slug, listing_id: ObjectId):
    """Any status (closed and expired ones too), for members of the community."""
    community, listing = _listing(request, slug, listing_id)
    return _detail(community, listing)


MATCHES_MAX = 50
MatchLimit = Annotated[
    int, Query(ge=1, le=MATCHES_MAX, description="How many suggestions, 1 to 50.")
]


class MatchOut(Schema):
    listing: ListingOut
    score: float
    reasons: list[str]
    distance_km: float | None


class PersonMatchOut(Schema):
    member_number: int = Field(
        description="Their member page: /members/{member_number}; write to them through "
        "the messages, which relay contact details only when they share them."
    )
    display_name: str
    score: float
    reasons: list[str] = Field(
        description='In plain words, e.g. `their gifts include "fixing laptops"`.'
    )


class MatchList(Schema):
    items: list[MatchOut]
    people: list[PersonMatchOut] = Field(
        description="For a request, members whose gift profile fits it and who have posted no "
        "offer, best first (at most `limit`). Empty for an offer, and for viewers who may not read "
        "the member directory. No contact details."
    )


@router.get(
    "/{slug}/listings/{listing_id}/matches",
    response={200: MatchList, **READ_ERRORS},
    summary="Suggested matches for a listing",
)
def listing_matches(request, slug: Slug, listing_id: ObjectId, limit: MatchLimit = 10):
    """For a request, the offers that may fit it (and for an offer, the requests it could
    answer), best first, each with its reasons in plain words ("gardening, 0.8 km away, both
    free Tuesday mornings, 12 exchanges completed"). At most `limit` (1 to 50). For a request,
    `people` adds members whose gifts fit though they have posted no offer."""
    community, listing = _listing(request, slug, listing_id)
    found = matching.matches_for(listing, request.user, limit=limit)
    people = matching.people_for(listing, request.user, limit=limit)
    numbers = memberships_selectors.member_numbers(community, {m.listing.owner_id for m in found})
    pictures = images_selectors.images_for(m.listing.pk for m in found)
    return {
        "items": [
            {
                "listing": listing_out(
                    m.listing, numbers, pictures.get(m.listing.pk), slug=community.slug
                ),
                "score": m.score,
                "reasons": m.reasons,
                "distance_km": round(m.distance_km, 1) if m.distance_km is not None else None,
            }
            for m in found
        ],
        "people": [
            {
                "member_number": p.member_number,
                "display_name": p.person.display_name,
                "score": p.score,
                "reasons": p.reasons,
            }
            for p in people
        ],
    }


@router.patch(
    "/{slug}/listings/{listing_id}",
    response={200: ListingOut, **WRITE_ERRORS},
    summary="Change a listing",
)
def listing_update(request, slug: Slug, listing_id: ObjectId, payload: ListingPatch):
    """The owner or a coordinator changes an active listing; fields left out stay as they are.
    403 `not_owner` for anyone else; 409 `listing_closed` / `listing_expired`."""
    community, listing = _listing(request, slug, listing_id)
    listing = listings_services.listing_update(
        actor=request.user, listing=listing, **_values(payload.dict(exclude_unset=True))
    )
    return _detail(community, listing)


@router.post(
    "/{slug}/listings/{listing_id}/close",
    response={200: ListingOut, **WRITE_ERRORS},
    summary="Close a listing",
)
def listing_close(request, slug: Slug, listing_id: ObjectId, payload: CloseIn | None = None):
    """The owner or a coordinator closes it (help found, no longer needed). 409 `already_closed`
    or `already_expired`."""
    community, listing = _listing(request, slug, listing_id)
    listing = listings_services.listing_close(
        actor=request.user, listing=listing, reason=payload.reason if payload else ""
    )
    return _detail(community, listing)


@router.post(
    "/{slug}/listings/{listing_id}/renew",
    response={200: ListingOut, **WRITE_ERRORS},
    summary="Renew a listing",
)
def listing_renew(request, slug: Slug, listing_id: ObjectId):
    """The owner or a coordinator keeps it up for three more months from now (an expired one
    comes back); the owner is reminded again a week before the new date. 403 `not_owner`; 409
    `listing_closed`."""
    community, listing = _listing(request, slug, listing_id)
    listing = reminders_services.listing_renew(actor=request.user, listing=listing)
    return _detail(community, listing)


# Pictures ------------------------------------------------------------------------------------

AltText = Annotated[
    str,
    Form(
        "",
        max_length=images_services.ALT_TEXT_MAX,
        description="What the picture shows, for people who cannot see it. Plain text.",
    ),
]
_IMAGE_CONTENT = {
    "description": "The picture, as JPEG.",
    "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
}


@router.post(
    "/{slug}/listings/{listing_id}/images",
    response={201: ImageOut, **WRITE_ERRORS},
    summary="Add a picture to a listing",
)
def listing_image_add(
    request, slug: Slug, listing_id: ObjectId, image: File[UploadedFile], alt_text: AltText = ""
):
    """`multipart/form-data` with the file in `image`: a JPEG, PNG or WebP photo of at most 5 MB.
    The owner or a coordinator adds it to an active listing. 422 `image_too_large` or
    `not_an_image` (decided by decoding the file, not by its name or type); 409 `too_many_images`
    for a fourth; 403 `not_owner`."""
    community, listing = _listing(request, slug, listing_id)
    picture = images_services.listing_image_add(
        actor=request.user, listing=listing, upload=image, alt_text=alt_text
    )
    return Status(201, image_out(community.slug, picture))


@router.get(
    "/{slug}/listings/{listing_id}/images/{image_id}",
    response={**READ_ERRORS},
    openapi_extra={"responses": {"200": _IMAGE_CONTENT}},
    summary="A listing's picture",
    description=(
        "The picture's bytes (`thumbnail=true` for the small version), for people who may see"
        " the listing."
    ),
)
def listing_image(
    request, slug: Slug, listing_id: ObjectId, image_id: ObjectId, thumbnail: bool = False
):
    _community, listing = _listing(request, slug, listing_id)
    data, content_type = images_selectors.image_for(
        request.user, listing, image_id, thumbnail=thumbnail
    )
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response


@router.delete(
    "/{slug}/listings/{listing_id}/images/{image_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a picture from a listing",
)
def listing_image_remove(request, slug: Slug, listing_id: ObjectId, image_id: ObjectId):
    """The owner or a coordinator removes it. 403 `not_owner`."""
    _community, listing = _listing(request, slug, listing_id)
    images_services.listing_image_remove(
        actor=request.user, image=images_selectors.image_get(listing, image_id)
    )
    return Status(204, None)


# Categories ----------------------------------------------------------------------------------


@router.get("/{slug}/categories", response={200: CategoryList, **READ_ERRORS}, summary="Categories")
def categories_list(request, slug: Slug):
    """The shared default list and the community's own additions, by group and name."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return {
        "items": [
            {**_category_out(c), "own": c.community_id is not None}
            for c in listings_selectors.categories_for(community)
        ]
    }


@router.post(
    "/{slug}/categories",
    response={201: CategoryItem, **WRITE_ERRORS},
    summary="Add a category (coordinators)",
    auth=COORDINATOR_AUTH,
)
def category_add(request, slug: Slug, payload: CategoryIn):
    """409 `category_exists` when the name is taken (here or in the default list)."""
    community = paths.coordinated_community(request, slug)
    category = listings_services.category_add(
        actor=request.user, community=community, group=payload.group, name=payload.name
    )
    return Status(201, {**_category_out(category), "own": True})


# Neighbourhoods ------------------------------------------------------------------------------


class NeighbourhoodOut(Schema):
    id: int
    slug: str = Field(description="What `near` accepts (the name works too).")
    name: str
    centre: PointIO = Field(description="A rough centre, set by the coordinators.")


class NeighbourhoodList(Schema):
    items: list[NeighbourhoodOut]


@router.get(
    "/{slug}/neighbourhoods",
    response={200: NeighbourhoodList, **READ_ERRORS},
    summary="Neighbourhoods",
)
def neighbourhoods_list(request, slug: Slug):
    """The named parts of the community's area, by name, with the centre that a search `near`
    one of them measures from. Coordinators change them on the website."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return {
        "items": [
            {"id": n.pk, "slug": n.slug, "name": n.name, "centre": {"lat": n.lat, "lng": n.lng}}
            for n in neighbourhoods_selectors.neighbourhoods_of(community)
        ]
    }
