"""The member directory, each entry's private fields shown only to whom they may be."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from coproduce.communities import access
from coproduce.core.errors import NotFound

from ..models import Community, Gift, Membership, MembershipRole, MembershipStatus, Person
from .member_refs import MemberRefRefused, no_such_number, parse_member_code, parse_member_ref
from .memberships import membership_by_number


def member_directory(
    community: Community,
    *,
    q: str = "",
    after_number: int | None = None,
    limit: int = 50,
    include_inactive: bool = False,
) -> list[Membership]:
    """Members ordered by member number, keyset-paginated on it."""
    qs = (
        Membership.objects.filter(community=community)
        .select_related("person")
        .prefetch_related(
            Prefetch("roles", queryset=MembershipRole.objects.order_by("role")),
            Prefetch("person__gifts", queryset=Gift.objects.order_by("kind", "id")),
        )
        .order_by("number")
    )
    if not include_inactive:
        qs = qs.filter(status=MembershipStatus.ACTIVE)
    if q:
        code = parse_member_code(q)
        term = (
            Q(person__full_name__icontains=q)
            | Q(person__known_as__icontains=q)
            | Q(person__neighbourhood__icontains=q)
            | Q(person__gifts__description__icontains=q)
        )
        if code and code[0] == community.member_prefix:
            term |= Q(number=code[1])
        elif q.isascii() and q.isdigit() and len(q) < 10:
            term |= Q(number=int(q))
        qs = qs.filter(term).distinct()
    if after_number is not None:
        qs = qs.filter(number__gt=after_number)
    return list(qs[:limit])


def member_by_reference(community: Community, text: str) -> Membership:
    """The active member of the community that `text` names, as the web's member fields read it
    (member_refs.parse_member_ref): a member number (RIV-0042 or 42, also inside
    "Mo Member (RIV-0042)" as the suggestion list gives it) or a name. Raises MemberRefRefused
    saying what to type instead."""
    text = text.strip()
    ref = parse_member_ref(community, text)
    if isinstance(ref, int):
        try:
            membership = membership_by_number(community, ref)
        except NotFound:
            raise MemberRefRefused(no_such_number(community, text)) from None
        if not membership.is_active:
            raise MemberRefRefused(
                _("%(code)s is no longer an active member.") % {"code": membership.member_code}
            )
        return membership
    wanted = text.casefold()
    found = member_directory(community, q=text, limit=20)
    named = [
        m for m in found if wanted in {m.person.full_name.casefold(), m.person.known_as.casefold()}
    ] or [
        m
        for m in found
        if wanted in m.person.full_name.casefold() or wanted in m.person.known_as.casefold()
    ]
    if len(named) == 1:
        return named[0]
    if not named:
        raise MemberRefRefused(
            _(
                "No member of %(community)s is called “%(text)s”. Check the spelling, or give "
                "their member number."
            )
            % {"community": community.name, "text": text}
        )
    choices = ", ".join(f"{m.person.display_name} ({m.member_code})" for m in named[:5])
    raise MemberRefRefused(
        _(
            "Several members match “%(text)s”: %(choices)s. Give the member number of the one you "
            "mean."
        )
        % {"text": text, "choices": choices}
    )


@dataclass
class MemberView:
    """A member as one viewer may see them: private fields are None unless shared."""

    membership: Membership
    person: Person
    email: str | None
    phone: str | None
    address: str | None
    photo_url: str | None
    date_of_birth: dt.date | None
    roles: list[str]
    gifts: list[Gift]


def member_view(viewer, membership: Membership, *, viewer_coordinates: bool) -> MemberView:
    person = membership.person
    shared = viewer_coordinates or access.membership_of(viewer, membership.community) is not None

    def show(field: str):
        visibility = getattr(person, f"{field}_visibility")
        if access.can_see(
            viewer, person, visibility, viewer_coordinates=viewer_coordinates, shared=shared
        ):
            return getattr(person, field) or None
        return None

    photo = show("photo")
    return MemberView(
        membership=membership,
        person=person,
        email=show("email"),
        phone=show("phone"),
        address=show("address"),
        photo_url=photo.url if photo else None,
        date_of_birth=show("date_of_birth"),
        roles=sorted(r.role for r in membership.roles.all()),
        gifts=list(person.gifts.all()),
    )


@dataclass
class DirectoryPage:
    members: list[MemberView]
    next_after: int | None  # the member number to continue after, when there is a next page


def member_directory_page(
    viewer,
    community: Community,
    *,
    q: str = "",
    after_number: int | None = None,
    limit: int = 50,
    include_inactive: bool = False,
) -> DirectoryPage:
    """One page of the directory as this viewer may see it (privacy applied to every entry)."""
    viewer_coordinates = access.is_coordinator(viewer, community)
    rows = member_directory(
        community,
        q=q,
        after_number=after_number,
        limit=limit + 1,
        include_inactive=include_inactive,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    for membership in rows:
        membership.community = community  # already in hand: saves a query per row for member codes
    return DirectoryPage(
        members=[member_view(viewer, m, viewer_coordinates=viewer_coordinates) for m in rows],
        next_after=rows[-1].number if more and rows else None,
    )
