"""Agencies, their staff and the co-production roles they publish.

Members of a community see its active agencies and published roles; outsiders get 404.
Coordinators add and archive agencies; an agency's admins and the coordinators change it, its
staff and its roles (403 `not_agency_admin` for anyone else). Staff are named by member number.
None of these writes moves hours, so none needs an `Idempotency-Key`. Text is returned as written:
plain text, escape it when you show it in HTML."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpResponse
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.coproduction import access
from coproduce.coproduction.access import access_manage_agency, access_staff_work
from coproduce.coproduction.models import AgencyKind, AgencyRole, RoleStatus
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.coproduction.selectors import calendars
from coproduce.coproduction.services import agencies as agencies_services
from coproduce.core import limits
from coproduce.core.errors import NotFound

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..schemas import READ_ERRORS, WRITE_ERRORS, MemberNumber, MemberRef, ObjectId, Slug

router = Router(tags=["agencies"])

AgencySlug = Annotated[
    str,
    Path(
        ...,
        pattern=r"^[-a-zA-Z0-9_]+$",
        max_length=80,
        description="The agency's web address name, e.g. `riverside-health-centre`.",
    ),
]


# Shapes --------------------------------------------------------------------------------------


class AgencyOut(Schema):
    slug: str = Field(
        description="Unique in the community; made from the name when the agency is added."
    )
    name: str
    kind: AgencyKind
    description: str
    place: str
    website: str
    is_archived: bool
    created_at: dt.datetime
    calendar_url: str = Field(description="The agency's public iCalendar feed of sessions.")


class AgencyList(Schema):
    items: list[AgencyOut]


class AgencyIn(Schema):
    name: str = Field(min_length=1, max_length=limits.NAME)
    kind: AgencyKind
    description: str = Field("", max_length=limits.DESCRIPTION)
    place: str = Field("", max_length=limits.LINE, description="A public address or place name.")
    website: str = Field(
        "", max_length=limits.LINE, description="A full http(s) address, or empty."
    )


class AgencyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=limits.NAME)
    kind: AgencyKind | None = None
    description: str | None = Field(None, max_length=limits.DESCRIPTION)
    place: str | None = Field(None, max_length=limits.LINE)
    website: str | None = Field(None, max_length=limits.LINE)
    is_archived: bool | None = Field(
        None,
        description="`true` archives the agency (coordinators; cannot be undone "
        "here) and its roles; `false` is refused for an archived one.",
    )


class StaffOut(Schema):
    member_number: int | None = Field(description="Null when the person is no longer a member.")
    display_name: str
    role: AgencyRole
    job_title: str
    since: dt.datetime


class StaffList(Schema):
    items: list[StaffOut]


class StaffIn(Schema):
    member: MemberRef
    role: AgencyRole = AgencyRole.STAFF
    job_title: str = Field("", max_length=limits.LABEL)


class RoleOut(Schema):
    id: int
    agency: str = Field(description="The agency's slug.")
    agency_name: str
    title: str
    description: str = Field(description="What the person will do alongside staff.")
    commitment: str
    vetting_level: int = Field(description="0 not yet checked, 1 ID checked, 2 enhanced check.")
    training: list[str] = Field(description="Names of training to have completed.")
    min_age: int | None
    max_age: int | None
    remote_ok: bool
    staff_lead: str | None = Field(description="The staff lead's name.")
    status: RoleStatus
    credits_per_hour_percent: int = Field(
        description="The community rule: 100 means 1 hour earns 1 hour of credit."
    )
    calendar_url: str | None = Field(description="The role's iCalendar feed of sessions.")
    eligibility: list[str] = Field(
        description="Why you may not take the role on yet, in plain words; empty if you may."
    )


class RolePage(Schema):
    items: list[RoleOut]
    next_cursor: str | None


class RoleQuery(Schema):
    q: str = Field(
        "",
        max_length=limits.SEARCH,
        description="Words in the title, description, commitment or agency name.",
    )
    agency: str | None = Field(
        None, max_length=limits.SHORT_NAME, description="Only this agency's roles (its slug)."
    )
    remote: bool | None = Field(
        None, description="Only roles that can (true) or cannot (false) be done from home."
    )
    limit: int = Field(agencies_selectors.ROLES_PAGE, ge=1, le=agencies_selectors.ROLES_MAX_LIMIT)
    cursor: str | None = Field(
        None, max_length=limits.CURSOR, description="The `next_cursor` of the previous page."
    )


Age = Annotated[int, Field(strict=True, ge=0, le=120)]


class RoleIn(Schema):
    agency: str = Field(
        min_length=1, max_length=limits.SHORT_NAME, description="The agency's slug."
    )
    title: str = Field(min_length=1, max_length=limits.NAME)
    description: str = Field(min_length=1, max_length=limits.DESCRIPTION)
    commitment: str = Field(
        min_length=1, max_length=limits.LINE, examples=["2 hours a week for 3 months"]
    )
    vetting_level: int = Field(0, ge=0, le=2)
    training: list[Annotated[str, Field(min_length=1, max_length=limits.LABEL)]] = Field(
        [], max_length=agencies_services.MAX_TRAINING
    )
    min_age: Age | None = None
    max_age: Age | None = None
    remote_ok: bool = False
    staff_lead: MemberRef | None = Field(None, description="A member of the agency's staff.")


class RolePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=limits.NAME)
    description: str | None = Field(None, min_length=1, max_length=limits.DESCRIPTION)
    commitment: str | None = Field(None, min_length=1, max_length=limits.LINE)
    vetting_level: int | None = Field(None, ge=0, le=2)
    training: list[Annotated[str, Field(min_length=1, max_length=limits.LABEL)]] | None = Field(
        None, max_length=agencies_services.MAX_TRAINING
    )
    min_age: Age | None = None
    max_age: Age | None = None
    remote_ok: bool | None = None
    staff_lead: MemberRef | None = Field(None, description="null: nobody.")


# Helpers -------------------------------------------------------------------------------------


def _agency_out(agency) -> dict:
    return {
        "slug": agency.slug,
        "name": agency.name,
        "kind": agency.kind,
        "description": agency.description,
        "place": agency.place,
        "website": agency.website,
        "is_archived": agency.is_archived,
        "created_at": agency.created_at,
        "calendar_url": calendars.agency_calendar_url(agency),
    }


def _calendar_url(role) -> str | None:
    if role.status != RoleStatus.PUBLISHED:
        return None
    return calendars.role_calendar_url(role)


def _role_out(role, viewer, percent: int) -> dict:
    return {
        "id": role.pk,
        "agency": role.agency.slug,
        "agency_name": role.agency.name,
        "title": role.title,
        "description": role.description,
        "commitment": role.commitment,
        "vetting_level": role.vetting_level,
        "training": role.training,
        "min_age": role.min_age,
        "max_age": role.max_age,
        "remote_ok": role.remote_ok,
        "staff_lead": role.staff_lead.display_name if role.staff_lead else None,
        "status": role.status,
        "credits_per_hour_percent": percent,
        "calendar_url": _calendar_url(role),
        "eligibility": agencies_selectors.eligibility(viewer, role),
    }


def _community(request, slug: str):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community


def _agency(request, slug: str, agency_slug: str):
    community = _community(request, slug)
    agency = agencies_selectors.agency_by_slug(community, agency_slug)
    if agency.is_archived and not access.can_manage(request.user, agency):
        raise NotFound("No such agency.")
    return community, agency


def _role(request, slug: str, role_id: int):
    community = _community(request, slug)
    return community, agencies_selectors.role_get(community, request.user, role_id)


def _role_values(community, data: dict) -> dict:
    if "staff_lead" in data:
        data["staff_lead"] = paths.member_named(community, data["staff_lead"], "staff_lead")
    return data


# Agencies ------------------------------------------------------------------------------------


@router.get("/{slug}/agencies", response={200: AgencyList, **READ_ERRORS}, summary="Agencies")
def agency_list(request, slug: Slug):
    """The community's active agencies, by name."""
    community = _community(request, slug)
    return {"items": [_agency_out(a) for a in agencies_selectors.agencies_of(community)]}


