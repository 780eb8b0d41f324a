"""Referrals in from professionals: the reads. The coordinators' queue, each agency's referrals
and their counts, and what a referrer may see of one (`referral_outcome`: how it is going, the
name only when the person agreed, never contact details, what matters or notes). The writes
are in services/referrals.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound
from coproduce.exchanges.selectors import exchanges as exchanges_selectors

from ..models import (
    Agency,
    AgencyMembership,
    CoproductionRole,
    Referral,
    ReferralStatus,
    ReferralTarget,
    RoleStatus,
)


def referral_agency(community, agency_slug: str) -> Agency:
    """An agency of the community by its slug. Raises NotFound."""
    found = Agency.objects.filter(community=community, slug=agency_slug).first()
    if found is None:
        raise NotFound("No such agency.")
    return found


def agencies_referring(person, community) -> list[Agency]:
    """The agencies the person may refer from: their own (any, for coordinators), not archived."""
    qs = Agency.objects.filter(community=community, is_archived=False)
    if not community_access.is_coordinator(person, community):
        staff = AgencyMembership.objects.filter(person_id=person.pk, ended_at__isnull=True).values(
            "agency_id"
        )
        qs = qs.filter(pk__in=staff)
    return list(qs.order_by("name", "id"))


def roles_to_refer_to(community) -> list[CoproductionRole]:
    return list(
        CoproductionRole.objects.filter(community=community, status=RoleStatus.PUBLISHED)
        .select_related("agency")
        .order_by("title", "id")
    )


def referral_role(community, role_id: Any) -> CoproductionRole | None:
    """A role by id in the community (any status: the service says whether it is published)."""
    if not isinstance(role_id, int) or isinstance(role_id, bool):
        return None
    return CoproductionRole.objects.filter(community=community, pk=role_id).first()


def referral_get(community, referral_id: int) -> Referral:
    """A referral of the community with its agency, role and people. Raises NotFound."""
    found = (
        Referral.objects.select_related("agency", "role", "referrer", "person", "handled_by")
        .prefetch_related("events")
        .filter(community=community, pk=referral_id)
        .first()
    )
    if found is None:
        raise NotFound("No such referral.")
    return found


def referrals_queue(
    community, *, status: str | None = None, with_events: bool = False
) -> QuerySet[Referral]:
    """The coordinators' queue, newest first (callers split it by status); `with_events`
    preloads each referral's events."""
    qs = Referral.objects.filter(community=community).select_related(
        "agency", "role", "referrer", "person"
    )
    if status:
        qs = qs.filter(status=status)
    if with_events:
        qs = qs.prefetch_related("events")
    return qs.order_by("-created_at", "-id")


def referrals_new_count(community) -> int:
    return Referral.objects.filter(community=community, status=ReferralStatus.REFERRED).count()


def referrals_for_staff(person, community, *, status: str | None = None) -> QuerySet[Referral]:
    """Referrals of every agency the person is staff of (all of the community's for
    coordinators), newest first; only those in `status` when it is given."""
    qs = Referral.objects.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    if not community_access.is_coordinator(person, community):
        staff = AgencyMembership.objects.filter(person_id=person.pk, ended_at__isnull=True).values(
            "agency_id"
        )
        qs = qs.filter(agency_id__in=staff)
    return (
        qs.select_related("agency", "role")
        .prefetch_related("events")
        .order_by("-created_at", "-id")
    )


def is_agency_staff(person, community) -> bool:
    """Whether the person is on the staff of any agency of the community."""
    return AgencyMembership.objects.filter(
        person_id=person.pk, ended_at__isnull=True, agency__community=community
    ).exists()


def referrals_of_agency(agency: Agency) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(agency=agency)
        .select_related("agency", "role")
        .prefetch_related("events")
        .order_by("-created_at", "-id")
    )


def referral_counts(agency: Agency) -> dict[str, int]:
    """How many of the agency's referrals are at each status."""
    rows = Referral.objects.filter(agency=agency).values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(ReferralStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def first_exchange_made(referral: Referral) -> bool:
    """Whether the member a joined referral is linked to has had a confirmed exchange: the
    coordinator's page offers "first exchange" from this (derived, so no job is needed)."""
    if referral.person_id is None or referral.status != ReferralStatus.JOINED:
        return False
    return bool(
        exchanges_selectors.exchanges_of(
            referral.community, referral.person, status="confirmed", limit=1
        )
    )


@dataclass(frozen=True)
class ReferralOutcome:
    """What a referrer (and their agency's staff) may see of a referral: never contact
    details, what matters, notes or anything about the member beyond the status; the name only
    when the person agreed (`share_with_referrer == "name"`)."""

    id: int
    agency_slug: str
    agency_name: str
    created_at: dt.datetime
    target: str
    target_label: str
    role_title: str | None
    group_name: str
    status: str
    status_label: str
    status_changed_at: dt.datetime
    name: str | None
    events: list[tuple[str, str, dt.datetime]] = field(default_factory=list)


def referral_outcome(referral: Referral) -> ReferralOutcome:
    return ReferralOutcome(
        id=referral.pk,
        agency_slug=referral.agency.slug,
        agency_name=referral.agency.name,
        created_at=referral.created_at,
        target=referral.target,
        target_label=ReferralTarget(referral.target).label,
        role_title=referral.role.title if referral.role_id and referral.role else None,
        group_name=referral.group_name,
        status=referral.status,
        status_label=ReferralStatus(referral.status).label,
        status_changed_at=referral.status_changed_at,
        name=referral.full_name if referral.share_with_referrer == "name" else None,
        events=[(e.status, ReferralStatus(e.status).label, e.at) for e in referral.events.all()],
    )


def may_see_details(person, referral: Referral) -> bool:
    """Only the community's coordinators see who was referred and how to reach them."""
    return community_access.is_coordinator(person, referral.community)
