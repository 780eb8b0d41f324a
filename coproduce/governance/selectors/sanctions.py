"""Reads of sanctions and appeals: one with its appeal, a community's list (all of it for its
coordinators and stewards, a member's own for anyone else), the appeal panel, the counts by step
for the transparency page (no names), and what the timed job has to do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import NotFound

from ..access import PANEL_ROLES, access_sanction
from ..models import SANCTION_ORDER, Appeal, Sanction, SanctionStatus, SanctionStep

PAGE_SIZE = 100


def _with_related() -> QuerySet[Sanction, Any]:
    return Sanction.objects.select_related(
        "community",
        "person",
        "decided_by",
        "membership__community",
        "lifted_by",
        "appeal__decided_by",
    )


def sanction_get(community, viewer, number: int) -> Sanction:
    """Sanction S-`number` of the community, with its appeal, for the member sanctioned or the
    community's coordinators and stewards: one query. Raises NotFound."""
    try:
        sanction = _with_related().get(community=community, number=number)
    except (Sanction.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such sanction.") from None
    access_sanction(viewer, sanction)
    return sanction


def appeal_of(sanction: Sanction) -> Appeal | None:
    """The sanction's appeal, if it has one (read with it by `sanction_get`)."""
    try:
        return sanction.appeal
    except Appeal.DoesNotExist:
        return None


def sees_all_sanctions(viewer, community) -> bool:
    """Coordinators and stewards (active, not suspended) list every sanction of the community."""
    return bool(community_access.roles_in(viewer, community) & {*PANEL_ROLES, "operator"})


def sanctions_of(
    community, viewer, *, mine: bool = False, limit: int = PAGE_SIZE
) -> list[Sanction]:
    """The community's sanctions, newest first, each with its appeal: one query however many.
    A member who is not a coordinator or steward (or anyone asking for `mine`) gets only their
    own. Raises NotFound (outsiders)."""
    community_access.access_community(viewer, community)
    rows = _with_related().filter(community=community)
    if mine or not sees_all_sanctions(viewer, community):
        rows = rows.filter(person_id=getattr(viewer, "pk", 0) or 0)
    return list(rows.order_by("-number")[:limit])


def sanction_counts(community) -> dict[str, int]:
    """How many sanctions of each step the community has recorded (overturned ones left out),
    for the transparency page: counts only, never names. One query."""
    counts = dict.fromkeys(SANCTION_ORDER, 0)
    rows = (
        Sanction.objects.filter(community=community)
        .exclude(status=SanctionStatus.OVERTURNED)
        .values("step")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["step"]] = row["n"]
    return counts


def appeal_counts(community) -> dict[str, int]:
    """Appeals made and their outcomes (waiting, upheld, overturned, changed): one query."""
    rows = Appeal.objects.filter(sanction__community=community).aggregate(
        made=Count("id"),
        waiting=Count("id", filter=Q(outcome="")),
        upheld=Count("id", filter=Q(outcome="upheld")),
        overturned=Count("id", filter=Q(outcome="overturned")),
        changed=Count("id", filter=Q(outcome="changed")),
    )
    return {key: value or 0 for key, value in rows.items()}


def appeal_panel(sanction: Sanction) -> list:
    """The people on the appeal panel: the community's active coordinators and stewards, without
    whoever decided the sanction or the member sanctioned. One query."""
    return memberships_selectors.people_with_roles(
        sanction.community, PANEL_ROLES, exclude={sanction.decided_by_id, sanction.person_id}
    )


def heaviest_standing_step(membership) -> int:
    """The index (in SANCTION_ORDER) of the heaviest sanction the member has had that still
    stands (not lifted or overturned); -1 for none."""
    steps = set(
        Sanction.objects.filter(membership=membership)
        .exclude(status__in=[SanctionStatus.LIFTED, SanctionStatus.OVERTURNED])
        .values_list("step", flat=True)
    )
    return max((SANCTION_ORDER.index(step) for step in steps), default=-1)


def suspending(membership) -> Sanction | None:
    """The sanction in force that keeps the membership suspended (a suspension, or an exclusion
    waiting for its appeal), the latest ending first; None when there is none."""
    found = list(
        Sanction.objects.filter(
            membership=membership,
            status=SanctionStatus.IN_FORCE,
            step__in=[SanctionStep.SUSPENSION, SanctionStep.EXCLUSION],
        )
    )
    # An exclusion (no end) outranks any suspension; then the one ending last.
    found.sort(key=lambda s: (s.step == SanctionStep.EXCLUSION, s.ends_at or s.created_at))
    return found[-1] if found else None


def suspension_ends(membership) -> dt.datetime | None:
    """When a suspended membership's suspension ends (None for an exclusion waiting for its
    appeal window or panel): what the refusal says (communities.access.suspension_refusal)."""
    sanction = suspending(membership)
    if sanction is None or sanction.step == SanctionStep.EXCLUSION:
        return None
    return sanction.ends_at


def appeal_days_left(sanction: Sanction, now: dt.datetime | None = None) -> int:
    """Whole days left to appeal (0 when the window has closed)."""
    left = sanction.appeal_until - (now or timezone.now())
    if left.total_seconds() <= 0:
        return 0
    return left.days + (1 if left.seconds or left.microseconds else 0)


def suspensions_due(now: dt.datetime) -> list[Sanction]:
    """Suspensions in force whose end has come."""
    return list(
        Sanction.objects.select_related("community", "membership").filter(
            status=SanctionStatus.IN_FORCE, step=SanctionStep.SUSPENSION, ends_at__lte=now
        )
    )


def exclusions_due(now: dt.datetime) -> list[Sanction]:
    """Exclusions in force to carry out: the appeal window closed with no appeal, or the appeal
    upheld."""
    return list(
        Sanction.objects.select_related("community", "membership", "decided_by")
        .filter(status=SanctionStatus.IN_FORCE, step=SanctionStep.EXCLUSION)
        .filter(
            Q(appeal__isnull=True, appeal_until__lte=now) | Q(appeal__outcome="upheld"),
        )
    )


def may_appeal(sanction: Sanction, now: dt.datetime | None = None) -> bool:
    """Whether the sanction may still be appealed (the member's own, not yet appealed): within
    its window and, for a suspension or exclusion, still in force."""
    if appeal_of(sanction) is not None or (now or timezone.now()) >= sanction.appeal_until:
        return False
    return sanction.status == SanctionStatus.IN_FORCE or sanction.step not in (
        SanctionStep.SUSPENSION,
        SanctionStep.EXCLUSION,
    )
