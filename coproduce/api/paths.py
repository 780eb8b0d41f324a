"""From path parameters to objects, with the caller's token scope applied.

A token made for one community finds no other community, and every "not there" and "not yours"
gets the same message, so a 404 never hints that a community or member exists.

The access steps at the end (`members_step`, `coordinators_step`, `visible_step`,
`reference_link_step`) run in ninja's authentication, that is after the caller is known and
before the request body is read (see auth.py): access first, then parsing."""

from __future__ import annotations

from coproduce.communities import access
from coproduce.communities.models import Community, Membership, Person
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors import references as references_selectors
from coproduce.core.errors import NotFound, PermissionDenied, ValidationFailed
from coproduce.exchanges import access as exchange_access
from coproduce.exchanges.models import Exchange
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.ledger import access as ledger_access
from coproduce.ledger.models import Account
from coproduce.ledger.selectors import accounts as accounts_selectors

NO_COMMUNITY = "No such community, or you are not a member of it."


def token_community_id(request) -> int | None:
    token = getattr(request, "access_token", None)
    return token.community_id if token is not None else None


def community(request, slug: str) -> Community:
    """The community in the path, if the caller's token may reach it (existence only; the
    caller's rights are checked by the access helpers). Looked up once per request: the access
    step finds it first and the route gets the same row (for a member, the one read with their
    memberships: `access.community_named`)."""
    found = getattr(request, "path_community", None)
    if found is None or found.slug != slug:
        try:
            found = access.community_named(getattr(request, "user", None), slug)
        except NotFound:
            raise NotFound(NO_COMMUNITY) from None
        request.path_community = found
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
    membership = memberships_selectors.membership_by_number(found, number)
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


# Hours: exchanges, accounts, transfers ---------------------------------------------------------


def client_key(request, key: str) -> str:
    """The Idempotency-Key header, made the caller's own: two people choosing the same key never
    see each other's results."""
    return f"p{request.user.pk}:{key}"


def members_named(community: Community, refs: list[int | str], field: str) -> list[Person]:
    """The active members that member numbers in a request body name ("RIV-0042" or 42), in
    order. Raises ValidationFailed naming the field and the numbers not found."""
    return [m.person for m in memberships_named(community, refs, field)]


def memberships_named(community: Community, refs: list[int | str], field: str) -> list[Membership]:
    numbers = [member_refs_selectors.member_number_in(community, ref) for ref in refs]
    found = memberships_selectors.active_members_by_number(
        community, {n for n in numbers if n is not None}
    )
    missing = [
        str(ref) for ref, n in zip(refs, numbers, strict=True) if n is None or n not in found
    ]
    if missing:
        raise ValidationFailed(
            f"No active member of {community.name} has the number {', '.join(missing)}.",
            code="unknown_member",
            fields={field: [f"Not a member here: {m}." for m in missing]},
        )
    return [found[n] for n in numbers if n is not None]


def member_named(found: Community, ref: int | str | None, field: str) -> Person | None:
    """The active member one member number names, or None when none is given."""
    return members_named(found, [ref], field)[0] if ref is not None else None


def acting_member(request, found: Community, ref: int | str | None) -> Person:
    """Whom a member action is for: the caller, or the member a coordinator names in
    `on_behalf_of` (members naming someone else get 403; access.access_act_for)."""
    target = memberships_named(found, [ref], "on_behalf_of")[0] if ref is not None else None
    return access.access_act_for(request.user, found, target)


def on_behalf_of(request, person: Person) -> Person | None:
    """What the services take as `on_behalf_of`: the person acted for, or None for oneself."""
    return access.on_behalf_of(request.user, person)


def exchange(request, slug: str, exchange_id: int) -> tuple[Community, Exchange]:
    """An exchange the caller may see: its participants and the community's coordinators."""
    found = community(request, slug)
    member_community(request, found)
    item = exchanges_selectors.exchange_get(found, exchange_id)
    exchange_access.access_exchange(request.user, item)
    return found, item


def coordinated_exchange(request, slug: str, exchange_id: int) -> tuple[Community, Exchange]:
    found = coordinated_community(request, slug)
    return found, exchanges_selectors.exchange_get(found, exchange_id)


def account(request, slug: str, account_id: int) -> tuple[Community, Account]:
    """An hours account the caller may see: their own, or any for coordinators."""
    found = community(request, slug)
    member_community(request, found)
    item = accounts_selectors.account_get(found, account_id)
    ledger_access.access_account(request.user, found, item)
    return found, item


# Access steps: before the body is read ----------------------------------------------------------


def _path_value(request, name: str) -> str | None:
    """A path parameter as it came in the URL, before ninja converts and checks it."""
    match = getattr(request, "resolver_match", None)
    value = match.kwargs.get(name) if match is not None else None
    return value if isinstance(value, str) else None


def members_step(request) -> None:
    """The default for signed-in operations: under /communities/{slug}/, members of that
    community (and operators) only; elsewhere (/me) being signed in is the access."""
    slug = _path_value(request, "slug")
    if slug is not None:
        member_community(request, community(request, slug))


def coordinators_step(request) -> None:
    """Writes only the community's coordinators (and operators) may make."""
    slug = _path_value(request, "slug")
    if slug is not None:
        coordinated_community(request, slug)


def visible_step(request) -> None:
    """Operations open to anyone: the community in the path must be one the caller may see."""
    slug = _path_value(request, "slug")
    if slug is not None:
        community_visible(request, slug)


def reference_link_step(request) -> None:
    """A referee's answer: the link in the path must be a real one."""
    token = _path_value(request, "token")
    if token is not None:
        references_selectors.reference_by_token(token)
