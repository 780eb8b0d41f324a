"""The coordinators' dashboard: applications waiting, checks running out, messages to pass on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..models import Application, Check, Community, ContactRelay
from .applications import application_queue
from .communities import rules_for
from .contact_relay import relays_waiting
from .memberships import _member_numbers
from .vetting import checks_expiring


@dataclass
class ExpiringCheck:
    check: Check
    member_number: int | None


@dataclass
class WaitingRelay:
    relay: ContactRelay
    sender_number: int | None
    recipient_number: int | None


@dataclass
class CoordinatorDashboard:
    applications: list[Application]
    references_required: int
    expiring: list[ExpiringCheck]
    relays: list[WaitingRelay]


def coordinator_dashboard(
    community: Community, *, today: dt.date | None = None
) -> CoordinatorDashboard:
    expiring = checks_expiring(community, within_days=30, today=today)
    relays = list(relays_waiting(community).order_by("created_at", "id"))
    numbers = _member_numbers(
        community,
        {c.person_id for c in expiring}
        | {r.sender_id for r in relays}
        | {r.recipient_id for r in relays},
    )
    return CoordinatorDashboard(
        applications=application_queue(community),
        references_required=rules_for(community)["references_required"],
        expiring=[ExpiringCheck(c, numbers.get(c.person_id)) for c in expiring],
        relays=[
            WaitingRelay(r, numbers.get(r.sender_id), numbers.get(r.recipient_id)) for r in relays
        ],
    )
