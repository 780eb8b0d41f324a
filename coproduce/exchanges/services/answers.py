"""Answering recorded hours: the other side confirms (the hours are posted) or declines, either
side disputes, a coordinator settles a dispute or reverses posted hours, and the periodic job
confirms what nobody answered in time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, ValidationFailed
from coproduce.core.idempotency import once
from coproduce.ledger import errors
from coproduce.ledger.selectors import amounts as amounts_selectors
from coproduce.ledger.services import reversals as reversals_services

from .. import access as exchange_access
from ..models import (
    Exchange,
    ExchangeStatus,
)
from .exchanges import _acting_person, _answered, _lock, _notify_sides, _post


def _answer_check(actor: Actor, exchange: Exchange, on_behalf_of, *, dispute: bool = False) -> Any:
    person = _acting_person(actor, exchange, on_behalf_of)
    exchange_access.access_answer(person, exchange, dispute=dispute)
    return person


def _not_waiting(exchange: Exchange) -> Conflict:
    return Conflict(
        "This exchange is not waiting for an answer: it is "
        f"{exchange.get_status_display().lower()}.",
        code=f"already_{exchange.status}",
    )


def _load_exchange(stored: dict) -> Exchange:
    return Exchange.objects.select_related("community").get(pk=stored["exchange_id"])


def _answer_request(exchange: Exchange, actor: Actor, on_behalf_of, **values) -> dict:
    """What a client's key is checked against for an answer: the exchange, who it is for, and
    what they said."""
    return {"exchange": exchange.pk, "for": getattr(on_behalf_of, "pk", None) or actor.pk, **values}


def exchange_confirm(
    *, actor: Actor, exchange: Exchange, on_behalf_of=None, idempotency_key: str | None = None
) -> Exchange:
    """The other side confirms; the hours are posted. With a client's key, a retry answers with
    the confirmed exchange (the key is recorded with the posting) instead of "already
    confirmed". Raises PermissionDenied (own record, not a participant), Conflict (not waiting:
    confirmed, declined...; key reused), LimitExceeded."""

    def run():
        locked = _lock(exchange)
        person = _answer_check(actor, locked, on_behalf_of)
        if locked.status != ExchangeStatus.RECORDED:
            raise _not_waiting(locked)
        _post(locked, actor=actor, on_behalf_of=person if person.pk != actor.pk else None)
        locked.status = ExchangeStatus.CONFIRMED
        locked.decided_by = person
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "transfer"])
        audit_record(
            actor=actor,
            on_behalf_of=person,
            action="exchange.confirm",
            subject=locked,
            community_id=locked.community_id,
            person_id=person.pk,
            changes={"status": [ExchangeStatus.RECORDED, ExchangeStatus.CONFIRMED]},
        )
        _answered(locked)
        _notify_sides(
            locked,
            f"Confirmed: {amounts_selectors.hours(locked.minutes or 0)} ({locked.community.name})",
            f"{person.display_name} confirmed the hours for "
            f"{locked.title or locked.category or 'an exchange'}.",
            kind="exchange_confirmed",
            only={locked.recorded_for_id},
        )
        return locked, {"exchange_id": locked.pk}

    return once(
        scope=f"exchange-confirm:{exchange.community_id}",
        key=idempotency_key,
        request=_answer_request(exchange, actor, on_behalf_of),
        run=run,
        load=_load_exchange,
    )


def exchange_decline(
    *,
    actor: Actor,
    exchange: Exchange,
    reason: str,
    on_behalf_of=None,
    idempotency_key: str | None = None,
) -> Exchange:
    """The other side declines: nothing is posted. Raises ValidationFailed (no reason),
    PermissionDenied, Conflict."""
    reason = (reason or "").strip()

    def run():
        if not reason:
            raise ValidationFailed(
                "Say why, so the other person understands.", fields={"reason": ["Required."]}
            )
        locked = _lock(exchange)
        person = _answer_check(actor, locked, on_behalf_of)
        if locked.status != ExchangeStatus.RECORDED:
            raise _not_waiting(locked)
        locked.status = ExchangeStatus.DECLINED
        locked.decided_by = person
        locked.decided_at = timezone.now()
        locked.decision_note = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            on_behalf_of=person,
            action="exchange.decline",
            subject=locked,
            community_id=locked.community_id,
            person_id=person.pk,
            note=reason,
            changes={"status": [ExchangeStatus.RECORDED, ExchangeStatus.DECLINED]},
        )
        _answered(locked)
        _notify_sides(
            locked,
            f"Declined: {amounts_selectors.hours(locked.minutes or 0)} ({locked.community.name})",
            f"{person.display_name} declined the hours for "
            f"{locked.title or locked.category or 'an exchange'}.\n\nWhy: {reason}",
            kind="exchange_declined",
            only={locked.recorded_for_id},
        )
        return locked, {"exchange_id": locked.pk}

    return once(
        scope=f"exchange-decline:{exchange.community_id}",
        key=idempotency_key,
        request=_answer_request(exchange, actor, on_behalf_of, reason=reason),
        run=run,
        load=_load_exchange,
    )


def exchange_dispute_mark(
    *, actor: Actor, exchange: Exchange, reason: str, on_behalf_of=None
) -> Exchange:
    """Either side marks a recorded exchange disputed, so it is not posted while the dispute is
    settled. Must run inside the caller's transaction: `exchange_dispute` below, or governance's
    `dispute_open`, which opens the dispute about it in the same transaction. Raises
    ValidationFailed, PermissionDenied, Conflict."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say what is wrong.", fields={"reason": ["Required."]})
    locked = _lock(exchange)
    person = _answer_check(actor, locked, on_behalf_of, dispute=True)
    if locked.status != ExchangeStatus.RECORDED:
        raise _not_waiting(locked)
    locked.status = ExchangeStatus.DISPUTED
    locked.decision_note = reason
    locked.save(update_fields=["status", "decision_note"])
    audit_record(
        actor=actor,
        on_behalf_of=person,
        action="exchange.dispute",
        subject=locked,
        community_id=locked.community_id,
        person_id=person.pk,
        note=reason,
        changes={"status": [ExchangeStatus.RECORDED, ExchangeStatus.DISPUTED]},
    )
    _answered(locked)
    return locked