@router.post(
    "/{slug}/agencies",
    response={201: AgencyOut, **WRITE_ERRORS},
    summary="Add an agency",
    auth=COORDINATOR_AUTH,
)
def agency_create(request, slug: Slug, payload: AgencyIn):
    """Coordinators only (403 otherwise). The agency gets its own hours account. 422 for a bad
    kind or website."""
    community = _community(request, slug)
    agency = agencies_services.agency_create(
        actor=request.user, community=community, **payload.dict()
    )
    return Status(201, _agency_out(agency))


@router.get(
    "/{slug}/agencies/{agency_slug}", response={200: AgencyOut, **READ_ERRORS}, summary="An agency"
)
def agency_detail(request, slug: Slug, agency_slug: AgencySlug):
    """Archived agencies only for those who manage them."""
    _community, agency = _agency(request, slug, agency_slug)
    return _agency_out(agency)


@router.patch(
    "/{slug}/agencies/{agency_slug}",
    response={200: AgencyOut, **WRITE_ERRORS},
    summary="Change an agency",
)
def agency_update(request, slug: Slug, agency_slug: AgencySlug, payload: AgencyPatch):
    """Agency admins and coordinators; fields left out stay. `is_archived: true` archives it
    (coordinators only). 409 `agency_archived` for an archived agency."""
    _community, agency = _agency(request, slug, agency_slug)
    data = payload.dict(exclude_unset=True)
    archive = data.pop("is_archived", None)
    values = {k: v for k, v in data.items() if v is not None}
    if values or archive is False:
        agency = agencies_services.agency_update(actor=request.user, agency=agency, **values)
    if archive:
        agency = agencies_services.agency_archive(actor=request.user, agency=agency)
    return _agency_out(agency)


