"""Checks and the vetting levels they give (an expired check counts for nothing), and the
activities a level allows under a community's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Check, CheckKind, CheckResult, Community, MembershipStatus, Person
from .communities import rules_for
from .rules import ACTIVITY_TYPES, VETTING_LEVELS


def checks_for(community: Community, person: Person) -> QuerySet[Check]:
    return Check.objects.filter(community=community, person=person).select_related("recorded_by")


def current_checks(community: Community, person: Person) -> dict[str, Check]:
    """The latest check of each kind: a newer check supersedes an older one."""
    latest: dict[str, Check] = {}
    for check in checks_for(community, person).order_by("kind", "-checked_on", "-id"):
        latest.setdefault(check.kind, check)
    return latest


def check_is_valid(check: Check, on: dt.date) -> bool:
    return check.result == CheckResult.PASSED and (
        check.expires_on is None or check.expires_on >= on
    )


# The checks each level asks for, in order: level 1 is an ID seen, level 2 that and a background
# check.
CHECKS_FOR_LEVEL: dict[int, tuple[str, ...]] = {
    0: (),
    1: (CheckKind.ID_SEEN,),
    2: (CheckKind.ID_SEEN, CheckKind.BACKGROUND),
}


def level_of(current: dict[str, Check], on: dt.date) -> int:
    """The level a set of current checks (the latest of each kind) gives on a day: the highest
    level all of whose checks are passed and not expired."""
    valid = {kind for kind, c in current.items() if check_is_valid(c, on)}
    return max(level for level, kinds in CHECKS_FOR_LEVEL.items() if set(kinds) <= valid)


def vetting_level(community: Community, person: Person, on: dt.date | None = None) -> int:
    """0: not checked; 1: ID seen; 2: ID seen and a clear background check. Expired checks count
    for nothing."""
    return level_of(current_checks(community, person), on or timezone.localdate())


def vetting_levels(community: Community, person_ids, on: dt.date | None = None) -> dict[int, int]:
    """{person id: vetting level} for many people in one query (an exchange's participants)."""
    on = on or timezone.localdate()
    current: dict[int, dict[str, Check]] = {pk: {} for pk in person_ids}
    rows = Check.objects.filter(community=community, person_id__in=list(current)).order_by(
        "kind", "-checked_on", "-id"
    )
    for check in rows:
        current[check.person_id].setdefault(check.kind, check)
    return {pk: level_of(checks, on) for pk, checks in current.items()}


def checks_missing(
    community: Community, person: Person, needed: int, on: dt.date | None = None
) -> list[tuple[str, Check | None]]:
    """The checks the person still needs for level `needed`, each with their latest check of that
    kind (None when they never had one: otherwise it ran out, failed or waits for its result);
    empty when they hold the level."""
    on = on or timezone.localdate()
    current = current_checks(community, person)
    return [
        (kind, current.get(kind))
        for kind in CHECKS_FOR_LEVEL[needed]
        if kind not in current or not check_is_valid(current[kind], on)
    ]


def vetting_level_label(level: int) -> str:
    return VETTING_LEVELS[level]


def checks_expiring(
    community: Community, *, within_days: int = 30, today: dt.date | None = None
) -> list[Check]:
    """Current passing checks of active members that expire within the window (or already have)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    candidates = (
        Check.objects.filter(
            community=community,
            expires_on__isnull=False,
            expires_on__lte=horizon,
            result=CheckResult.PASSED,
            person__memberships__community=community,
            person__memberships__status=MembershipStatus.ACTIVE,
        )
        .select_related("person")
        .order_by("expires_on", "id")
    )
    # Drop any that a newer check of the same kind has replaced.
    newer = {
        (c.person_id, c.kind): c.checked_on
        for c in Check.objects.filter(community=community, checked_on__isnull=False)
        .filter(person_id__in={c.person_id for c in candidates})
        .order_by("person_id", "kind", "checked_on", "id")
    }
    return [c for c in candidates if newer.get((c.person_id, c.kind)) == c.checked_on]


def activities_allowed(community: Community, person: Person) -> list[dict[str, Any]]:
    """Each kind of activity with the level it needs and whether this person may take it on."""
    rules = rules_for(community)
    level = vetting_level(community, person)
    return [
        {
            "activity": key,
            "label": label,
            "level_needed": rules[f"vetting_{key}"],
            "level_needed_label": VETTING_LEVELS[rules[f"vetting_{key}"]],
            "allowed": level >= rules[f"vetting_{key}"],
        }
        for key, label in ACTIVITY_TYPES.items()
    ]
