"""A dispute in mediation for the Riverside demo, built through the real services (not wired
into the demo's runner: the lead calls `dispute_in_mediation` after the exchanges are made).

Two neighbours disagree about how long an evening of decorating took: one recorded three hours,
the other disputes it, D-n opens and the exchange is held (disputed, not posted). A coordinator
gives a third member the mediator role and assigns them; each party and the mediator leave a
note, so the dispute's page shows a thread that only the three of them (and, if it were
escalated, the panel) can read."""

from __future__ import annotations

import uuid

from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.governance.services import disputes as disputes_services


def dispute_in_mediation(*, community, coordinator, provider, recipient, mediator, on):
    """Record `provider`'s three hours for `recipient` on the date `on`, have `recipient`
    dispute them, make `mediator` (a member who is neither) a mediator and assign them, and add
    a note from each. Returns the dispute. Raises what the services raise (a party as mediator:
    ValidationFailed)."""
    exchange = exchanges_services.exchange_record(
        actor=provider,
        community=community,
        idempotency_key=f"demo-dispute-{uuid.uuid4()}",
        providers=[provider],
        recipients=[recipient],
        minutes=180,
        effective_on=on,
        title="Painting the back bedroom",
        category="Decorating",
    )
    dispute = disputes_services.dispute_open(
        actor=recipient,
        community=community,
        subject="exchange",
        exchange=exchanges_selectors.exchange_get(community, exchange.pk),
        summary="We stopped after an hour and a half: the second coat was never done.",
    )
    memberships_services.role_set(
        actor=coordinator,
        membership=mediator.memberships.get(community=community),
        role=Role.MEDIATOR,
        granted=True,
    )
    dispute = disputes_services.dispute_mediator_assign(
        actor=coordinator, dispute=dispute, mediator=mediator
    )
    for author, body in (
        (provider, "Three hours including buying the paint and cleaning the brushes."),
        (recipient, "The shopping was for my own flat's paint, which I paid for."),
        (mediator, "Could we meet at the community centre on Thursday at six?"),
    ):
        disputes_services.dispute_note_add(actor=author, dispute=dispute, body=body)
    return dispute
