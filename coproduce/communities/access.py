"""Who may do what. Every permission check in views and the API goes through these helpers.

Outsiders get NotFound, never a hint that a community's members or records exist."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections

from coproduce.core.actors import Actor
from coproduce.core.errors import NotFound, PermissionDenied
from coproduce.core.rows import Columns

from .models import (
    CheckResult,
    Community,
    Membership,
    MembershipRole,
    MembershipStatus,
    Person,
    Role,
    Visibility,
)
from .selectors.communities import community_get, rules_for
from .selectors.memberships import active_membership, coordinator_to_ask
from .selectors.rules import ACTIVITY_TYPES, CHANGING_RULES, RULES, VETTING_LEVELS
from .selectors.vetting import checks_missing


def memberships_with_roles(person: Person) -> dict[int, tuple[Membership, set[str]]]:
    """{community id: (membership, its roles)} for a person's active and suspended memberships,
    loaded once per request object (the navigation and every access helper below read it).

    A suspended member is still a member for reading, messaging a coordinator and appealing
    (`access_not_suspended` refuses every write), so their membership is here; their roles are
    kept in the database for when the suspension ends but are not given here: while suspended
    nobody acts as a coordinator, steward or anything else (docs/features/governance.md,
    "Sanctions")."""
    cache = getattr(person, "_coproduce_roles", None)
    if cache is None:
        cache = {}
        # One statement, written out once (every request asks: core/rows.py says why): a row
        # per role (one with no role for a membership without any), the membership and its
        # community repeated on each, in the memberships' own order. The same instances as
        # Membership.objects.filter(...).select_related("community") gives
        # (tests/communities/test_access.py compares them).
        sql, memberships, communities = _memberships_statement(connection.alias)
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [person.pk, MembershipStatus.ACTIVE.value, MembershipStatus.SUSPENDED.value]
            )
            rows = cursor.fetchall()
        split, at = len(memberships), memberships.attnames.index("community_id")
        status_at = memberships.attnames.index("status")
        for row in rows:
            community_id = row[at]
            entry = cache.get(community_id)
            if entry is None:
                membership = memberships.instance(row[:split])
                membership.community = communities.instance(row[split:-1])
                entry = cache[community_id] = (membership, set())
            if row[-1] and row[status_at] == MembershipStatus.ACTIVE.value:
                entry[1].add(row[-1])
        setattr(person, "_coproduce_roles", cache)  # noqa: B010 - a per-request cache on the instance
    return cache


@functools.cache
def _memberships_statement(
    using: str,
) -> tuple[str, Columns[Membership], Columns[Community]]:
    quote = connections[using].ops.quote_name
    memberships = Columns(Membership, "m", using=using)
    communities = Columns(Community, "c", using=using)
    m, r = Membership._meta, MembershipRole._meta

    def col(model_meta, name: str) -> str:
        return quote(str(model_meta.get_field(name).column))

    sql = (
        f"SELECT {memberships.sql}, {communities.sql}, {quote('r')}.{col(r, 'role')}"  # noqa: S608
        f" FROM {quote(m.db_table)} {quote('m')}"
        f" INNER JOIN {quote(Community._meta.db_table)} {quote('c')}"
        f" ON {quote('c')}.{col(Community._meta, 'id')} = {quote('m')}.{col(m, 'community')}"
        f" LEFT OUTER JOIN {quote(r.db_table)} {quote('r')}"
        f" ON {quote('r')}.{col(r, 'membership')} = {quote('m')}.{col(m, 'id')}"
        f" WHERE {quote('m')}.{col(m, 'person')} = %s"
        f" AND {quote('m')}.{col(m, 'status')} IN (%s, %s)"
        f" ORDER BY {quote('m')}.{col(m, 'community')}, {quote('m')}.{col(m, 'number')}"
    )
    return sql, memberships, communities


def forget_roles(person: Person) -> None:
    if hasattr(person, "_coproduce_roles"):
        del person._coproduce_roles


def community_named(viewer: Person | AnonymousUser | None, slug: str) -> Community:
    """The community `slug` names. For a signed-in member of it, the one read with their
    memberships (`memberships_with_roles`, which every access helper loads once per request
    anyway): no query of its own; otherwise one. Raises NotFound."""
    if viewer is not None and viewer.is_authenticated:
        for membership, _roles in memberships_with_roles(viewer).values():
            if membership.community.slug == slug:
                return membership.community
    return community_get(slug)


def membership_of(person: Person | AnonymousUser | None, community: Community) -> Membership | None:
    if person is None or not person.is_authenticated:
        return None
    entry = memberships_with_roles(person).get(community.pk)
    return entry[0] if entry else None


def roles_in(person: Person | AnonymousUser | None, community: Community) -> set[str]:
    if person is None or not person.is_authenticated:
        return set()
    entry = memberships_with_roles(person).get(community.pk)
    roles = set(entry[1]) if entry else set()
    if getattr(person, "is_operator", False):
        roles.add("operator")
    return roles


def is_coordinator(person, community: Community) -> bool:
    roles = roles_in(person, community)
    return Role.COORDINATOR in roles or "operator" in roles


def access_operate(person) -> None:
    """Running the install (creating communities): operators only, who have passed the same
    sign-in and second factor as everyone (the middleware and the API's token check see to that)."""
    if person is None or not person.is_authenticated:
        raise PermissionDenied("Sign in first.", code="not_authenticated")
    if not getattr(person, "is_operator", False):
        raise PermissionDenied("Only the install's operators can do this.", code="operators_only")


def access_community(person, community: Community) -> Membership:
    """The viewer's membership (active or suspended: a suspended member still reads), or NotFound
    for anyone outside the community. A write asks `access_not_suspended` too."""
    membership = membership_of(person, community)
    if membership is None:
        if getattr(person, "is_operator", False):
            # Operators see every community but are not members of it.
            return Membership(community=community, person=person, number=0)
        raise NotFound("No such community, or you are not a member of it.")
    return membership


def access_coordinate(person, community: Community) -> None:
    """Coordinators (and operators) of this community only; a suspended coordinator is refused
    with the one suspension error (`suspended`)."""
    access_community(person, community)
    access_not_suspended(person, community)
    if not is_coordinator(person, community):
        raise PermissionDenied(
            "Only the community's coordinators can do this.", code="coordinators_only"
        )


# Suspension -------------------------------------------------------------------------------------
# A suspended member reads, messages a coordinator and appeals; every other write refuses with
# the one error below, raised from here (tests/governance/test_suspension.py walks them all).
# When it ends is governance's to say (its sanctions): governance hands the reader over at
# start-up (governance/apps.py), so communities imports no other app.
SuspensionEnds = Callable[[Membership], "dt.datetime | None"]
_suspension_ends: list[SuspensionEnds] = []


def suspension_ends_reader_set(reader: SuspensionEnds) -> None:
    """Governance says when a suspension ends (None: until an exclusion is decided)."""
    _suspension_ends[:] = [reader]


def is_suspended(person, community: Community) -> bool:
    membership = membership_of(person, community)
    return membership is not None and membership.status == MembershipStatus.SUSPENDED


def suspension_refusal(person, community: Community, *, viewer=None) -> PermissionDenied | None:
    """The one error every write gives a suspended member (code `suspended`); None otherwise.
    Said to `viewer` (default: the person themself; a coordinator acting for them)."""
    membership = membership_of(person, community)
    if membership is None or membership.status != MembershipStatus.SUSPENDED:
        return None
    ends = _suspension_ends[0](membership) if _suspension_ends else None
    until = f" until {ends:%-d %B %Y}" if ends is not None else ""
    if viewer is not None and getattr(viewer, "pk", None) != person.pk:
        return PermissionDenied(
            f"{person.display_name}'s membership of {community.name} is suspended{until}; they "
            "can read, message a coordinator and appeal.",
            code="suspended",
        )
    return PermissionDenied(
        f"Your membership of {community.name} is suspended{until}; you can read, message a "
        "coordinator and appeal.",
        code="suspended",
    )


def access_not_suspended(person, community: Community, *, viewer=None) -> None:
    """Refuse a write by (or for) a suspended member of `community` with the one error,
    PermissionDenied `suspended`."""
    refusal = suspension_refusal(person, community, viewer=viewer)
    if refusal is not None:
        raise refusal


# Acting for a member ------------------------------------------------------------------------------
# A coordinator may act for a member of their community: on the web by choosing "act for" (the
# session keeps the membership), in the API by naming them in `on_behalf_of`. One rule for both.


def acting_for_membership(actor: Actor, membership_id: int) -> Membership | None:
    """The membership a coordinator acts for (kept in their session), while it is active and they
    still coordinate its community; None otherwise, and the session should forget it."""
    membership = active_membership(membership_id)
    if membership is not None and is_coordinator(actor, membership.community):
        return membership
    return None


def access_act_for(actor, community: Community, target: Membership | None) -> Person:
    """Whom an action in `community` is for: the actor when `target` is None or their own
    membership, otherwise the member of `target`, for a coordinator of the community. Acting for a
    member of another community is refused rather than quietly acting as the coordinator; members
    naming someone else are refused (access_coordinate)."""
    if target is None or target.person_id == actor.pk:
        return actor
    if target.community_id != community.pk:
        raise PermissionDenied(
            f"You are acting for {target.person.display_name} in {target.community.name}. "
            "Stop acting for them to use this community's pages."
        )
    access_coordinate(actor, community)
    return target.person


def on_behalf_of(actor, person: Person) -> Person | None:
    """What the services take as `on_behalf_of`: the person acted for, or None for oneself."""
    return person if person.pk != actor.pk else None


def access_manage_rules(person, community: Community) -> None:
    access_community(person, community)
    access_not_suspended(person, community)
    roles = roles_in(person, community)
    if not roles & {Role.COORDINATOR, Role.STEWARD, "operator"}:
        raise PermissionDenied(
            "Only coordinators and stewards can change the rulebook.", code="forbidden"
        )


def access_member_record(person, community: Community, membership: Membership) -> None:
    """A member of the community may see another member's directory entry."""
    access_community(person, community)
    if membership.community_id != community.pk:
        raise NotFound("No such member.")
    if (
        membership.status != MembershipStatus.ACTIVE
        and membership.person_id != getattr(person, "pk", None)  # a suspended member's own page
        and not is_coordinator(person, community)
    ):
        raise NotFound("No such member.")


def access_edit_person(actor: Actor, person: Person) -> None:
    """A person edits themselves; a coordinator edits a member of a community they coordinate."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("Sign in first.", code="not_authenticated")
    if actor.pk == person.pk:
        return
    if getattr(actor, "is_operator", False):
        return
    coordinated = {
        cid
        for cid, (_, roles) in memberships_with_roles(actor).items()
        if Role.COORDINATOR in roles
    }
    if (
        coordinated
        and Membership.objects.filter(person=person, community_id__in=coordinated).exists()
    ):
        return
    raise NotFound("No such member.")


def shares_community(viewer, person: Person) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    mine = set(memberships_with_roles(viewer))
    theirs = set(memberships_with_roles(person))
    return bool(mine & theirs)


def coordinates_person(viewer, person: Person) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    if getattr(viewer, "is_operator", False):
        return True
    coordinated = {
        cid
        for cid, (_, roles) in memberships_with_roles(viewer).items()
        if Role.COORDINATOR in roles
    }
    return (
        bool(coordinated)
        and Membership.objects.filter(person=person, community_id__in=coordinated).exists()
    )


def can_see(
    viewer, person: Person, visibility: str, *, viewer_coordinates: bool, shared: bool
) -> bool:
    """Whether a field with this visibility setting may be shown to the viewer."""
    if viewer is not None and viewer.is_authenticated and viewer.pk == person.pk:
        return True
    if viewer_coordinates:
        return True
    if visibility == Visibility.PUBLIC:
        return True
    if visibility == Visibility.MEMBERS:
        return shared
    return False


# How a refusal names each kind of activity at the start of its sentence.
ACTIVITY_LEAD = {
    "group_activity": "A group activity in a public place",
    "one_to_one": "One-to-one help in a public place",
    "home_visit": "A visit to a member's home",
}
_CHECK_NAMES = {"id_seen": "ID check", "background_check": "background (DBS) check"}
_LEVEL_CHECKS = {1: "an ID check", 2: "an ID check and a background (DBS) check"}


def activity_level_needed(community: Community, activity: str) -> int:
    """The check level the community's rule asks for this kind of activity
    (`vetting_<activity>`)."""
    if activity not in ACTIVITY_TYPES:
        raise NotFound("No such kind of activity.")
    return rules_for(community)[f"vetting_{activity}"]


def _whose(person: Person, viewer) -> tuple[str, str]:
    """("You", "Your") for the person themself, their name otherwise."""
    if viewer is None or getattr(viewer, "pk", None) == person.pk:
        return "You", "Your"
    return person.display_name, f"{person.display_name}'s"


def _check_state(person: Person, viewer, kind: str, check) -> str:
    """One sentence on where the person stands with one check they still need."""
    who, whose = _whose(person, viewer)
    name = _CHECK_NAMES.get(kind, "check")
    if check is None:
        return (
            f"{who} {'have' if who == 'You' else 'has'} not had "
            f"{'an' if name[0] in 'aeiouAEIOU' else 'a'} {name} yet."
        )
    if check.result == CheckResult.PENDING:
        return f"{whose} {name} is waiting for its result."
    if check.result == CheckResult.FAILED:
        return f"{whose} {name} was not passed."
    return f"{whose} {name} ran out on {check.expires_on:%-d %B %Y}."


def vetting_refusal(
    person: Person, community: Community, needed: int, *, what: str, viewer=None
) -> str:
    """ "" when the person's checks in this community reach level `needed`; otherwise why not, in
    plain words: the level and the checks it asks for, where the person stands with each, and whom
    to ask. `what` starts the sentence ("One-to-one help in a public place", "This role").

    Said to `viewer` (default: the person themself). The person and the community's coordinators
    read where the person stands with each check; anyone else (the other member of an exchange)
    reads only that a check is still needed: a member's checks are not other members' business."""
    if needed <= 0:
        return ""
    missing = checks_missing(community, person, needed)
    if not missing:
        return ""
    first = (
        f"{what} needs the check level “{VETTING_LEVELS[needed]}” in {community.name}: "
        f"{_LEVEL_CHECKS[needed]}."
    )
    self_view = viewer is None or getattr(viewer, "pk", None) == person.pk
    if not self_view and not is_coordinator(viewer, community):
        return (
            f"{first} {person.display_name} has not had the check this needs yet; "
            f"a coordinator of {community.name} can arrange it."
        )
    states = " ".join(_check_state(person, viewer, kind, check) for kind, check in missing)
    if not self_view:
        return f"{first} {states} Record the check on their member page once it is done."
    coordinator = coordinator_to_ask(community)
    ask = (
        f"Ask a coordinator ({coordinator.person.display_name}) to arrange it."
        if coordinator is not None
        else f"Ask a coordinator of {community.name} to arrange it."
    )
    return f"{first} {states} {ask}"


def activity_refusal(person: Person, community: Community, activity: str, *, viewer=None) -> str:
    """ "" when the person may take on this kind of activity under the community's rule
    (`vetting_<activity>`); otherwise why not (see `vetting_refusal`)."""
    needed = activity_level_needed(community, activity)
    return vetting_refusal(person, community, needed, what=ACTIVITY_LEAD[activity], viewer=viewer)


def access_activity(person: Person, community: Community, activity: str, *, viewer=None) -> None:
    """Whether a person's vetting level lets them take on this kind of activity, under the
    community's rules. Raises PermissionDenied (`vetting_required`) naming the check needed and
    whom to ask; NotFound for an unknown kind of activity."""
    reason = activity_refusal(person, community, activity, viewer=viewer)
    if reason:
        raise PermissionDenied(reason, code="vetting_required")


def coordinator_may_change(rules: dict, key: str) -> bool:
    """Whether, under the rules in force, a coordinator or steward may change this rule alone:
    the rule `change_<area>` of its area says so, and never for the rules about changing rules
    (issue 12, part 3)."""
    area = RULES[key].area
    return area != CHANGING_RULES and rules.get(f"change_{area}") == "coordinator"


def can_manage_rules(person, community: Community) -> bool:
    """Whether to offer the rule-change form (the same test as access_manage_rules)."""
    return bool(roles_in(person, community) & {Role.COORDINATOR, Role.STEWARD, "operator"})


def access_member_card(person, community: Community, membership: Membership) -> None:
    """A member card carries the member number used at the door: only the member themselves and
    the community's coordinators may open it."""
    access_member_record(person, community, membership)
    if membership.person_id != getattr(person, "pk", None) and not is_coordinator(
        person, community
    ):
        raise PermissionDenied(
            "Only the member and the coordinators can open a member card.", code="forbidden"
        )


# Two-factor sign-in ---------------------------------------------------------------------------
# One policy, asked by every way in: the web pages (web.middleware), the API through a browser
# session and the API with a personal access token (api.auth).


def second_factor_required(person) -> bool:
    """Coordinators (of any community) and operators must sign in with a second factor. Demo
    accounts may be exempt; nobody else is."""
    if person is None or not person.is_authenticated or getattr(person, "mfa_exempt", False):
        return False
    if getattr(person, "is_operator", False):
        return True
    return coordinates_anywhere(person)


def coordinates_anywhere(person) -> bool:
    """Whether the person coordinates any community (their account guards more than their own)."""
    return any(Role.COORDINATOR in roles for _, roles in memberships_with_roles(person).values())


def has_second_factor(person) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


def second_factor_missing(person) -> bool:
    """Whether this person must set up two-factor sign-in before doing anything else."""
    return second_factor_required(person) and not has_second_factor(person)


def access_second_factor(person) -> None:
    """Refuse a coordinator or operator who has not set up two-factor sign-in."""
    if second_factor_missing(person):
        raise PermissionDenied(
            "Set up two-factor sign-in on the website before using the API with this account.",
            code="mfa_required",
        )


def sign_in_complete(person, methods: list[str]) -> bool:
    """Whether a session's sign-in (the methods it used, in order: "password", "mfa", ...) is the
    whole of it: a person who has set up a second factor must have given it."""
    return "mfa" in methods or not has_second_factor(person)


def access_give_sign_in(actor: Actor, community: Community, membership: Membership) -> None:
    """A coordinator of the member's community may give them a way to sign in: a first password
    or a sign-in letter. Not for their own account, and not for an account that guards more than
    this community (an operator, a coordinator anywhere, anyone with two-factor sign-in): its
    owner uses "Forgotten your password?"."""
    access_coordinate(actor, community)
    if membership.community_id != community.pk or membership.status != MembershipStatus.ACTIVE:
        raise NotFound("No such member.")
    person = membership.person
    if person.pk == getattr(actor, "pk", None):
        raise PermissionDenied("Change your own password on your account page.", code="own_account")
    if person.is_operator or coordinates_anywhere(person) or has_second_factor(person):
        raise PermissionDenied(
            "This account runs a community or has two-factor sign-in, so only its owner can set "
            "its password: they use “Forgotten your password?” on the sign-in page.",
            code="sign_in_protected",
        )


def can_give_sign_in(actor: Actor, community: Community, membership: Membership) -> bool:
    try:
        access_give_sign_in(actor, community, membership)
    except (NotFound, PermissionDenied):
        return False
    return True
