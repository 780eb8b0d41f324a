"""The community fund: members' donations to it and coordinators' grants from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coproduce.communities import access as community_access
from coproduce.core.actors import Actor
from coproduce.core.errors import NotFound, PermissionDenied, ValidationFailed
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg


def fund_donate(
    *,
    actor: Actor,
    community,
    person,
    minutes: int,
    idempotency_key: str,
    note: str = "",
    effective_at: dt.datetime | None = None,
):
    """A member gives hours to the community fund (`effective_at`: when, if not now; never in the
    future). Raises ValidationFailed, NotFound, PermissionDenied (for someone else without
    coordinating), LimitExceeded."""
    community_access.access_not_suspended(actor, community)
    if person.pk != actor.pk and not community_access.is_coordinator(actor, community):
        raise PermissionDenied("Only a coordinator can donate for another member.")
    community_access.access_not_suspended(person, community, viewer=actor)
    if community_access.membership_of(person, community) is None:
        raise NotFound("No such member.")
    _check_minutes(minutes)
    return transfers_services.transfer_create(
        actor=actor,
        community=community,
        idempotency_key=idempotency_key,
        reason="donation",
        memo=note,
        on_behalf_of=person if person.pk != actor.pk else None,
        effective_at=effective_at,
        legs=[
            Leg(accounts_services.member_account(community, person).pk, -minutes),
            Leg(accounts_services.fund_account(community).pk, minutes),
        ],
    )


def fund_grant(*, actor: Actor, community, person, minutes: int, reason: str, idempotency_key: str):
    """A coordinator grants hours from the fund to a member in need, with a reason. Raises
    PermissionDenied, ValidationFailed, NotFound, LimitExceeded (the fund is too low)."""
    community_access.access_coordinate(actor, community)
    if community_access.membership_of(person, community) is None:
        raise NotFound("No such member.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the grant is made.", fields={"reason": ["Required."]})
    _check_minutes(minutes)
    return transfers_services.transfer_create(
        actor=actor,
        community=community,
        idempotency_key=idempotency_key,
        reason="grant",
        memo=reason,
        legs=[
            Leg(accounts_services.fund_account(community).pk, -minutes),
            Leg(accounts_services.member_account(community, person).pk, minutes),
        ],
    )


def _check_minutes(minutes: Any) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ValidationFailed(
            "The time must be a whole number of minutes, more than zero.",
            fields={"minutes": ["Must be more than zero."]},
        )
