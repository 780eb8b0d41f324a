"""Memberships: a person's, one by member number, member numbers in bulk; a member's home
page and what coordinators see about a member."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from coproduce.core.errors import NotFound
from coproduce.core.models import AuditEvent

from ..models import (
    Check,
    Community,
    CoordinatorNote,
    Gift,
    Membership,
    MembershipStatus,
    Person,
    Role,
)
from .history import person_history
from .rules import VETTING_LEVELS
from .vetting import checks_for, vetting_level


def memberships_of(person: Person) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(person=person)
        .exclude(status=MembershipStatus.ARCHIVED)
        .select_related("community")
        .prefetch_related("roles")
        .order_by("community__name")
    )


def active_membership(membership_id: int) -> Membership | None:
    """An active membership with its person and community, or None: one query."""
    return (
        Membership.objects.select_related("person", "community")
        .filter(pk=membership_id, status=MembershipStatus.ACTIVE)
        .first()
    )


def memberships_count(person: Person) -> int:
    """How many communities the person belongs to (archived memberships left out)."""
    return (
        Membership.objects.filter(person=person).exclude(status=MembershipStatus.ARCHIVED).count()
    )


def membership_by_number(community: Community, number: int) -> Membership:
    try:
        return (
            Membership.objects.select_related("person", "community")
            .prefetch_related("roles", "person__gifts")
            .get(community=community, number=number)
        )
    except Membership.DoesNotExist:
        raise NotFound("No such member.") from None


@dataclass
class HomeMembership:
    membership: Membership
    roles: list[str]
    vetting_level: int
    vetting_label: str
    is_coordinator: bool


@dataclass
class MemberHome:
    person: Person
    memberships: list[HomeMembership]
    gifts: dict[str, list[str]]  # gift kind -> descriptions


def member_home(person: Person) -> MemberHome:
    """What a member's home page shows: their communities, roles, check level and gifts."""
    entries = []
    for membership in memberships_of(person):
        roles = sorted(r.role for r in membership.roles.all())
        level = vetting_level(membership.community, person)
        entries.append(
            HomeMembership(
                membership, roles, level, VETTING_LEVELS[level], Role.COORDINATOR in roles
            )
        )
    gifts: dict[str, list[str]] = {}
    for gift in person.gifts.order_by("kind", "id"):
        gifts.setdefault(gift.kind, []).append(gift.description)
    return MemberHome(person=person, memberships=entries, gifts=gifts)


@dataclass
class MemberRecord:
    """What coordinators see about a member beyond the directory: never shown to members."""

    vetting_level: int
    vetting_label: str
    checks: list[Check]
    notes: list[CoordinatorNote]
    history: list[AuditEvent]


def member_record(community: Community, person: Person) -> MemberRecord:
    level = vetting_level(community, person)
    return MemberRecord(
        vetting_level=level,
        vetting_label=VETTING_LEVELS[level],
        checks=list(checks_for(community, person).order_by("-checked_on", "-id")),
        notes=list(
            CoordinatorNote.objects.filter(community=community, person=person)
            .select_related("author")
            .order_by("-created_at", "-id")
        ),
        history=list(person_history(community, person)),
    )


def _member_numbers(community: Community, person_ids: set[int]) -> dict[int, int]:
    return dict(
        Membership.objects.filter(community=community, person_id__in=person_ids).values_list(
            "person_id", "number"
        )
    )


def member_number_subquery(*, community_id: Any, person_id: Any) -> Subquery:
    """The member number of a person in a community as an expression for another app's query
    (give OuterRefs), None where they have no membership there."""
    return Subquery(
        Membership.objects.filter(community_id=community_id, person_id=person_id).values("number")[
            :1
        ]
    )


def member_numbers(community: Community, person_ids: set[int]) -> dict[int, int]:
    """Member number of each of these people in the community (those who have one), in one query."""
    return _member_numbers(community, person_ids) if person_ids else {}


def active_members_by_number(community: Community, numbers: set[int]) -> dict[int, Membership]:
    """The active memberships with these member numbers, in one query; numbers not found are left
    out."""
    if not numbers:
        return {}
    return {
        m.number: m
        for m in Membership.objects.select_related("person", "community").filter(
            community=community, number__in=numbers, status=MembershipStatus.ACTIVE
        )
    }


def memberships_joined_before(community: Community, when: dt.datetime) -> QuerySet[Membership]:
    """Active memberships that started before `when`, with the person and `has_gift` (a gift on
    their profile); for the coordinators' broker queue, which narrows it further."""
    return (
        Membership.objects.filter(
            community=community,
            status=MembershipStatus.ACTIVE,
            joined_at__lte=when,
            person__pseudonymised_at__isnull=True,
        )
        .select_related("person")
        .annotate(has_gift=Exists(Gift.objects.filter(person_id=OuterRef("person_id"))))
    )


def active_member_ids(community: Community) -> QuerySet[Membership, Any]:
    """The people with an active membership, as a `person_id` values query for subqueries."""
    return Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE).values(
        "person_id"
    )


def coordinator_to_ask(community: Community) -> Membership | None:
    """The coordinator a member's question goes to ("Ask a coordinator"): the active coordinator
    with the lowest member number, i.e. the longest-serving; None when the community has none."""
    return (
        Membership.objects.filter(
            community=community, status=MembershipStatus.ACTIVE, roles__role=Role.COORDINATOR
        )
        .select_related("person")
        .order_by("number")
        .first()
    )


def active_members_count(community) -> int:
    """How many people are active members of the community (suspended and archived left out):
    the electorate of its votes."""
    return Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE).count()


def active_people(community, person_ids) -> list[Person]:
    """The people among `person_ids` who are active members of the community, by id: one
    query."""
    return list(
        Person.objects.filter(
            pk__in=set(person_ids),
            memberships__community=community,
            memberships__status=MembershipStatus.ACTIVE,
        ).order_by("id")
    )


def active_people_except(community, excluded_ids) -> list[Person]:
    """Every active member of the community except the people in `excluded_ids` (a list or a
    subquery of person ids), by id: one query. Whom community-wide news is for."""
    return list(
        Person.objects.filter(
            memberships__community=community, memberships__status=MembershipStatus.ACTIVE
        )
        .exclude(pk__in=excluded_ids)
        .order_by("id")
    )


def members_with_role(community: Community, role: str) -> list[Membership]:
    """The active members holding `role` in the community, with their people, by member number:
    one query (the mediators a coordinator chooses from, a dispute's possible panel)."""
    return list(
        Membership.objects.filter(
            community=community, status=MembershipStatus.ACTIVE, roles__role=role
        )
        .select_related("person")
        .order_by("number")
        .distinct()
    )


def people_with_roles(community, roles, *, exclude=()) -> list[Person]:
    """The active members of the community holding any of `roles`, by id, without the people
    in `exclude` (ids): one query. (Governance's appeal panels.)"""
    return list(
        Person.objects.filter(
            memberships__community=community,
            memberships__status=MembershipStatus.ACTIVE,
            memberships__roles__role__in=list(roles),
        )
        .exclude(pk__in=[pk for pk in exclude if pk is not None])
        .distinct()
        .order_by("id")
    )