def exchange_dispute(
    *,
    actor: Actor,
    exchange: Exchange,
    reason: str,
    on_behalf_of=None,
    idempotency_key: str | None = None,
) -> Exchange:
    """Either side flags a recorded exchange (the pages and the API open a governance dispute
    about it instead, which calls `exchange_dispute_mark`). Raises ValidationFailed,
    PermissionDenied, Conflict."""
    reason = (reason or "").strip()

    def run():
        locked = exchange_dispute_mark(
            actor=actor, exchange=exchange, reason=reason, on_behalf_of=on_behalf_of
        )
        return locked, {"exchange_id": locked.pk}

    return once(
        scope=f"exchange-dispute:{exchange.community_id}",
        key=idempotency_key,
        request=_answer_request(exchange, actor, on_behalf_of, reason=reason),
        run=run,
        load=_load_exchange,
    )


SETTLE_OUTCOMES = ("confirm", "cancel", "reverse")


def exchange_settle(*, actor: Actor, exchange: Exchange, outcome: str, note: str) -> Exchange:
    """Settle a dispute about an exchange as agreed or decided: `confirm` posts the recorded
    hours and `cancel` declines them (a disputed exchange), `reverse` reverses posted hours with
    `note` as the reversal's reason (a new reversing transfer: the ledger is never edited). Who
    may settle is the caller's check: a coordinator (`exchange_resolve`), or governance's dispute
    services for the mediator or the panel, whose note names the dispute. Must run inside the
    caller's transaction. Raises ValidationFailed (no note, unknown outcome), Conflict
    (`not_disputed`, `not_posted`, already reversed), LimitExceeded."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "Record how the dispute was settled.", fields={"note": ["Required."]}
        )
    if outcome not in SETTLE_OUTCOMES:
        raise ValidationFailed(
            "Choose how the exchange is settled.",
            fields={"outcome": [f"Choose one of: {', '.join(SETTLE_OUTCOMES)}."]},
        )
    locked = _lock(exchange)
    if outcome == "reverse":
        if locked.transfer_id is None:
            raise Conflict(
                "Nothing has been posted for this exchange, so there is nothing to reverse.",
                code="not_posted",
            )
        reversal = reversals_services.transfer_reverse(
            actor=actor,
            community=locked.community,
            transfer_id=locked.transfer_id,
            reason=note,
            notify=False,
        )
        audit_record(
            actor=actor,
            action="exchange.reverse",
            subject=locked,
            community_id=locked.community_id,
            note=note,
            changes={"reversal_transfer": [None, reversal.pk]},
        )
        _notify_sides(
            locked,
            f"Hours reversed ({locked.community.name})",
            f"{amounts_selectors.hours(locked.minutes or 0)} for "
            f"{locked.title or locked.category or 'an exchange'} on "
            f"{locked.effective_on:%-d %B %Y} were reversed.\n\nReason: {note}",
            kind="exchange_reversed",
        )
        return locked
    if locked.status != ExchangeStatus.DISPUTED:
        raise Conflict("Only a disputed exchange can be settled this way.", code="not_disputed")
    old = locked.status
    if outcome == "confirm":
        _post(locked, actor=actor)
        locked.status = ExchangeStatus.CONFIRMED
    else:
        locked.status = ExchangeStatus.DECLINED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "transfer"])
    audit_record(
        actor=actor,
        action="exchange.resolve",
        subject=locked,
        community_id=locked.community_id,
        note=note,
        changes={"status": [old, locked.status]},
    )
    _notify_sides(
        locked,
        f"Dispute settled ({locked.community.name})",
        "The dispute about "
        f"{locked.title or locked.category or 'an exchange'} was settled: the hours were "
        f"{locked.get_status_display().lower()}.\n\n{note}",
        kind="exchange_settled",
    )
    return locked


def exchange_resolve(
    *,
    actor: Actor,
    exchange: Exchange,
    confirm: bool,
    note: str,
    idempotency_key: str | None = None,
) -> Exchange:
    """A coordinator settles a disputed exchange: confirmed (posted) or declined. With a client's
    key, a retry answers with the settled exchange. (An exchange with a governance dispute is
    settled through the dispute: the faces ask governance first.) Raises PermissionDenied,
    ValidationFailed (no note), Conflict (not disputed, key reused), LimitExceeded."""
    note = (note or "").strip()

    def run():
        if not note:
            raise ValidationFailed(
                "Record how the dispute was settled.", fields={"note": ["Required."]}
            )
        community_access.access_coordinate(actor, exchange.community)
        locked = exchange_settle(
            actor=actor, exchange=exchange, outcome="confirm" if confirm else "cancel", note=note
        )
        return locked, {"exchange_id": locked.pk}

    return once(
        scope=f"exchange-settle:{exchange.community_id}",
        key=idempotency_key,
        request={"exchange": exchange.pk, "confirm": confirm, "note": note},
        run=run,
        load=_load_exchange,
    )


def exchanges_auto_confirm(*, now: dt.datetime | None = None) -> int:
    """The periodic job: confirm every recorded exchange whose community's delay has passed.
    An exchange that cannot be posted (a limit) is left for a coordinator. Returns how many."""
    now = now or timezone.now()
    done = 0
    for exchange in Exchange.objects.filter(
        status=ExchangeStatus.RECORDED, auto_confirm_at__lte=now
    ).order_by("pk"):
        try:
            with transaction.atomic(durable=True):
                locked = _lock(exchange)
                if locked.status != ExchangeStatus.RECORDED:
                    continue
                _post(locked, actor=None)
                locked.status = ExchangeStatus.CONFIRMED
                locked.decided_at = now
                days = communities_selectors.rules_for(locked.community)["auto_confirm_days"]
                locked.decision_note = ngettext(
                    "Confirmed automatically: no answer within %(n)d day.",
                    "Confirmed automatically: no answer within %(n)d days.",
                    days,
                ) % {"n": days}
                locked.save(update_fields=["status", "decided_at", "decision_note", "transfer"])
                audit_record(
                    actor=None,
                    action="exchange.auto_confirm",
                    subject=locked,
                    community_id=locked.community_id,
                    changes={"status": [ExchangeStatus.RECORDED, ExchangeStatus.CONFIRMED]},
                )
                _answered(locked)
                done += 1
        except errors.LimitExceeded:
            continue
    return done


def exchange_reverse(
    *, actor: Actor, exchange: Exchange, reason: str, idempotency_key: str | None = None
) -> Exchange:
    """A coordinator reverses a posted exchange with a reason (a new reversing transfer); both
    sides are told why. The reversal, its audit row, the notices and the client's key (if any)
    are written in one transaction. Raises PermissionDenied, ValidationFailed, Conflict (not
    posted, already reversed, key reused), LimitExceeded."""
    reason = (reason or "").strip()

    def run():
        locked = _lock(exchange)
        community_access.access_coordinate(actor, locked.community)
        if locked.transfer_id is None:
            raise Conflict(
                "Nothing has been posted for this exchange, so there is nothing to reverse.",
                code="not_posted",
            )
        reversal = reversals_services.transfer_reverse(
            actor=actor,
            community=locked.community,
            transfer_id=locked.transfer_id,
            reason=reason,
            notify=False,
        )
        audit_record(
            actor=actor,
            action="exchange.reverse",
            subject=locked,
            community_id=locked.community_id,
            note=reason,
            changes={"reversal_transfer": [None, reversal.pk]},
        )
        _notify_sides(
            locked,
            f"Hours reversed ({locked.community.name})",
            f"A coordinator reversed {amounts_selectors.hours(locked.minutes or 0)} for "
            f"{locked.title or locked.category or 'an exchange'} on "
            f"{locked.effective_on:%-d %B %Y}.\n\nReason: {reason}",
            kind="exchange_reversed",
        )
        return locked, {"exchange_id": locked.pk}

    return once(
        scope=f"exchange-reverse:{exchange.community_id}",
        key=idempotency_key,
        request={"exchange": exchange.pk, "reason": reason},
        run=run,
        load=_load_exchange,
    )