@router.get(
    "/{slug}/agencies/{agency_slug}/staff",
    response={200: StaffList, **READ_ERRORS},
    summary="An agency's staff",
)
def staff_list(request, slug: Slug, agency_slug: AgencySlug):
    """Current staff, admins first: for the agency's staff and the community's coordinators."""
    community, agency = _agency(request, slug, agency_slug)
    access_staff_work(request.user, agency)
    staff = list(agencies_selectors.staff_of(agency))
    numbers = memberships_selectors.member_numbers(community, {s.person_id for s in staff})
    return {
        "items": [
            {
                "member_number": numbers.get(s.person_id),
                "display_name": s.person.display_name,
                "role": s.role,
                "job_title": s.job_title,
                "since": s.created_at,
            }
            for s in staff
        ]
    }


@router.post(
    "/{slug}/agencies/{agency_slug}/staff",
    response={201: StaffOut, **WRITE_ERRORS},
    summary="Add a member to the staff",
)
def staff_add(request, slug: Slug, agency_slug: AgencySlug, payload: StaffIn):
    """Agency admins and coordinators. 422 `unknown_member` for a number that is not an active
    member; 409 `already_staff`, `agency_archived`."""
    community, agency = _agency(request, slug, agency_slug)
    access_manage_agency(request.user, agency)
    person = paths.members_named(community, [payload.member], "member")[0]
    staff = agencies_services.staff_add(
        actor=request.user,
        agency=agency,
        person=person,
        role=payload.role,
        job_title=payload.job_title,
    )
    number = memberships_selectors.member_numbers(community, {person.pk}).get(person.pk)
    return Status(
        201,
        {
            "member_number": number,
            "display_name": person.display_name,
            "role": staff.role,
            "job_title": staff.job_title,
            "since": staff.created_at,
        },
    )


