"""Agencies, their staff, the co-production roles they publish and members' training records:
the reads, and `eligibility`, which says in plain words why a person may not take on a role.

Members see active agencies and published roles; drafts and archived roles only those who
manage the agency (`access.can_manage`). The writes are in services/agencies.py."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.errors import NotFound, ValidationFailed
from coproduce.ledger.selectors import accounts as accounts_selectors

from ..access import agency_in, can_manage
from ..models import (
    Agency,
    AgencyMembership,
    CoproductionRole,
    RoleStatus,
    TrainingRecord,
)

ROLES_PAGE = 20
ROLES_MAX_LIMIT = 100
_WORD = re.compile(r"\w+", re.UNICODE)


def agencies_of(community, *, include_archived: bool = False) -> QuerySet[Agency]:
    qs = Agency.objects.filter(community=community).select_related("community")
    return qs if include_archived else qs.filter(is_archived=False)


def agency_by_slug(community, slug: str) -> Agency:
    """Archived agencies too (their pages say so). Raises NotFound."""
    agency = (
        Agency.objects.select_related("community", "account")
        .filter(community=community, slug=slug)
        .first()
    )
    if agency is None:
        raise NotFound("No such agency.")
    return agency


@dataclass(frozen=True)
class AgencyAccount:
    """What the agency's page says about its hours account."""

    balance_minutes: int
    credits_from: str  # the rule `session_credits_from`: "agency" or "issuance"
    fund_minutes: int | None  # the community fund's balance, for coordinators funding the agency


def agency_account(agency: Agency, *, coordinates: bool) -> AgencyAccount:
    """The agency's balance (`agency_by_slug` loaded its account), where its session credits
    come from under the community's rules and, for coordinators, what the community fund holds."""
    rules = communities_selectors.rules_for(agency.community)
    fund = accounts_selectors.system_account(agency.community, "fund") if coordinates else None
    account = agency.account
    return AgencyAccount(
        balance_minutes=account.balance_minutes if account is not None else 0,
        credits_from=rules["session_credits_from"],
        fund_minutes=(fund.balance_minutes if fund is not None else 0) if coordinates else None,
    )


def staff_of(agency: Agency) -> QuerySet[AgencyMembership]:
    """Current staff, admins first."""
    return (
        AgencyMembership.objects.filter(agency=agency, ended_at__isnull=True)
        .select_related("person")
        .order_by("role", "person__known_as", "person__full_name", "id")
    )


def agencies_of_person(person, community=None) -> QuerySet[Agency]:
    """Active agencies a person is currently on the staff of."""
    qs = Agency.objects.filter(
        staff__person_id=person.pk, staff__ended_at__isnull=True, is_archived=False
    )
    if community is not None:
        qs = qs.filter(community=community)
    return qs.distinct()


def role_get(community, viewer, role_id: int) -> CoproductionRole:
    """A role of the community: published ones to members, drafts and archived ones only to
    those who manage its agency. Raises NotFound."""
    role = (
        CoproductionRole.objects.select_related(
            "community", "agency", "agency__community", "staff_lead"
        )
        .filter(community=community, pk=role_id)
        .first()
    )
    if role is None:
        raise NotFound("No such role.")
    agency_in(community, role.agency)
    if role.status != RoleStatus.PUBLISHED and not can_manage(viewer, role.agency):
        raise NotFound("No such role.")
    return role


def roles_of_agency(agency: Agency, viewer) -> QuerySet[CoproductionRole]:
    qs = CoproductionRole.objects.filter(agency=agency).select_related("staff_lead")
    if not can_manage(viewer, agency):
        qs = qs.filter(status=RoleStatus.PUBLISHED)
    return qs.order_by("title", "id")


@dataclass
class RolePage:
    roles: list[CoproductionRole]
    next_cursor: str | None


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _cursor_key(cursor: str) -> tuple[str, int]:
    try:
        raw = json.loads(
            base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")).decode()
        )
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise _bad(
            "cursor", "The cursor is not valid; use the next_cursor from the last page."
        ) from None
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not isinstance(raw[0], str)
        or len(raw[0]) > 150
        or "\x00" in raw[0]
        or isinstance(raw[1], bool)
        or not isinstance(raw[1], int)
        or not 1 <= raw[1] < 2**63
    ):
        raise _bad("cursor", "The cursor is not valid; use the next_cursor from the last page.")
    return raw[0], raw[1]


