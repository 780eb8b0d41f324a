"""The member directory, and what coordinators keep about members (checks, history, leaving).

Members see each other's directory entries with privacy applied; checks, notes and history are
for coordinators only (403 for members, 404 for everyone outside the community)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities import access
from coproduce.communities.models import CheckKind, CheckResult
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import history as history_selectors
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import vetting as vetting_selectors
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.core import limits

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..pagination import (
    PageParams,
    encode_cursor,
    key_date,
    key_datetime,
    key_int,
    keyset_page,
    parse_key,
)
from ..schemas import READ_ERRORS, WRITE_ERRORS, MemberNumber, Slug
from .me import GiftIO, GiftProfileIn, GiftProfileOut, gift_profile_out, gift_profile_values

router = Router(tags=["members"])


class MemberOut(Schema):
    number: int
    member_code: str = Field(description="e.g. RIV-0042")
    name: str = Field(description="The name other members see.")
    full_name: str | None = Field(description="Coordinators (and the member) only.")
    neighbourhood: str
    status: str
    joined_at: dt.datetime
    roles: list[str]
    email: str | None = Field(description="Null unless the member shares it with you.")
    phone: str | None
    address: str | None
    photo_url: str | None
    date_of_birth: dt.date | None
    gifts: list[GiftIO]


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class DirectoryQuery(PageParams):
    q: str = Field(
        "",
        max_length=limits.DIRECTORY_SEARCH,
        description="Name, neighbourhood, gift or member number.",
    )


class CheckOut(Schema):
    id: int
    kind: CheckKind
    result: CheckResult
    checked_on: dt.date
    expires_on: dt.date | None
    reference_number: str
    note: str
    recorded_by: str
    created_at: dt.datetime


class CheckPage(Schema):
    items: list[CheckOut]
    next_cursor: str | None


class CheckIn(Schema):
    kind: CheckKind
    result: CheckResult
    checked_on: dt.date = Field(description="When the check was done; not in the future.")
    expires_on: dt.date | None = Field(None, description="When it stops counting, if it expires.")
    reference_number: str = Field("", max_length=limits.REFERENCE_NUMBER)
    note: str = Field("", max_length=limits.TEXT)


class HistoryEventOut(Schema):
    id: int
    at: dt.datetime
    action: str
    actor: str | None
    on_behalf_of: str | None
    subject: str
    changes: dict[str, Any] = Field(description="{field: [old, new]}")
    note: str


class HistoryPage(Schema):
    items: list[HistoryEventOut]
    next_cursor: str | None


class OffboardIn(Schema):
    reason: str = Field(min_length=1, max_length=limits.TEXT)
    pseudonymise: bool = Field(
        True, description="Remove their personal details when they belong to no other community."
    )


def member_out(view, community, *, show_full_name: bool) -> dict:
    membership = view.membership
    return {
        "number": membership.number,
        "member_code": member_refs_selectors.member_code(community, membership.number),
        "name": view.person.display_name,
        "full_name": view.person.full_name if show_full_name else None,
        "neighbourhood": view.person.neighbourhood,
        "status": membership.status,
        "joined_at": membership.joined_at,
        "roles": view.roles,
        "email": view.email,
        "phone": view.phone,
        "address": view.address,
        "photo_url": view.photo_url,
        "date_of_birth": view.date_of_birth,
        "gifts": [{"kind": g.kind, "description": g.description} for g in view.gifts],
    }


def check_out(check) -> dict:
    return {
        "id": check.pk,
        "kind": check.kind,
        "result": check.result,
        "checked_on": check.checked_on,
        "expires_on": check.expires_on,
        "reference_number": check.reference_number,
        "note": check.note,
        "recorded_by": check.recorded_by.display_name,
        "created_at": check.created_at,
    }


def _event_out(event) -> dict:
    return {
        "id": event.pk,
        "at": event.created_at,
        "action": event.action,
        "actor": event.actor.display_name if event.actor_id else None,
        "on_behalf_of": event.on_behalf_of.display_name if event.on_behalf_of_id else None,
        "subject": f"{event.subject_type}:{event.subject_id}",
        "changes": event.changes if isinstance(event.changes, dict) else {},
        "note": event.note,
    }


def _single_member_out(request, community, membership) -> dict:
    coordinates = access.is_coordinator(request.user, community)
    view = directory_selectors.member_view(request.user, membership, viewer_coordinates=coordinates)
    return member_out(
        view, community, show_full_name=coordinates or membership.person_id == request.user.pk
    )


@router.get(
    "/{slug}/members", response={200: MemberPage, **READ_ERRORS}, summary="Member directory"
)
def members_list(request, slug: Slug, query: Query[DirectoryQuery]):
    """Active members by member number. Private details are null unless the member shares them
    with you. Members of the community only."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    after = parse_key(query.cursor, (key_int,))
    page = directory_selectors.member_directory_page(
        request.user,
        community,
        q=query.q.strip(),
        after_number=after[0] if after else None,
        limit=query.limit,
    )
    coordinates = access.is_coordinator(request.user, community)
    return {
        "items": [
            member_out(
                view, community, show_full_name=coordinates or view.person.pk == request.user.pk
            )
            for view in page.members
        ],
        "next_cursor": encode_cursor([page.next_after]) if page.next_after is not None else None,
    }


