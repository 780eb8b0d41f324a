"""Reversals: a correction is a new transfer with every leg of the original negated, with a
reason; at most one per original (`Transfer.reverses` is unique). The people whose member
accounts it touched are told why through their notification centre."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.core.actors import Actor
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.idempotency import idempotent
from coproduce.notifications.services import notifications as notification_services

from ..models import Account, AccountKind, AnyCommunity, Reason, Transfer, TransferStatus
from ..selectors.amounts import hours
from .postings import Leg, _write
from .transfers import _load_transfer


def transfer_reverse(
    *,
    actor: Actor,
    community: AnyCommunity,
    transfer_id: int,
    reason: str,
    on_behalf_of: Actor | None = None,
    notify: bool = True,
    idempotency_key: str | None = None,
) -> Transfer:
    """Reverse a posted transfer with a reason, as a new transfer with every leg negated; at
    most one reversal per transfer. The holders of the member accounts it touched get a
    notification saying why, emailed as each of them chose (`notify=False` when the caller
    tells them itself, as an exchange's reversal does).

    Nestable: inside a caller's transaction (an exchange's reversal, whose audit row and notices
    commit with it) it writes in that transaction, in a savepoint, so a refusal leaves the
    caller's transaction usable; on its own it is its own transaction. With a client's key it
    must be the outermost write (the key is recorded in the transaction it opens): a retry then
    answers with the original reversal instead of "already reversed". Raises ValidationFailed
    (no reason), NotFound, Conflict (already reversed, a reversal, a reservation, nothing moved,
    key reused), LimitExceeded (someone's balance is too low to give the time back)."""

    def run() -> tuple[Transfer, dict[str, Any]]:
        reversal = _reverse(
            actor=actor,
            community=community,
            transfer_id=transfer_id,
            reason=reason,
            on_behalf_of=on_behalf_of,
            notify=notify,
        )
        return reversal, {"transfer_id": reversal.pk}

    if idempotency_key is None:
        with transaction.atomic():
            return run()[0]
    return idempotent(
        scope=f"ledger-reverse:{community.pk}",
        key=idempotency_key,
        request={
            "transfer": transfer_id,
            "reason": reason,
            "on_behalf_of": getattr(on_behalf_of, "pk", None),
        },
        run=run,
        load=_load_transfer,
    )


def _reverse(
    *,
    actor: Actor,
    community: AnyCommunity,
    transfer_id: int,
    reason: str,
    on_behalf_of: Actor | None,
    notify: bool,
) -> Transfer:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why this is being reversed.", fields={"reason": ["Required."]})
    original = Transfer.objects.filter(community=community, pk=transfer_id).first()
    if original is None:
        raise NotFound("No such transfer.")
    if original.status != TransferStatus.POSTED or original.reason in {
        Reason.REVERSAL,
        Reason.RESERVATION_VOID,
        Reason.RESERVATION_EXPIRE,
    }:
        raise Conflict("Only a posted transfer can be reversed.", code="not_reversible")
    if Transfer.objects.filter(reverses=original).exists():
        raise Conflict("This transfer has already been reversed.", code="already_reversed")
    legs = [Leg(p.account_id, -p.amount_minutes) for p in original.postings.all()]
    if not legs:
        raise Conflict(
            "Nothing moved in this transfer, so there is nothing to reverse.", code="not_reversible"
        )
    reversal = _write(
        community=community,
        key=f"reverse:{original.pk}",
        reason=Reason.REVERSAL,
        status=TransferStatus.POSTED,
        legs=legs,
        actor=actor,
        on_behalf_of=on_behalf_of,
        memo=reason,
        effective_at=timezone.now(),
        reverses=original,
        related=(original.related_type, original.related_id),
    )
    if notify:
        _notify_reversal(community, original, reason)
    return reversal


def _notify_reversal(community: AnyCommunity, original: Transfer, reason: str) -> None:
    """A notification for each holder of a member account the original moved (not former
    members whose details were removed), in the reversal's transaction; the notifications
    service emails it after commit to those who want each one by email."""
    holders = [
        account.person
        for account in Account.objects.filter(
            postings__transfer=original, kind=AccountKind.MEMBER
        ).select_related("person")
        if account.person and account.person.pseudonymised_at is None
    ]
    minutes = max((abs(p.amount_minutes) for p in original.postings.all()), default=0)
    body = (
        f"A coordinator of {community.name} reversed {hours(minutes)} "
        f"({original.get_reason_display().lower()}, "
        f"{timezone.localtime(original.effective_at):%-d %B %Y}).\n\nReason: {reason}\n"
    )
    for person in holders:
        notification_services.notify(
            person=person,
            kind="transfer_reversed",
            community=community,
            title=f"Hours reversed ({community.name})",
            body=body,
            url=reverse("web:statement", args=[community.slug]),
        )