def roles_search(
    community,
    viewer,
    q: str | None = None,
    agency: Agency | str | None = None,
    remote: bool | None = None,
    *,
    cursor: str | None = None,
    limit: int = ROLES_PAGE,
) -> RolePage:
    """Published roles of the community's active agencies, by title, one query a page (keyset on
    title and id). `q` matches words in the title, description, commitment, training and agency
    name; `agency` is an Agency or its slug. Raises ValidationFailed."""
    community_access.access_community(viewer, community)
    if q is not None and (not isinstance(q, str) or len(q) > 200):
        raise _bad("q", "Search for at most 200 characters.")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= ROLES_MAX_LIMIT:
        raise _bad("limit", f"Ask for 1 to {ROLES_MAX_LIMIT} results at a time.")
    qs = CoproductionRole.objects.filter(
        community=community, status=RoleStatus.PUBLISHED, agency__is_archived=False
    ).select_related("community", "agency", "staff_lead")
    # Each word in any of the texts (not only search_document, so rows made elsewhere are found
    # too).
    for word in _WORD.findall((q or "").lower())[:8]:
        qs = qs.filter(
            Q(search_document__contains=word)
            | Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(commitment__icontains=word)
            | Q(agency__name__icontains=word)
        )
    if isinstance(agency, Agency):
        qs = qs.filter(agency_id=agency.pk)
    elif agency:
        qs = qs.filter(agency__slug=agency)
    if remote is not None:
        qs = qs.filter(remote_ok=remote)
    if cursor:
        title, pk = _cursor_key(cursor)
        qs = qs.filter(Q(title__gt=title) | Q(title=title, id__gt=pk))
    rows = list(qs.order_by("title", "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = (
            base64.urlsafe_b64encode(json.dumps([rows[-1].title, rows[-1].pk]).encode())
            .decode()
            .rstrip("=")
        )
    return RolePage(roles=rows, next_cursor=next_cursor)


def credits_per_hour_percent(community) -> int:
    return int(communities_selectors.rules_for(community)["credits_per_hour_percent"])


def credits_per_hour_text(community) -> str:
    """ "1 hour here earns 1 hour of credit", under the community's rule."""
    minutes = 60 * credits_per_hour_percent(community) // 100
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        earned = f"{hours} hour{'s' if hours != 1 else ''}"
    elif hours == 0:
        earned = f"{rest} minutes"
    else:
        earned = f"{hours} hour{'s' if hours != 1 else ''} {rest} minutes"
    return f"1 hour here earns {earned} of credit"


def training_of(person, community) -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.filter(person_id=person.pk, community=community).select_related(
        "recorded_by"
    )


def _age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def community_check_refusal(person, role: CoproductionRole, *, viewer=None) -> str:
    """Why the community's own rule for group activities (`vetting_group_activity`) keeps the
    person from the role's sessions; "" when it does not. Every role's sessions are group
    activities alongside staff, so the rule applies on top of the role's own requirements."""
    community = role.agency.community if role.agency_id else role.community
    return community_access.activity_refusal(person, community, "group_activity", viewer=viewer)


def eligibility(person, role: CoproductionRole, *, viewer=None) -> list[str]:
    """Why the person may not take on the role, in plain words; [] when they may: the community's
    check level for group activities, then the role's own requirements (its check level, training,
    age). Age limits are checked only against a known date of birth (otherwise staff confirm the
    age). Said to `viewer` (default: the person; see `communities.access.vetting_refusal`)."""
    community = role.agency.community if role.agency_id else role.community
    if community_access.membership_of(person, community) is None:
        return [f"Only active members of {community.name} can sign up."]
    reasons = []
    community_reason = community_check_refusal(person, role, viewer=viewer)
    if community_reason:
        reasons.append(community_reason)
    if not community_reason or role.vetting_level > community_access.activity_level_needed(
        community, "group_activity"
    ):
        role_reason = community_access.vetting_refusal(
            person, community, role.vetting_level, what="This role", viewer=viewer
        )
        if role_reason:
            reasons.append(role_reason)
    if role.training:
        done = {
            name.casefold()
            for name in training_of(person, community).values_list("name", flat=True)
        }
        missing = [name for name in role.training if name.casefold() not in done]
        if missing:
            reasons.append(f"Training still needed: {', '.join(missing)}.")
    born = getattr(person, "date_of_birth", None)
    if born is not None and (role.min_age is not None or role.max_age is not None):
        age = _age_on(born, timezone.localdate())
        if role.min_age is not None and age < role.min_age:
            reasons.append(f"This role is for people aged {role.min_age} or over.")
        if role.max_age is not None and age > role.max_age:
            reasons.append(f"This role is for people aged {role.max_age} or under.")
    return reasons
