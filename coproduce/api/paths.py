"""From path parameters to objects, with the caller's token scope applied.

A token made for one community finds no other community, and every "not there" and "not yours"
gets the same message, so a 404 never hints that a community or member exists."""

from __future__ import annotations

from coproduce.communities import access, selectors
from coproduce.communities.models import Community, Membership
from coproduce.core.errors import NotFound, PermissionDenied

NO_COMMUNITY = "No such community, or you are not a member of it."


def token_community_id(request) -> int | None:
    token = getattr(request, "access_token", None)
    return token.community_id if token is not None else None


def community(request, slug: str) -> Community:
    """The community in the path, if the caller's token may reach it (existence only; the
    caller's rights are checked by the access helpers)."""
    try:
        found = selectors.community_get(slug)
    except NotFound:
        raise NotFound(NO_COMMUNITY) from None
    scope = token_community_id(request)
    if scope is not None and scope != found.pk:
        raise NotFound(NO_COMMUNITY)
    return found


def community_visible(request, slug: str) -> Community:
    """A community anyone may look at: listed ones to all, unlisted ones to their members."""
    found = community(request, slug)
    if not found.is_listed:
        member_community(request, found)
    return found


def member_community(request, found: Community) -> Membership:
    try:
        return access.access_community(request.user, found)
    except NotFound:
        raise NotFound(NO_COMMUNITY) from None


def coordinated_community(request, slug: str) -> Community:
    found = community(request, slug)
    member_community(request, found)
    access.access_coordinate(request.user, found)
    return found


def member(request, found: Community, number: int) -> Membership:
    """A member of `found` whom the caller (already known to belong) may look up."""
    membership = selectors.membership_by_number(found, number)
    access.access_member_record(request.user, found, membership)
    return membership


def unscoped_token_only(request) -> None:
    """Managing tokens and exporting everything need a token not limited to one community."""
    if token_community_id(request) is not None:
        raise PermissionDenied(
            "This token only works for one community; use the website or an unrestricted token.",
            code="token_scope",
        )


def coordinated_member(request, slug: str, number: int) -> tuple[Community, Membership]:
    """A member of a community the caller coordinates (members get 403, outsiders 404)."""
    found = coordinated_community(request, slug)
    return found, member(request, found, number)
