"""API routes, grouped by what they are about."""

from __future__ import annotations

from ninja import Router, Schema

from coproduce.communities import access, selectors

from .schemas import Error
from .urls import api

ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}

communities_router = Router(tags=["communities"])
me_router = Router(tags=["me"])


class CommunityOut(Schema):
    slug: str
    name: str
    area_description: str
    timezone: str
    language: str
    my_roles: list[str]


@communities_router.get("", response={200: list[CommunityOut], **ERRORS}, summary="List communities")
def communities_list(request):
    """Communities open to applications, with your roles in each."""
    return [
        CommunityOut(
            slug=c.slug, name=c.name, area_description=c.area_description, timezone=c.timezone,
            language=c.language, my_roles=sorted(access.roles_in(request.user, c)),
        )
        for c in selectors.communities_listed()
    ]


class MembershipOut(Schema):
    community: str
    member_number: str
    status: str
    roles: list[str]


class MeOut(Schema):
    id: int
    full_name: str
    known_as: str
    email: str | None
    username: str | None
    memberships: list[MembershipOut]


@me_router.get("", response={200: MeOut, **ERRORS}, summary="Who am I")
def me(request):
    person = request.user
    return MeOut(
        id=person.pk, full_name=person.full_name, known_as=person.known_as, email=person.email,
        username=person.username,
        memberships=[
            MembershipOut(community=m.community.slug, member_number=m.member_code, status=m.status,
                          roles=sorted(r.role for r in m.roles.all()))
            for m in selectors.memberships_of(person)
        ],
    )


api.add_router("/communities", communities_router)
api.add_router("/me", me_router)