@router.delete(
    "/{slug}/agencies/{agency_slug}/staff/{number}",
    response={204: None, **WRITE_ERRORS},
    summary="Take someone off the staff",
)
def staff_remove(request, slug: Slug, agency_slug: AgencySlug, number: MemberNumber):
    """Agency admins and coordinators. 404 for someone not on the staff; 409 `last_admin` for the
    agency's only admin."""
    community, agency = _agency(request, slug, agency_slug)
    access_manage_agency(request.user, agency)
    membership = memberships_selectors.membership_by_number(community, number)
    agencies_services.staff_remove(actor=request.user, agency=agency, person=membership.person)
    return HttpResponse(status=204)


# Roles ---------------------------------------------------------------------------------------


@router.get(
    "/{slug}/roles", response={200: RolePage, **READ_ERRORS}, summary="Search roles alongside staff"
)
def role_search(request, slug: Slug, query: Query[RoleQuery]):
    """Published roles of the community's active agencies, by title, a page at a time."""
    community = _community(request, slug)
    page = agencies_selectors.roles_search(
        community,
        request.user,
        q=query.q or None,
        agency=query.agency or None,
        remote=query.remote,
        cursor=query.cursor,
        limit=query.limit,
    )
    percent = agencies_selectors.credits_per_hour_percent(community)
    return {
        "items": [_role_out(r, request.user, percent) for r in page.roles],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/{slug}/roles", response={201: RoleOut, **WRITE_ERRORS}, summary="Add a role (a draft)"
)
def role_create(request, slug: Slug, payload: RoleIn):
    """Agency admins and coordinators (403 `not_agency_admin`). 422 for a staff lead not on the
    staff or `min_age` above `max_age`; 409 `agency_archived`. Publish it to show it to members."""
    community = _community(request, slug)
    data = payload.dict()
    agency = agencies_selectors.agency_by_slug(community, data.pop("agency"))
    access_manage_agency(request.user, agency)
    role = agencies_services.role_create(
        actor=request.user, agency=agency, **_role_values(community, data)
    )
    return Status(
        201, _role_out(role, request.user, agencies_selectors.credits_per_hour_percent(community))
    )


@router.get("/{slug}/roles/{role_id}", response={200: RoleOut, **READ_ERRORS}, summary="A role")
def role_detail(request, slug: Slug, role_id: ObjectId):
    """Published roles for members; drafts and archived ones for those who manage the agency."""
    community, role = _role(request, slug, role_id)
    return _role_out(role, request.user, agencies_selectors.credits_per_hour_percent(community))


@router.patch(
    "/{slug}/roles/{role_id}", response={200: RoleOut, **WRITE_ERRORS}, summary="Change a role"
)
def role_update(request, slug: Slug, role_id: ObjectId, payload: RolePatch):
    """Fields left out stay. 409 `role_archived`, `agency_archived`."""
    community, role = _role(request, slug, role_id)
    data = payload.dict(exclude_unset=True)
    for name in ("title", "description", "commitment", "vetting_level", "training", "remote_ok"):
        if name in data and data[name] is None:
            data.pop(name)
    role = agencies_services.role_update(
        actor=request.user, role=role, **_role_values(community, data)
    )
    return _role_out(role, request.user, agencies_selectors.credits_per_hour_percent(community))


@router.post(
    "/{slug}/roles/{role_id}/publish",
    response={200: RoleOut, **WRITE_ERRORS},
    summary="Publish a role",
)
def role_publish(request, slug: Slug, role_id: ObjectId):
    """Shows a draft to members. 409 `role_published` or `role_archived`."""
    community, role = _role(request, slug, role_id)
    role = agencies_services.role_publish(actor=request.user, role=role)
    return _role_out(role, request.user, agencies_selectors.credits_per_hour_percent(community))


@router.post(
    "/{slug}/roles/{role_id}/archive",
    response={200: RoleOut, **WRITE_ERRORS},
    summary="Archive a role",
)
def role_archive(request, slug: Slug, role_id: ObjectId):
    """Takes it down for good. 409 `role_archived`."""
    community, role = _role(request, slug, role_id)
    role = agencies_services.role_archive(actor=request.user, role=role)
    return _role_out(role, request.user, agencies_selectors.credits_per_hour_percent(community))
