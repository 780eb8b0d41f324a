"""Transfers. `transfer_create` is the idempotent entry point for a client request (API, web
form, CLI). `post_transfer` is the core that other domain services (exchanges, grants) call
inside their own transaction with a key derived from what they are posting for, so the same
thing can never be posted twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from coproduce.core.actors import Actor
from coproduce.core.errors import ValidationFailed
from coproduce.core.idempotency import idempotent

from ..models import AnyCommunity, Transfer, TransferStatus
from ..models import Reason as Reason  # post_transfer's reason codes, for callers in other apps
from .postings import Leg, _check_effective_at, _validate_legs, _write


def post_transfer(
    *,
    actor: Actor | None,
    community: AnyCommunity,
    key: str,
    legs: list[Leg],
    reason: str,
    memo: str = "",
    on_behalf_of: Actor | None = None,
    effective_at: dt.datetime | None = None,
    related: tuple[str, Any] = ("", ""),
) -> Transfer:
    """Post a transfer inside the caller's transaction. The key must be unique in the
    community (a derived key such as "exchange:42:confirm" makes posting twice impossible).
    Raises ValidationFailed, NotFound (account), Conflict (closed account, key used),
    LimitExceeded. A used key is found by the transfer's unique (community, key) when it is
    inserted, after the accounts are locked and checked."""
    if reason not in Reason.values:
        raise ValidationFailed("Unknown reason code.", fields={"reason": ["Unknown reason."]})
    _validate_legs(legs)
    effective = _check_effective_at(effective_at)
    # No savepoint: any failure here fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        return _write(
            community=community,
            key=key,
            reason=reason,
            status=TransferStatus.POSTED,
            legs=legs,
            actor=actor,
            on_behalf_of=on_behalf_of,
            memo=memo,
            effective_at=effective,
            related=(related[0], str(related[1])),
        )


def _transfer_request(**fields: Any) -> dict[str, Any]:
    legs = fields.pop("legs")
    fields["legs"] = sorted([leg.account_id, leg.amount_minutes] for leg in legs)
    return fields


def _load_transfer(stored: dict[str, Any]) -> Transfer:
    return Transfer.objects.get(pk=stored["transfer_id"])


def transfer_create(
    *,
    actor: Actor,
    community: AnyCommunity,
    idempotency_key: str,
    legs: list[Leg],
    reason: str = Reason.TRANSFER,
    memo: str = "",
    on_behalf_of: Actor | None = None,
    effective_at: dt.datetime | None = None,
    related: tuple[str, Any] = ("", ""),
) -> Transfer:
    """A client's transfer request, idempotent on its key: same key and request return the
    original transfer; same key, other request: Conflict; a failed attempt fails again the same
    way. Raises what post_transfer raises."""
    request = _transfer_request(
        community=community.pk,
        legs=legs,
        reason=reason,
        memo=memo,
        on_behalf_of=getattr(on_behalf_of, "pk", None),
        effective_at=effective_at.isoformat() if effective_at else None,
        related=[related[0], str(related[1])],
    )

    def run() -> tuple[Transfer, dict[str, Any]]:
        transfer = post_transfer(
            actor=actor,
            community=community,
            key=f"client:{idempotency_key}",
            legs=legs,
            reason=reason,
            memo=memo,
            on_behalf_of=on_behalf_of,
            effective_at=effective_at,
            related=related,
        )
        return transfer, {"transfer_id": transfer.pk}

    return idempotent(
        scope=f"ledger:{community.pk}",
        key=idempotency_key,
        request=request,
        run=run,
        load=_load_transfer,
    )
