"""Reservations (two-phase transfers): hold minutes as pending, then post (in full or in part),
void, or let expire. A reservation resolves at most once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coproduce.core.actors import Actor
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.idempotency import idempotent

from ..models import AnyCommunity, Reason, Transfer, TransferStatus
from .postings import Leg, _validate_legs, _write
from .transfers import _load_transfer, _transfer_request


def reservation_create(
    *,
    actor: Actor,
    community: AnyCommunity,
    idempotency_key: str,
    legs: list[Leg],
    expires_at: dt.datetime,
    memo: str = "",
    related: tuple[str, Any] = ("", ""),
) -> Transfer:
    """Hold minutes (pending) until posted, voided or expired. Raises as transfer_create,
    ValidationFailed (expiry in the past)."""
    if expires_at <= timezone.now():
        raise ValidationFailed(
            "The reservation must expire in the future.", fields={"expires_at": ["In the past."]}
        )
    request = _transfer_request(
        community=community.pk,
        legs=legs,
        memo=memo,
        expires_at=expires_at.isoformat(),
        related=[related[0], str(related[1])],
        kind="reservation",
    )

    def run() -> tuple[Transfer, dict[str, Any]]:
        _validate_legs(legs)
        transfer = _write(
            community=community,
            key=f"client:{idempotency_key}",
            reason=Reason.RESERVATION,
            status=TransferStatus.PENDING,
            legs=legs,
            actor=actor,
            memo=memo,
            effective_at=timezone.now(),
            related=(related[0], str(related[1])),
            expires_at=expires_at,
        )
        return transfer, {"transfer_id": transfer.pk}

    return idempotent(
        scope=f"ledger:{community.pk}",
        key=idempotency_key,
        request=request,
        run=run,
        load=_load_transfer,
    )


def _pending_legs(reservation: Transfer) -> list[Leg]:
    return [Leg(p.account_id, p.amount_minutes) for p in reservation.postings.all()]


def _lock_reservation(community: AnyCommunity, reservation_id: int) -> Transfer:
    qs = Transfer.objects.filter(
        community=community, pk=reservation_id, status=TransferStatus.PENDING
    )
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    reservation = qs.first()
    if reservation is None:
        raise NotFound("No such reservation.")
    if Transfer.objects.filter(resolves=reservation).exists():
        raise Conflict("This reservation has already been resolved.", code="already_resolved")
    return reservation


def reservation_post(
    *, actor: Actor, community: AnyCommunity, reservation_id: int, amount_minutes: int | None = None
) -> Transfer:
    """Post a reservation, in full or in part (two-leg reservations only). The hold is lifted
    and the posted amount moves. Raises NotFound, Conflict (resolved, expired), ValidationFailed."""
    with transaction.atomic(durable=True):
        reservation = _lock_reservation(community, reservation_id)
        if reservation.expires_at and reservation.expires_at <= timezone.now():
            raise Conflict("This reservation has expired.", code="reservation_expired")
        held = _pending_legs(reservation)
        if amount_minutes is None:
            legs = held
        else:
            full = max(leg.amount_minutes for leg in held)
            if len(held) != 2:
                raise ValidationFailed(
                    "Only a reservation between two accounts can be posted in part."
                )
            if (
                isinstance(amount_minutes, bool)
                or not isinstance(amount_minutes, int)
                or not 0 < amount_minutes <= full
            ):
                raise ValidationFailed(
                    f"Post between 1 and {full} minutes.",
                    fields={"amount_minutes": ["Out of range."]},
                )
            legs = [
                Leg(leg.account_id, amount_minutes if leg.amount_minutes > 0 else -amount_minutes)
                for leg in held
            ]
        return _write(
            community=community,
            key=f"resolve:{reservation.pk}",
            reason=Reason.RESERVATION_POST,
            status=TransferStatus.POSTED,
            legs=legs,
            actor=actor,
            memo=reservation.memo,
            effective_at=timezone.now(),
            resolves=reservation,
            release=held,
            related=(reservation.related_type, reservation.related_id),
        )


def _resolve_without_posting(
    *, actor: Actor | None, community: AnyCommunity, reservation: Transfer, reason: str
) -> Transfer:
    return _write(
        community=community,
        key=f"resolve:{reservation.pk}",
        reason=reason,
        status=TransferStatus.POSTED,
        legs=[],
        actor=actor,
        effective_at=timezone.now(),
        resolves=reservation,
        release=_pending_legs(reservation),
        related=(reservation.related_type, reservation.related_id),
    )


def reservation_void(*, actor: Actor, community: AnyCommunity, reservation_id: int) -> Transfer:
    """Release a reservation without moving anything. Raises NotFound, Conflict."""
    with transaction.atomic(durable=True):
        reservation = _lock_reservation(community, reservation_id)
        return _resolve_without_posting(
            actor=actor,
            community=community,
            reservation=reservation,
            reason=Reason.RESERVATION_VOID,
        )


def reservations_expire(*, now: dt.datetime | None = None) -> int:
    """Expire every unresolved reservation past its time (the periodic job). Returns how many."""
    now = now or timezone.now()
    expired = 0
    candidates = (
        Transfer.objects.filter(
            status=TransferStatus.PENDING, expires_at__lte=now, resolution__isnull=True
        )
        .select_related("community")
        .order_by("pk")
    )
    for reservation in candidates:
        try:
            with transaction.atomic(durable=True):
                fresh = _lock_reservation(reservation.community, reservation.pk)
                _resolve_without_posting(
                    actor=None,
                    community=reservation.community,
                    reservation=fresh,
                    reason=Reason.RESERVATION_EXPIRE,
                )
                expired += 1
        except Conflict:
            continue  # resolved by someone else meanwhile
    return expired