@router.get(
    "/{slug}/members/{number}", response={200: MemberOut, **READ_ERRORS}, summary="A member"
)
def member_detail(request, slug: Slug, number: MemberNumber):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    membership = paths.member(request, community, number)
    return _single_member_out(request, community, membership)


@router.get(
    "/{slug}/members/{number}/gift-profile",
    response={200: GiftProfileOut, **READ_ERRORS},
    summary="A member's gift profile (coordinators)",
)
def member_gift_profile(request, slug: Slug, number: MemberNumber):
    _, membership = paths.coordinated_member(request, slug, number)
    return gift_profile_out(membership.person)


@router.put(
    "/{slug}/members/{number}/gift-profile",
    response={200: GiftProfileOut, **WRITE_ERRORS},
    summary="Change a member's gift profile (coordinators)",
    auth=COORDINATOR_AUTH,
    description=(
        "For members who do not use the website. The history records that you acted on "
        "their behalf."
    ),
)
def member_gift_profile_update(request, slug: Slug, number: MemberNumber, payload: GiftProfileIn):
    _, membership = paths.coordinated_member(request, slug, number)
    person = profiles_services.gift_profile_update(
        actor=request.user, person=membership.person, **gift_profile_values(payload)
    )
    return gift_profile_out(person)


@router.get(
    "/{slug}/members/{number}/checks",
    response={200: CheckPage, **READ_ERRORS},
    summary="A member's checks (coordinators)",
)
def member_checks(request, slug: Slug, number: MemberNumber, page: Query[PageParams]):
    """Newest check first; a newer check of a kind replaces an older one."""
    community, membership = paths.coordinated_member(request, slug, number)
    rows, next_cursor = keyset_page(
        vetting_selectors.checks_for(community, membership.person),
        fields=("checked_on", "id"),
        kinds=(key_date, key_int),
        cursor=page.cursor,
        limit=page.limit,
        descending=True,
    )
    return {"items": [check_out(c) for c in rows], "next_cursor": next_cursor}


@router.post(
    "/{slug}/members/{number}/checks",
    response={201: CheckOut, **WRITE_ERRORS},
    summary="Record a check (coordinators)",
    auth=COORDINATOR_AUTH,
)
def member_check_record(request, slug: Slug, number: MemberNumber, payload: CheckIn):
    community, membership = paths.coordinated_member(request, slug, number)
    check = vetting_services.check_record(
        actor=request.user,
        community=community,
        person=membership.person,
        kind=payload.kind,
        result=payload.result,
        checked_on=payload.checked_on,
        expires_on=payload.expires_on,
        reference_number=payload.reference_number,
        note=payload.note,
    )
    return Status(201, check_out(check))


@router.get(
    "/{slug}/members/{number}/history",
    response={200: HistoryPage, **READ_ERRORS},
    summary="A member's history (coordinators)",
)
def member_history(request, slug: Slug, number: MemberNumber, page: Query[PageParams]):
    """Every recorded change about the member in this community, newest first."""
    community, membership = paths.coordinated_member(request, slug, number)
    rows, next_cursor = keyset_page(
        history_selectors.person_history_events(community, membership.person),
        fields=("created_at", "id"),
        kinds=(key_datetime, key_int),
        cursor=page.cursor,
        limit=page.limit,
        descending=True,
    )
    return {"items": [_event_out(e) for e in rows], "next_cursor": next_cursor}


@router.post(
    "/{slug}/members/{number}/offboard",
    response={200: MemberOut, **WRITE_ERRORS},
    summary="A member leaves (coordinators)",
    auth=COORDINATOR_AUTH,
)
def member_offboard(request, slug: Slug, number: MemberNumber, payload: OffboardIn):
    """Archive the membership. When they belong to no other community their personal details are
    removed; the ledger and history stay, unnamed."""
    community, membership = paths.coordinated_member(request, slug, number)
    membership = offboarding_services.member_offboard(
        actor=request.user,
        membership=membership,
        reason=payload.reason,
        pseudonymise=payload.pseudonymise,
    )
    return _single_member_out(request, community, membership)
