"""Every write about exchanges. Only confirmation (by the other side, a coordinator resolving a
dispute, or the auto-confirm job) and coordinator entry (brokered exchanges, paper slips) post
hours, through `ledger.services.post_transfer` with a key derived from the exchange, so an
exchange can be posted at most once."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import ngettext

from coproduce.communities import access as community_access
from coproduce.communities import selectors as community_selectors
from coproduce.communities.services import AVAILABILITY_SLOTS
from coproduce.core import limits
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.idempotency import idempotent, once
from coproduce.ledger import selectors as ledger_selectors
from coproduce.ledger import services as ledger
from coproduce.ledger.services import Leg
from coproduce.notifications import services as notifications

from . import lexicon, semantic
from .access import access_listing
from .models import (
    Category,
    CategoryGroup,
    EntryMethod,
    Exchange,
    ExchangeReference,
    ExchangeShape,
    ExchangeStatus,
    Expense,
    Listing,
    ListingKind,
    ListingMode,
    ListingStatus,
    ListingVisibility,
    Participant,
    ParticipantRole,
    ReferenceKind,
)
from .selectors import recipient_shares

MAX_PARTICIPANTS = 60


def _notify(people, subject: str, body: str, *, kind: str = "exchange", url: str = "", community=None) -> None:
    """Tell each person in their notification centre, and by email if they want each one
    (a background job after commit: see notifications.services.notify)."""
    for person in people:
        if person.pseudonymised_at is None:
            notifications.notify(person=person, kind=kind, title=subject, body=body, url=url, community=community)


def _notify_sides(exchange: Exchange, subject: str, body: str, *, kind: str, only=None) -> None:
    """Tell the people in an exchange (or only those with ids in `only`), linking to it."""
    people = [p.person for p in exchange.participants.select_related("person")
              if only is None or p.person_id in only]
    community = exchange.community
    _notify(people, subject, body, kind=kind, community=community,
            url=f"/c/{community.slug}/exchanges/{exchange.pk}/")


def _exchange_url(exchange: Exchange) -> str:
    return f"/c/{exchange.community.slug}/exchanges/{exchange.pk}/"


def _answered(exchange: Exchange) -> None:
    """The hours no longer wait for an answer: the "Please confirm" notifications about them are
    resolved, whoever answered (the person, a coordinator for them, the other side's dispute or
    the auto-confirm job)."""
    notifications.resolve(people_ids=exchange.participants.values_list("person_id", flat=True),
                          kind="exchange_recorded", url=_exchange_url(exchange))


def _shape(providers: list, recipients: list) -> str:
    if len(providers) == 1 and len(recipients) == 1:
        return ExchangeShape.ONE_TO_ONE
    if len(providers) == 1:
        return ExchangeShape.ONE_TO_MANY
    if len(recipients) == 1:
        return ExchangeShape.MANY_TO_ONE
    raise ValidationFailed(
        "An exchange is one person helping one or more people, or several people helping one person. "
        "Record a group helping a group as separate exchanges.",
        fields={"recipients": ["Too many on both sides."]},
    )


def _check_people(community, providers: list, recipients: list) -> None:
    errors: dict[str, list[str]] = {}
    if not providers:
        errors["providers"] = ["Say who gave the help."]
    if not recipients:
        errors["recipients"] = ["Say who received the help."]
    if len(providers) + len(recipients) > MAX_PARTICIPANTS:
        errors["recipients"] = [f"At most {MAX_PARTICIPANTS} people in one exchange."]
    if errors:
        raise ValidationFailed("Please say who took part.", fields=errors)
    provider_ids = [p.pk for p in providers]
    recipient_ids = [p.pk for p in recipients]
    if set(provider_ids) & set(recipient_ids):
        raise ValidationFailed("Nobody can exchange time with themselves.", code="self_exchange",
                               fields={"recipients": ["The same person is on both sides."]})
    if len(set(provider_ids)) != len(provider_ids) or len(set(recipient_ids)) != len(recipient_ids):
        raise ValidationFailed("Each person may be listed once.", fields={"recipients": ["Listed twice."]})
    for person in [*providers, *recipients]:
        membership = community_access.membership_of(person, community)
        if membership is None:
            raise NotFound(f"{person.display_name} is not a member of this community.", code="not_a_member")


def _check_amount(community, minutes: Any, effective_on: dt.date | None) -> None:
    rules = community_selectors.rules_for(community)
    errors: dict[str, list[str]] = {}
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        errors["minutes"] = ["Enter the time as whole minutes."]
    elif minutes <= 0:
        errors["minutes"] = ["The time must be more than zero."]
    elif minutes > rules["max_minutes_per_exchange"]:
        errors["minutes"] = [
            f"This community records at most {ledger_selectors.hours(rules['max_minutes_per_exchange'])} "
            "in one exchange. Record longer help as separate exchanges."
        ]
    if effective_on is None:
        errors["effective_on"] = ["Give the date the help happened."]
    elif effective_on > _local_today(community):
        errors["effective_on"] = ["The date cannot be in the future."]
    elif effective_on < _local_today(community) - dt.timedelta(days=366):
        errors["effective_on"] = ["The date is more than a year ago; ask a coordinator to enter it."]
    if errors:
        raise ValidationFailed("Please correct the time or the date.", fields=errors)


def _local_today(community) -> dt.date:
    return timezone.localtime(timezone.now(), _tz(community)).date()


def _tz(community):
    import zoneinfo

    return zoneinfo.ZoneInfo(community.timezone)


def _effective_at(community, day: dt.date) -> dt.datetime:
    noon = dt.datetime.combine(day, dt.time(12, 0), tzinfo=_tz(community))
    return min(noon, timezone.now())


def _clean_expenses(expenses: list[dict] | None) -> list[dict]:
    cleaned = []
    for item in expenses or []:
        try:
            amount = Decimal(str(item.get("amount")))
        except (InvalidOperation, TypeError):
            raise ValidationFailed("An expense amount is not a number.", fields={"expenses": ["Not a number."]}) from None
        currency = str(item.get("currency") or "GBP").upper()
        note = str(item.get("note") or "").strip()
        if not amount.is_finite() or amount <= 0 or amount >= Decimal("10000000"):
            raise ValidationFailed("An expense must be more than zero.", fields={"expenses": ["Out of range."]})
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationFailed("Expenses are in pounds and pence (two decimal places).",
                                   fields={"expenses": ["Too many decimal places."]})
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise ValidationFailed("Give the currency as three letters, e.g. GBP.", fields={"expenses": ["Bad currency."]})
        if not note:
            raise ValidationFailed("Say what each expense was for.", fields={"expenses": ["Missing note."]})
        cleaned.append({"amount": amount, "currency": currency, "note": note[:200]})
    return cleaned


def _payer(community, shape: str) -> str:
    if shape == ExchangeShape.ONE_TO_ONE:
        return "recipients"
    rule = community_selectors.rules_for(community)["group_exchange_payer"]
    return "fund" if rule == "fund" else "recipients"


def _create(
    *, actor, community, providers, recipients, minutes, effective_on, title, category, note, recorded_for,
    method, status, listing_id=None, slip_number="", expenses=None,
) -> Exchange:
    shape = _shape(providers, recipients)
    exchange = Exchange.objects.create(
        community=community, shape=shape, status=status, method=method, title=title[:200], category=category[:80],
        note=note, listing_id=listing_id, minutes=minutes, effective_on=effective_on, payer=_payer(community, shape),
        slip_number=slip_number, arranged_by=actor, recorded_by=actor, recorded_for=recorded_for,
        recorded_at=timezone.now(),
        auto_confirm_at=timezone.now() + dt.timedelta(days=community_selectors.rules_for(community)["auto_confirm_days"]),
    )
    Participant.objects.bulk_create(
        [Participant(exchange=exchange, person=p, role=ParticipantRole.PROVIDER) for p in providers]
        + [Participant(exchange=exchange, person=p, role=ParticipantRole.RECIPIENT) for p in recipients]
    )
    for item in _clean_expenses(expenses):
        Expense.objects.create(exchange=exchange, paid_by=None, **item)
    return exchange


def exchange_legs(exchange: Exchange) -> list[Leg]:
    """Providers earn their minutes; recipients (split, remainder to the first) or the
    community fund pay the total."""
    community = exchange.community
    parts = list(exchange.participants.select_related("person").order_by("person_id"))
    providers = [p.person for p in parts if p.role == ParticipantRole.PROVIDER]
    recipients = [p.person for p in parts if p.role == ParticipantRole.RECIPIENT]
    minutes = exchange.minutes or 0
    total = minutes * len(providers)
    legs = [Leg(ledger.member_account(community, p).pk, minutes) for p in providers]
    if exchange.payer == "fund":
        legs.append(Leg(ledger.fund_account(community).pk, -total))
    else:
        shares = recipient_shares(total, [person.pk for person in recipients])
        for person in recipients:
            if shares[person.pk]:
                legs.append(Leg(ledger.member_account(community, person).pk, -shares[person.pk]))
    return legs


def _post(exchange: Exchange, *, actor, on_behalf_of=None) -> None:
    """Post the exchange's hours. Must run inside the caller's transaction, with the exchange locked."""
    transfer = ledger.post_transfer(
        actor=actor, community=exchange.community, key=f"exchange:{exchange.pk}", legs=exchange_legs(exchange),
        reason="exchange" if exchange.shape == ExchangeShape.ONE_TO_ONE else "group_exchange",
        memo=exchange.title or exchange.category, on_behalf_of=on_behalf_of,
        effective_at=_effective_at(exchange.community, exchange.effective_on or _local_today(exchange.community)),
        related=("exchange", exchange.pk),
    )
    exchange.transfer = transfer


def _lock(exchange: Exchange) -> Exchange:
    qs = Exchange.objects.select_related("community").filter(pk=exchange.pk)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    return qs.get()


def _sides(exchange: Exchange) -> tuple[set[int], set[int]]:
    providers: set[int] = set()
    recipients: set[int] = set()
    for person_id, role in exchange.participants.values_list("person_id", "role"):
        (providers if role == ParticipantRole.PROVIDER else recipients).add(person_id)
    return providers, recipients


def _acting_person(actor, exchange: Exchange, on_behalf_of) -> Any:
    """The participant this action is for: the actor, or the member a coordinator acts for."""
    if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
        if not community_access.is_coordinator(actor, exchange.community):
            raise PermissionDenied("Only a coordinator can act for another member.")
        return on_behalf_of
    return actor


def _listing_for_exchange(actor, community, listing_id: Any) -> Listing:
    """The listing an exchange is arranged from: of this community and visible to the actor.
    Raises ValidationFailed (`unknown_listing`) otherwise, saying nothing about listings the
    actor may not see."""
    message = "There is no such offer or request in this community to link these hours to."
    refused = ValidationFailed(message, code="unknown_listing", fields={"listing_id": [message]})
    if isinstance(listing_id, bool) or not isinstance(listing_id, int):
        raise refused
    listing = Listing.objects.select_related("community", "category").filter(pk=listing_id).first()
    if listing is None or listing.community_id != community.pk:
        raise refused
    try:
        access_listing(actor, listing)
    except NotFound:
        raise refused from None
    return listing


def listing_activity(mode: str, is_group: bool) -> str | None:
    """The kind of activity (communities.rules.ACTIVITY_TYPES) a listing offers or asks for, for
    the community's check rules: a visit to a member's home for one at the member's home; none for
    help by phone or online (no rule describes it); a group activity for a group; one-to-one help
    in a public place otherwise."""
    if mode == ListingMode.AT_HOME:
        return "home_visit"
    if mode == ListingMode.REMOTE:
        return None
    return "group_activity" if is_group else "one_to_one"


def exchange_activity(shape: str, listing: Listing | None) -> str | None:
    """The kind of activity an exchange is: its listing's (a one-to-one exchange from a group
    listing is part of the group activity), or by its shape when it has none."""
    if listing is not None:
        activity = listing_activity(listing.mode, listing.is_group)
        if activity != "one_to_one" or shape == ExchangeShape.ONE_TO_ONE:
            return activity
    return "one_to_one" if shape == ExchangeShape.ONE_TO_ONE else "group_activity"


def _check_vetting(actor, community, activity: str | None, people: list) -> None:
    """Everyone taking part must hold the check level the community's rule asks for this kind
    of activity. One query for everyone's checks; the refusal names the first person short of it
    (see `communities.access.vetting_refusal` for what it says to whom). Raises PermissionDenied
    `vetting_required`."""
    if activity is None:
        return
    needed = community_access.activity_level_needed(community, activity)
    if needed <= 0:
        return
    levels = community_selectors.vetting_levels(community, [p.pk for p in people])
    for person in people:
        if levels[person.pk] < needed:
            raise PermissionDenied(community_access.activity_refusal(person, community, activity, viewer=actor),
                                   code="vetting_required")


# Recording -----------------------------------------------------------------------------------


def exchange_record(
    *,
    actor,
    community,
    idempotency_key: str,
    providers: list,
    recipients: list,
    minutes: int,
    effective_on: dt.date,
    title: str = "",
    category: str = "",
    note: str = "",
    on_behalf_of=None,
    listing_id: int | None = None,
    expenses: list[dict] | None = None,
) -> Exchange:
    """A participant (or a coordinator for them) records hours; the other side confirms.
    Idempotent on the key. Raises ValidationFailed (minutes, date, oneself, shape),
    NotFound (not a member), PermissionDenied (not a participant; `vetting_required` when someone
    in it lacks the check level the community's rule asks for this kind of help), Conflict (key
    reused)."""
    request = {
        "providers": sorted(p.pk for p in providers), "recipients": sorted(p.pk for p in recipients),
        "minutes": minutes, "effective_on": str(effective_on), "title": title, "category": category, "note": note,
        "on_behalf_of": getattr(on_behalf_of, "pk", None), "listing_id": listing_id,
        "expenses": [{k: str(v) for k, v in e.items()} for e in expenses or []],
    }

    def run():
        _check_amount(community, minutes, effective_on)
        _check_people(community, providers, recipients)
        if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
            if not community_access.is_coordinator(actor, community):
                raise PermissionDenied("Only a coordinator can record hours for another member.")
            recorded_for = on_behalf_of
        else:
            recorded_for = actor
        if recorded_for.pk not in {p.pk for p in [*providers, *recipients]}:
            raise PermissionDenied(
                "You can only record an exchange you took part in.", code="not_a_participant",
                fields={"providers": ["You are not on either side."]},
            )
        exchange_title, exchange_category = title, category
        listing = None
        if listing_id is not None:
            listing = _listing_for_exchange(actor, community, listing_id)
            # The hours link back to the listing and count under its category.
            exchange_title, exchange_category = title or listing.title, listing.category.name
        others = [p for p in [*providers, *recipients] if p.pk != recorded_for.pk]
        _check_vetting(actor, community, exchange_activity(_shape(providers, recipients), listing),
                       [recorded_for, *others])
        exchange = _create(
            actor=actor, community=community, providers=providers, recipients=recipients, minutes=minutes,
            effective_on=effective_on, title=exchange_title, category=exchange_category, note=note,
            recorded_for=recorded_for,
            method=EntryMethod.MEMBER, status=ExchangeStatus.RECORDED, listing_id=listing_id, expenses=expenses,
        )
        audit_record(actor=actor, on_behalf_of=recorded_for, action="exchange.record", subject=exchange,
                     community_id=community.pk, person_id=recorded_for.pk,
                     changes={"status": [None, exchange.status], "minutes": [None, minutes]})
        _notify(others, f"Please confirm {ledger_selectors.hours(minutes)} ({community.name})",
                f"{recorded_for.display_name} recorded {ledger_selectors.hours(minutes)} for "
                f"{title or category or 'an exchange'} on {effective_on:%-d %B %Y}. Please confirm or decline it.",
                kind="exchange_recorded", community=community, url=_exchange_url(exchange))
        return exchange, {"exchange_id": exchange.pk}

    return idempotent(
        scope=f"exchange:{community.pk}", key=idempotency_key, request=request, run=run,
        load=lambda stored: Exchange.objects.get(pk=stored["exchange_id"]),
    )


def exchange_enter(
    *,
    actor,
    community,
    idempotency_key: str,
    providers: list,
    recipients: list,
    minutes: int,
    effective_on: dt.date,
    title: str = "",
    category: str = "",
    note: str = "",
    slip_number: str = "",
    expenses: list[dict] | None = None,
) -> Exchange:
    """A coordinator enters an exchange for members who are offline: brokered by phone, or
    from a paper slip both signed (with its slip number, which can be entered only once).
    Posted at once. Raises as exchange_record, PermissionDenied (not a coordinator;
    `vetting_required` as in exchange_record), Conflict (slip already entered), LimitExceeded."""
    slip_number = (slip_number or "").strip()
    request = {
        "providers": sorted(p.pk for p in providers), "recipients": sorted(p.pk for p in recipients),
        "minutes": minutes, "effective_on": str(effective_on), "title": title, "category": category, "note": note,
        "slip": slip_number, "expenses": [{k: str(v) for k, v in e.items()} for e in expenses or []],
    }

    def run():
        community_access.access_coordinate(actor, community)
        _check_amount(community, minutes, effective_on)
        _check_people(community, providers, recipients)
        _check_vetting(actor, community, exchange_activity(_shape(providers, recipients), None),
                       [*providers, *recipients])
        if slip_number:
            earlier = Exchange.objects.filter(community=community, slip_number=slip_number).first()
            if earlier is not None:
                raise Conflict(
                    f"Paper slip {slip_number} was already entered on {timezone.localtime(earlier.created_at):%-d %B %Y}.",
                    code="slip_already_entered", fields={"slip_number": ["Already entered."]},
                )
        try:
            with transaction.atomic():
                exchange = _create(
                    actor=actor, community=community, providers=providers, recipients=recipients, minutes=minutes,
                    effective_on=effective_on, title=title, category=category, note=note, recorded_for=None,
                    method=EntryMethod.PAPER_SLIP if slip_number else EntryMethod.BROKERED,
                    status=ExchangeStatus.CONFIRMED, slip_number=slip_number, expenses=expenses,
                )
        except IntegrityError:
            raise Conflict(f"Paper slip {slip_number} was already entered.", code="slip_already_entered",
                           fields={"slip_number": ["Already entered."]}) from None
        exchange.decided_by = actor
        exchange.decided_at = timezone.now()
        _post(exchange, actor=actor)
        exchange.save(update_fields=["decided_by", "decided_at", "transfer"])
        audit_record(actor=actor, action=f"exchange.{exchange.method}", subject=exchange, community_id=community.pk,
                     changes={"status": [None, exchange.status], "minutes": [None, minutes], "slip": [None, slip_number]})
        return exchange, {"exchange_id": exchange.pk}

    return idempotent(
        scope=f"exchange:{community.pk}", key=idempotency_key, request=request, run=run,
        load=lambda stored: Exchange.objects.get(pk=stored["exchange_id"]),
    )


# Answering -----------------------------------------------------------------------------------


def _answer_check(actor, exchange: Exchange, on_behalf_of) -> Any:
    person = _acting_person(actor, exchange, on_behalf_of)
    providers, recipients = _sides(exchange)
    if person.pk not in providers | recipients:
        raise PermissionDenied("Only the people in this exchange can answer it.", code="not_a_participant")
    recorder = exchange.recorded_for_id
    recorder_side = providers if recorder in providers else recipients
    if person.pk in recorder_side:
        raise PermissionDenied(
            "The other person confirms: you cannot confirm or decline hours your side recorded.",
            code="own_record",
        )
    return person


def _not_waiting(exchange: Exchange) -> Conflict:
    return Conflict(f"This exchange is not waiting for an answer: it is {exchange.get_status_display().lower()}.",
                    code=f"already_{exchange.status}")


def _load_exchange(stored: dict) -> Exchange:
    return Exchange.objects.select_related("community").get(pk=stored["exchange_id"])


def _answer_request(exchange: Exchange, actor, on_behalf_of, **values) -> dict:
    """What a client's key is checked against for an answer: the exchange, who it is for, and
    what they said."""
    return {"exchange": exchange.pk, "for": getattr(on_behalf_of, "pk", None) or actor.pk, **values}


def exchange_confirm(*, actor, exchange: Exchange, on_behalf_of=None, idempotency_key: str | None = None) -> Exchange:
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
        audit_record(actor=actor, on_behalf_of=person, action="exchange.confirm", subject=locked,
                     community_id=locked.community_id, person_id=person.pk,
                     changes={"status": [ExchangeStatus.RECORDED, ExchangeStatus.CONFIRMED]})
        _answered(locked)
        _notify_sides(locked, f"Confirmed: {ledger_selectors.hours(locked.minutes or 0)} ({locked.community.name})",
                      f"{person.display_name} confirmed the hours for "
                      f"{locked.title or locked.category or 'an exchange'}.",
                      kind="exchange_confirmed", only={locked.recorded_for_id})
        return locked, {"exchange_id": locked.pk}

    return once(scope=f"exchange-confirm:{exchange.community_id}", key=idempotency_key,
                request=_answer_request(exchange, actor, on_behalf_of), run=run, load=_load_exchange)


def exchange_decline(*, actor, exchange: Exchange, reason: str, on_behalf_of=None,
                     idempotency_key: str | None = None) -> Exchange:
    """The other side declines: nothing is posted. Raises ValidationFailed (no reason),
    PermissionDenied, Conflict."""
    reason = (reason or "").strip()

    def run():
        if not reason:
            raise ValidationFailed("Say why, so the other person understands.", fields={"reason": ["Required."]})
        locked = _lock(exchange)
        person = _answer_check(actor, locked, on_behalf_of)
        if locked.status != ExchangeStatus.RECORDED:
            raise _not_waiting(locked)
        locked.status = ExchangeStatus.DECLINED
        locked.decided_by = person
        locked.decided_at = timezone.now()
        locked.decision_note = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(actor=actor, on_behalf_of=person, action="exchange.decline", subject=locked,
                     community_id=locked.community_id, person_id=person.pk, note=reason,
                     changes={"status": [ExchangeStatus.RECORDED, ExchangeStatus.DECLINED]})
        _answered(locked)
        _notify_sides(locked, f"Declined: {ledger_selectors.hours(locked.minutes or 0)} ({locked.community.name})",
                      f"{person.display_name} declined the hours for "
                      f"{locked.title or locked.category or 'an exchange'}.\n\nWhy: {reason}",
                      kind="exchange_declined", only={locked.recorded_for_id})
        return locked, {"exchange_id": locked.pk}

    return once(scope=f"exchange-decline:{exchange.community_id}", key=idempotency_key,
                request=_answer_request(exchange, actor, on_behalf_of, reason=reason), run=run, load=_load_exchange)


def exchange_dispute(*, actor, exchange: Exchange, reason: str, on_behalf_of=None,
                     idempotency_key: str | None = None) -> Exchange:
    """Either side flags a recorded exchange for a coordinator. Raises ValidationFailed,
    PermissionDenied, Conflict."""
    reason = (reason or "").strip()

    def run():
        if not reason:
            raise ValidationFailed("Say what is wrong.", fields={"reason": ["Required."]})
        locked = _lock(exchange)
        person = _acting_person(actor, locked, on_behalf_of)
        providers, recipients = _sides(locked)
        if person.pk not in providers | recipients:
            raise PermissionDenied("Only the people in this exchange can dispute it.", code="not_a_participant")
        if locked.status != ExchangeStatus.RECORDED:
            raise _not_waiting(locked)
        locked.status = ExchangeStatus.DISPUTED
        locked.decision_note = reason
        locked.save(update_fields=["status", "decision_note"])
        audit_record(actor=actor, on_behalf_of=person, action="exchange.dispute", subject=locked,
                     community_id=locked.community_id, person_id=person.pk, note=reason,
                     changes={"status": [ExchangeStatus.RECORDED, ExchangeStatus.DISPUTED]})
        _answered(locked)
        return locked, {"exchange_id": locked.pk}

    return once(scope=f"exchange-dispute:{exchange.community_id}", key=idempotency_key,
                request=_answer_request(exchange, actor, on_behalf_of, reason=reason), run=run, load=_load_exchange)


def exchange_resolve(*, actor, exchange: Exchange, confirm: bool, note: str,
                     idempotency_key: str | None = None) -> Exchange:
    """A coordinator settles a disputed exchange: confirmed (posted) or declined. With a client's
    key, a retry answers with the settled exchange. Raises PermissionDenied, ValidationFailed (no
    note), Conflict (not disputed, key reused), LimitExceeded."""
    note = (note or "").strip()

    def run():
        if not note:
            raise ValidationFailed("Record how the dispute was settled.", fields={"note": ["Required."]})
        locked = _lock(exchange)
        community_access.access_coordinate(actor, locked.community)
        if locked.status != ExchangeStatus.DISPUTED:
            raise Conflict("Only a disputed exchange can be settled this way.", code="not_disputed")
        old = locked.status
        if confirm:
            _post(locked, actor=actor)
            locked.status = ExchangeStatus.CONFIRMED
        else:
            locked.status = ExchangeStatus.DECLINED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "transfer"])
        audit_record(actor=actor, action="exchange.resolve", subject=locked, community_id=locked.community_id,
                     note=note, changes={"status": [old, locked.status]})
        _notify_sides(locked, f"Dispute settled ({locked.community.name})",
                      f"A coordinator settled the dispute about {locked.title or locked.category or 'an exchange'}: "
                      f"the hours were {locked.get_status_display().lower()}.\n\n{note}", kind="exchange_settled")
        return locked, {"exchange_id": locked.pk}

    return once(scope=f"exchange-settle:{exchange.community_id}", key=idempotency_key,
                request={"exchange": exchange.pk, "confirm": confirm, "note": note}, run=run, load=_load_exchange)


def exchanges_auto_confirm(*, now: dt.datetime | None = None) -> int:
    """The periodic job: confirm every recorded exchange whose community's delay has passed.
    An exchange that cannot be posted (a limit) is left for a coordinator. Returns how many."""
    now = now or timezone.now()
    done = 0
    for exchange in Exchange.objects.filter(status=ExchangeStatus.RECORDED, auto_confirm_at__lte=now).order_by("pk"):
        try:
            with transaction.atomic(durable=True):
                locked = _lock(exchange)
                if locked.status != ExchangeStatus.RECORDED:
                    continue
                _post(locked, actor=None)
                locked.status = ExchangeStatus.CONFIRMED
                locked.decided_at = now
                days = community_selectors.rules_for(locked.community)["auto_confirm_days"]
                locked.decision_note = ngettext("Confirmed automatically: no answer within %(n)d day.",
                                                "Confirmed automatically: no answer within %(n)d days.", days) % {"n": days}
                locked.save(update_fields=["status", "decided_at", "decision_note", "transfer"])
                audit_record(actor=None, action="exchange.auto_confirm", subject=locked,
                             community_id=locked.community_id,
                             changes={"status": [ExchangeStatus.RECORDED, ExchangeStatus.CONFIRMED]})
                _answered(locked)
                done += 1
        except ledger.LimitExceeded:
            continue
    return done


def exchange_reverse(*, actor, exchange: Exchange, reason: str, idempotency_key: str | None = None) -> Exchange:
    """A coordinator reverses a posted exchange with a reason (a new reversing transfer); both
    sides are told why. The reversal, its audit row, the notices and the client's key (if any)
    are written in one transaction. Raises PermissionDenied, ValidationFailed, Conflict (not
    posted, already reversed, key reused), LimitExceeded."""
    reason = (reason or "").strip()

    def run():
        locked = _lock(exchange)
        community_access.access_coordinate(actor, locked.community)
        if locked.transfer_id is None:
            raise Conflict("Nothing has been posted for this exchange, so there is nothing to reverse.",
                           code="not_posted")
        reversal = ledger.post_reversal(
            actor=actor, community=locked.community, transfer_id=locked.transfer_id, reason=reason, notify=False
        )
        audit_record(actor=actor, action="exchange.reverse", subject=locked, community_id=locked.community_id,
                     note=reason, changes={"reversal_transfer": [None, reversal.pk]})
        _notify_sides(locked, f"Hours reversed ({locked.community.name})",
                      f"A coordinator reversed {ledger_selectors.hours(locked.minutes or 0)} for "
                      f"{locked.title or locked.category or 'an exchange'} on {locked.effective_on:%-d %B %Y}."
                      f"\n\nReason: {reason}", kind="exchange_reversed")
        return locked, {"exchange_id": locked.pk}

    return once(scope=f"exchange-reverse:{exchange.community_id}", key=idempotency_key,
                request={"exchange": exchange.pk, "reason": reason}, run=run, load=_load_exchange)


# References ----------------------------------------------------------------------------------

REFERENCE_TEXT_MAX = limits.TEXT


def _coordinators(community) -> list:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model().objects.filter(
            memberships__community=community, memberships__status="active", memberships__roles__role="coordinator"
        ).distinct()
    )


def reference_leave(*, actor, exchange: Exchange | None, subject, kind: str, text: str,
                    on_behalf_of=None, idempotency_key: str | None = None) -> ExchangeReference:
    """A participant (or a coordinator for them) says how an exchange went with someone on the
    other side, once, after it was confirmed and while it stands (not reversed). A concern goes
    privately to the coordinators, who are emailed a link (never its text). Raises Conflict
    (`not_confirmed`, `already_left`), PermissionDenied (not a participant), ValidationFailed
    (about oneself or one's own side, kind, text)."""
    if exchange is None:
        raise Conflict("A reference can only be left after a confirmed exchange.", code="not_confirmed")
    text = (text or "").strip()

    def run():
        locked = _lock(exchange)
        person = _acting_person(actor, locked, on_behalf_of)
        providers, recipients = _sides(locked)
        if person.pk not in providers | recipients:
            raise PermissionDenied("Only the people in this exchange can leave a reference about it.",
                                   code="not_a_participant")
        reversed_ = Exchange.objects.filter(pk=locked.pk, transfer__reversal__isnull=False).exists()
        if locked.status != ExchangeStatus.CONFIRMED or locked.transfer_id is None or reversed_:
            raise Conflict("A reference can only be left after a confirmed exchange that still stands.",
                           code="not_confirmed")
        other_side = recipients if person.pk in providers else providers
        subject_id = getattr(subject, "pk", None)
        if subject_id == person.pk:
            raise ValidationFailed("You cannot leave a reference about yourself.", code="self_reference",
                                   fields={"subject": ["Choose someone on the other side."]})
        if subject_id not in other_side:
            raise ValidationFailed("A reference is about someone on the other side of the exchange.",
                                   fields={"subject": ["Choose someone on the other side."]})
        errors: dict[str, list[str]] = {}
        if kind not in ReferenceKind.values:
            errors["kind"] = ["Choose positive, neutral or a concern."]
        if not text:
            errors["text"] = ["Say a few words about how it went."]
        elif len(text) > REFERENCE_TEXT_MAX:
            errors["text"] = [f"At most {REFERENCE_TEXT_MAX} characters."]
        elif _has_controls(text, multiline=True):
            errors["text"] = ["Remove the control characters."]
        if errors:
            raise ValidationFailed("Please correct the reference.", fields=errors)
        if ExchangeReference.objects.filter(exchange=locked, author=person, subject_id=subject_id).exists():
            raise Conflict("You have already left a reference about this person for this exchange.",
                           code="already_left")
        try:
            with transaction.atomic():
                reference = ExchangeReference.objects.create(
                    exchange=locked, author=person, subject_id=subject_id, kind=kind, text=text)
        except IntegrityError:
            raise Conflict("You have already left a reference about this person for this exchange.",
                           code="already_left") from None
        audit_record(actor=actor, on_behalf_of=person, action="exchange.reference", subject=reference,
                     community_id=locked.community_id, person_id=person.pk,
                     changes={"kind": [None, kind], "exchange": [None, locked.pk], "subject": [None, subject_id]})
        if kind == ReferenceKind.CONCERN:
            community = locked.community
            _notify(_coordinators(community), f"A concern was raised ({community.name})",
                    "A member raised a concern after an exchange. It is private: only coordinators can read it.",
                    kind="concern", community=community, url=f"/c/{community.slug}/coordinate/concerns/")
        return reference, {"reference_id": reference.pk}

    return once(
        scope=f"exchange-reference:{exchange.community_id}", key=idempotency_key,
        request=_answer_request(exchange, actor, on_behalf_of, subject=getattr(subject, "pk", None), kind=kind,
                                text=text),
        run=run, load=lambda stored: ExchangeReference.objects.get(pk=stored["reference_id"]),
    )


def concern_close(*, actor, reference: ExchangeReference, outcome: str) -> ExchangeReference:
    """A coordinator closes a concern with what was done about it. Raises PermissionDenied (not
    a coordinator), NotFound (not a concern, or one about the actor: nobody reads those),
    ValidationFailed `outcome` (empty, too long, control characters), Conflict `already_closed`.
    Nothing is stored when refused."""
    community = reference.exchange.community
    community_access.access_coordinate(actor, community)
    if reference.kind != ReferenceKind.CONCERN or reference.subject_id == actor.pk:
        raise NotFound("No such concern.")
    text = (outcome if isinstance(outcome, str) else "").strip()
    if not text:
        note = "Say what was done about the concern."
    elif len(text) > REFERENCE_TEXT_MAX:
        note = f"At most {REFERENCE_TEXT_MAX} characters (this is {len(text)})."
    elif _has_controls(text, multiline=True):
        note = "Remove the control characters."
    else:
        note = ""
    if note:
        raise ValidationFailed(note, fields={"outcome": [note]})
    with transaction.atomic(durable=True):
        locked = ExchangeReference.objects.select_for_update().get(pk=reference.pk)
        if locked.concern_closed_at is not None:
            raise Conflict("This concern has already been closed.", code="already_closed")
        locked.concern_closed_at = timezone.now()
        locked.concern_closed_by = actor
        locked.concern_outcome = text
        locked.save(update_fields=["concern_closed_at", "concern_closed_by", "concern_outcome"])
        # The outcome may name people and safeguarding steps: the audit keeps that it was
        # closed and by whom, the text stays on the concern. Filed under its author, as when it
        # was raised, so it never shows in the history of the member it is about.
        audit_record(actor=actor, action="exchange.concern_close", subject=locked, community_id=community.pk,
                     person_id=locked.author_id, changes={"concern_closed_at": [None, locked.concern_closed_at]})
    return locked


# The community fund --------------------------------------------------------------------------


def fund_donate(*, actor, community, person, minutes: int, idempotency_key: str, note: str = "",
                effective_at: dt.datetime | None = None):
    """A member gives hours to the community fund (`effective_at`: when, if not now; never in the
    future). Raises ValidationFailed, NotFound, PermissionDenied (for someone else without
    coordinating), LimitExceeded."""
    if person.pk != actor.pk and not community_access.is_coordinator(actor, community):
        raise PermissionDenied("Only a coordinator can donate for another member.")
    if community_access.membership_of(person, community) is None:
        raise NotFound("No such member.")
    _check_minutes(minutes)
    return ledger.transfer_create(
        actor=actor, community=community, idempotency_key=idempotency_key, reason="donation", memo=note,
        on_behalf_of=person if person.pk != actor.pk else None, effective_at=effective_at,
        legs=[Leg(ledger.member_account(community, person).pk, -minutes), Leg(ledger.fund_account(community).pk, minutes)],
    )


def fund_grant(*, actor, community, person, minutes: int, reason: str, idempotency_key: str):
    """A coordinator grants hours from the fund to a member in need, with a reason. Raises
    PermissionDenied, ValidationFailed, NotFound, LimitExceeded (the fund is too low)."""
    community_access.access_coordinate(actor, community)
    if community_access.membership_of(person, community) is None:
        raise NotFound("No such member.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the grant is made.", fields={"reason": ["Required."]})
    _check_minutes(minutes)
    return ledger.transfer_create(
        actor=actor, community=community, idempotency_key=idempotency_key, reason="grant", memo=reason,
        legs=[Leg(ledger.fund_account(community).pk, -minutes), Leg(ledger.member_account(community, person).pk, minutes)],
    )


def _check_minutes(minutes: Any) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ValidationFailed("The time must be a whole number of minutes, more than zero.",
                               fields={"minutes": ["Must be more than zero."]})


# Listings ------------------------------------------------------------------------------------

LISTING_TITLE_MAX = 120
LISTING_DESCRIPTION_MAX = 4000
LISTING_TAGS_MAX = 10
LISTING_DEFAULT_MONTHS = 3
LISTING_MAX_MONTHS = 12
CATEGORY_NAME_MAX = 80
# Three decimal places of a degree is about 110 m of latitude (and less of longitude): enough to
# say "near the park", never enough to find a front door.
POINT_DECIMALS = 3
_TAG = re.compile(r"^[^\W_][\w-]{0,29}$")
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_LISTING_FIELDS = [
    "kind", "title", "description", "category", "tags", "expires_at", "availability", "neighbourhood",
    "lat", "lng", "mode", "is_group", "visibility",
]


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later, or the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _has_controls(text: str, *, multiline: bool) -> bool:
    allowed = _ALLOWED_CONTROLS if multiline else set()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _clean_text(errors: dict[str, list[str]], name: str, value: Any, *, maximum: int, required: bool,
                multiline: bool = False) -> str:
    if not isinstance(value, str):
        errors[name] = ["Enter text."]
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = ["Required."]
    elif len(value) > maximum:
        errors[name] = [f"At most {maximum} characters (this is {len(value)})."]
    elif _has_controls(value, multiline=multiline):
        errors[name] = ["Remove the invisible control characters (paste it as plain text)."]
    return value


def _clean_tags(errors: dict[str, list[str]], tags: Any) -> list[str]:
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = ["Give tags as a list of words."]
        return []
    cleaned: list[str] = []
    for tag in tags:
        word = tag.strip().lower()
        if not word:
            continue
        if not _TAG.match(word):
            errors["tags"] = [f"'{tag[:30]}' is not a short word: use letters, digits and dashes, at most 30."]
            return []
        if word not in cleaned:
            cleaned.append(word)
    if len(cleaned) > LISTING_TAGS_MAX:
        errors["tags"] = [f"At most {LISTING_TAGS_MAX} tags."]
    return cleaned


def _clean_point(errors: dict[str, list[str]], lat: Any, lng: Any) -> tuple[float | None, float | None]:
    if lat is None and lng is None:
        return None, None
    try:
        lat_f, lng_f = float(lat), float(lng)
    except (TypeError, ValueError):
        errors["point"] = ["Give both latitude and longitude as numbers."]
        return None, None
    if isinstance(lat, bool) or isinstance(lng, bool) or not (math.isfinite(lat_f) and math.isfinite(lng_f)):
        errors["point"] = ["Give both latitude and longitude as numbers."]
    elif not -90 <= lat_f <= 90:
        errors["point"] = ["Latitude is between -90 and 90."]
    elif not -180 <= lng_f <= 180:
        errors["point"] = ["Longitude is between -180 and 180."]
    else:
        return round(lat_f, POINT_DECIMALS), round(lng_f, POINT_DECIMALS)
    return None, None


def _clean_expiry(errors: dict[str, list[str]], expires_at: Any, now: dt.datetime) -> dt.datetime:
    if expires_at is None:
        return add_months(now, LISTING_DEFAULT_MONTHS)
    if not isinstance(expires_at, dt.datetime) or timezone.is_naive(expires_at):
        errors["expires_at"] = ["Give the expiry as a date and time with its time zone."]
    elif expires_at <= now:
        errors["expires_at"] = ["The expiry must be in the future."]
    elif expires_at > add_months(now, LISTING_MAX_MONTHS):
        errors["expires_at"] = [f"A listing can run for at most {LISTING_MAX_MONTHS} months; renew it later."]
    else:
        return expires_at
    return now


def _clean_availability(errors: dict[str, list[str]], availability: Any) -> list[str]:
    if not isinstance(availability, (list, tuple)):
        errors["availability"] = ["Give the times as a list."]
        return []
    bad = [slot for slot in availability if slot not in AVAILABILITY_SLOTS]
    if bad:
        errors["availability"] = [f"Unknown time: {', '.join(map(str, bad))}."]
        return []
    return sorted(set(availability), key=AVAILABILITY_SLOTS.index)


def availability_mask(slots: list[str]) -> int:
    """The slots as bits, in AVAILABILITY_SLOTS order."""
    return sum(1 << AVAILABILITY_SLOTS.index(slot) for slot in set(slots) if slot in AVAILABILITY_SLOTS)


def _choice(errors: dict[str, list[str]], name: str, value: Any, choices) -> str:
    if value not in choices.values:
        errors[name] = [f"Choose one of: {', '.join(choices.values)}."]
    return value


# Who may see a listing, of the visibilities that do something today. `allied` waits for
# federation (capability 8): until allied communities are connected nobody outside this community
# could see such a listing, so it is refused rather than offered (migration 0009 turned the rows
# that had it into `community`).
VISIBILITIES_OFFERED = (ListingVisibility.COMMUNITY, ListingVisibility.PUBLIC)
ALLIED_NOT_YET = ("Allied communities are not connected yet, so nobody outside this community could see it: "
                  "choose community (members of this community) or public (everyone, on the public site).")


def _visibility(errors: dict[str, list[str]], value: Any) -> str:
    if value == ListingVisibility.ALLIED:
        errors["visibility"] = [ALLIED_NOT_YET]
    elif value not in VISIBILITIES_OFFERED:
        errors["visibility"] = [f"Choose one of: {', '.join(VISIBILITIES_OFFERED)}."]
    return value


def _category_for(errors: dict[str, list[str]], community, category: Any) -> Category | None:
    """A default category or one of this community's own, by id, slug or instance."""
    key = category.pk if isinstance(category, Category) else category
    usable = Category.objects.filter(Q(community=None) | Q(community=community))
    found = None
    if isinstance(key, int) and not isinstance(key, bool):
        found = usable.filter(pk=key).first()
    elif isinstance(key, str) and key:
        found = usable.filter(slug=key).order_by(F("community").asc(nulls_first=True)).first()
    if found is None:
        errors["category"] = ["Choose a category from the list."]
    return found


def _listing_values(community, values: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Validate a full set of listing values. Raises ValidationFailed naming every bad field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {
        "kind": _choice(errors, "kind", values.get("kind"), ListingKind),
        "title": _clean_text(errors, "title", values.get("title"), maximum=LISTING_TITLE_MAX, required=True),
        "description": _clean_text(errors, "description", values.get("description") or "",
                                    maximum=LISTING_DESCRIPTION_MAX, required=False, multiline=True),
        "category": _category_for(errors, community, values.get("category")),
        "tags": _clean_tags(errors, values.get("tags") or []),
        "expires_at": _clean_expiry(errors, values.get("expires_at"), now),
        "availability": _clean_availability(errors, values.get("availability") or []),
        "neighbourhood": _clean_text(errors, "neighbourhood", values.get("neighbourhood") or "", maximum=80,
                                     required=False),
        "mode": _choice(errors, "mode", values.get("mode") or ListingMode.IN_PERSON, ListingMode),
        "is_group": bool(values.get("is_group")),
        "visibility": _visibility(errors, values.get("visibility") or ListingVisibility.COMMUNITY),
    }
    cleaned["lat"], cleaned["lng"] = _clean_point(errors, values.get("lat"), values.get("lng"))
    if errors:
        raise ValidationFailed("Please correct the listing.", fields=errors)
    return cleaned


def listing_search_document(*, title: str, description: str, tags: list[str], category_name: str) -> str:
    """The text the search indexes cover, as the services write it: also for bulk loaders."""
    return " ".join([title, description, " ".join(tags), category_name]).strip()


def _search_document(listing: Listing) -> str:
    return listing_search_document(title=listing.title, description=listing.description, tags=listing.tags,
                                   category_name=listing.category.name)


def _search_index_sync(listing: Listing) -> None:
    """Keep the search text (and, on SQLite, the FTS5 row and the word lexicon) in step with the
    listing. PostgreSQL's generated column and trigger do the rest there."""
    listing.search_document = _search_document(listing)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM exchanges_listing_fts WHERE rowid = %s", [listing.pk])
            cursor.execute("INSERT INTO exchanges_listing_fts (rowid, document) VALUES (%s, %s)",
                           [listing.pk, listing.search_document])
            if listing.status == ListingStatus.ACTIVE:
                lexicon.words_add(cursor, [listing.search_document])


def _check_owner_may(actor, owner, community, mode: str, is_group: bool) -> None:
    """The owner must hold the check level the community's rule asks for what the listing offers
    or asks for (`listing_activity`). Raises PermissionDenied `vetting_required`."""
    activity = listing_activity(mode, is_group)
    if activity is not None:
        community_access.access_activity(owner, community, activity, viewer=actor)


def _check_listing_actor(actor, listing: Listing) -> None:
    community_access.access_community(actor, listing.community)
    if listing.owner_id != actor.pk and not community_access.is_coordinator(actor, listing.community):
        raise PermissionDenied("Only the member who posted it and the coordinators can change a listing.",
                               code="not_owner")


def _lock_listing(listing: Listing) -> Listing:
    qs = Listing.objects.select_related("community", "owner", "category").filter(pk=listing.pk)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(no_key=connection.features.has_select_for_no_key_update)
    return qs.get()


def category_add(*, actor, community, group: str, name: str) -> Category:
    """A coordinator adds a category of the community's own. Raises PermissionDenied,
    ValidationFailed (bad group or name), Conflict (the name is taken here or by a default)."""
    community_access.access_coordinate(actor, community)
    errors: dict[str, list[str]] = {}
    _choice(errors, "group", group, CategoryGroup)
    name = _clean_text(errors, "name", name, maximum=CATEGORY_NAME_MAX, required=True)
    slug = slugify(name)
    if name and not errors and not slug:
        errors["name"] = ["Use some letters or digits in the name."]
    if errors:
        raise ValidationFailed("Please correct the category.", fields=errors)
    taken = Category.objects.filter(Q(community=None) | Q(community=community))
    if taken.filter(Q(name__iexact=name) | Q(slug=slug)).exists():
        raise Conflict(f"There is already a category called '{name}'.", code="category_exists",
                       fields={"name": ["Already in the list."]})
    try:
        with transaction.atomic(durable=True):
            category = Category.objects.create(community=community, group=group, slug=slug, name=name)
            audit_record(actor=actor, action="category.add", subject=category, community_id=community.pk,
                         changes={"group": [None, group], "name": [None, name]})
    except IntegrityError:
        raise Conflict(f"There is already a category called '{name}'.", code="category_exists",
                       fields={"name": ["Already in the list."]}) from None
    return category


def listing_create(*, actor, community, owner=None, **values: Any) -> Listing:
    """Post an offer or a request. `owner` defaults to the actor; a coordinator may post for a
    member. Values: kind, title, description, category (id, slug or Category), tags,
    expires_at, availability, neighbourhood, lat, lng, mode, is_group, visibility.
    Raises NotFound (not a member), PermissionDenied (posting for someone else without
    coordinating; `vetting_required` when the owner lacks the check level the community's rule
    asks for what the listing offers or asks for: `listing_activity`), ValidationFailed."""
    owner = owner or actor
    community_access.access_community(actor, community)
    if owner.pk != actor.pk and not community_access.is_coordinator(actor, community):
        raise PermissionDenied("Only a coordinator can post a listing for another member.", code="forbidden")
    if community_access.membership_of(owner, community) is None:
        raise NotFound("No such member.", code="not_a_member")
    unknown = set(values) - set(_LISTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown listing fields: {sorted(unknown)}")
    now = timezone.now()
    cleaned = _listing_values(community, values, now)
    _check_owner_may(actor, owner, community, cleaned["mode"], cleaned["is_group"])
    with transaction.atomic(durable=True):
        listing = Listing(community=community, owner=owner, created_at=now, updated_at=now,
                          availability_mask=availability_mask(cleaned["availability"]), **cleaned)
        listing.search_document = _search_document(listing)
        listing.save()
        _search_index_sync(listing)
        audit_record(actor=actor, on_behalf_of=owner, action="listing.create", subject=listing,
                     community_id=community.pk, person_id=owner.pk,
                     changes={name: [None, value] for name, value in snapshot(listing, _LISTING_FIELDS).items()})
        semantic.embed_after_commit(listing)
    return listing


def listing_update(*, actor, listing: Listing, **values: Any) -> Listing:
    """Change an active listing; fields not given stay as they are. Raises PermissionDenied
    (not the owner or a coordinator; `vetting_required`), NotFound, Conflict (closed or
    expired), ValidationFailed."""
    unknown = set(values) - set(_LISTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown listing fields: {sorted(unknown)}")
    _check_listing_actor(actor, listing)
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = _lock_listing(listing)
        if locked.status != ListingStatus.ACTIVE:
            raise Conflict(f"This listing is {locked.get_status_display().lower()}; post a new one instead.",
                           code=f"listing_{locked.status}")
        old = snapshot(locked, _LISTING_FIELDS)
        old_expires_at = locked.expires_at
        merged = {name: getattr(locked, name) for name in _LISTING_FIELDS}
        if "expires_at" not in values and merged["expires_at"] <= now:
            values["expires_at"] = None
        merged.update(values)
        cleaned = _listing_values(locked.community, merged, now)
        # What an existing listing offers was checked when it was posted; a change to it is checked again.
        if listing_activity(cleaned["mode"], cleaned["is_group"]) != listing_activity(old["mode"], old["is_group"]):
            _check_owner_may(actor, locked.owner, locked.community, cleaned["mode"], cleaned["is_group"])
        for name, value in cleaned.items():
            setattr(locked, name, value)
        changes = diff(old, snapshot(locked, _LISTING_FIELDS))
        if changes:
            locked.availability_mask = availability_mask(locked.availability)
            locked.updated_at = now
            # A later expiry is a renewal: the owner is reminded again before the new date.
            if locked.expires_at > old_expires_at:
                locked.reminded_at = None
            _search_index_sync(locked)
            locked.save(update_fields=[*cleaned, "availability_mask", "updated_at", "search_document",
                                       "reminded_at"])
            audit_record(actor=actor, on_behalf_of=locked.owner, action="listing.update", subject=locked,
                         community_id=locked.community_id, person_id=locked.owner_id, changes=changes)
            if changes.keys() & {"title", "description", "tags", "category"}:
                semantic.embed_after_commit(locked)
    return locked


def listing_close(*, actor, listing: Listing, reason: str = "") -> Listing:
    """The owner or a coordinator closes a listing (found help, no longer needed). Raises
    PermissionDenied, NotFound, ValidationFailed (reason too long), Conflict (not active)."""
    errors: dict[str, list[str]] = {}
    reason = _clean_text(errors, "reason", reason or "", maximum=500, required=False, multiline=True)
    if errors:
        raise ValidationFailed("Please correct the reason.", fields=errors)
    _check_listing_actor(actor, listing)
    with transaction.atomic(durable=True):
        locked = _lock_listing(listing)
        if locked.status != ListingStatus.ACTIVE:
            raise Conflict(f"This listing is already {locked.get_status_display().lower()}.",
                           code=f"already_{locked.status}")
        locked.status = ListingStatus.CLOSED
        locked.closed_at = locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        _search_index_sync(locked)
        audit_record(actor=actor, on_behalf_of=locked.owner, action="listing.close", subject=locked,
                     community_id=locked.community_id, person_id=locked.owner_id, note=reason,
                     changes={"status": [ListingStatus.ACTIVE, ListingStatus.CLOSED]})
    return locked


def listings_expire(*, now: dt.datetime | None = None) -> int:
    """The periodic job: active listings past their expiry become expired. Returns how many."""
    now = now or timezone.now()
    done = 0
    due = Listing.objects.filter(status=ListingStatus.ACTIVE, expires_at__lte=now).order_by("pk")
    for listing_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic(durable=True):
            locked = _lock_listing(Listing(pk=listing_id))
            if locked.status != ListingStatus.ACTIVE or locked.expires_at > now:
                continue
            locked.status = ListingStatus.EXPIRED
            locked.updated_at = now
            locked.save(update_fields=["status", "updated_at"])
            audit_record(actor=None, action="listing.expire", subject=locked, community_id=locked.community_id,
                         person_id=locked.owner_id,
                         changes={"status": [ListingStatus.ACTIVE, ListingStatus.EXPIRED]})
            done += 1
    return done


# Expiry reminders and renewal ----------------------------------------------------------------

LISTING_REMIND_DAYS = 7


def listing_renew(*, actor, listing: Listing, now: dt.datetime | None = None) -> Listing:
    """The owner or a coordinator keeps a listing up for another LISTING_DEFAULT_MONTHS from
    now (an expired one comes back). Clears the reminder, so the owner is told again before
    the new date. Raises PermissionDenied, NotFound, Conflict (`listing_closed`)."""
    _check_listing_actor(actor, listing)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = _lock_listing(listing)
        if locked.status == ListingStatus.CLOSED:
            raise Conflict("This listing is closed; post a new one instead.", code="listing_closed")
        old = {"status": locked.status, "expires_at": locked.expires_at}
        locked.expires_at = max(add_months(now, LISTING_DEFAULT_MONTHS), locked.expires_at)
        locked.status = ListingStatus.ACTIVE
        locked.reminded_at = None
        locked.updated_at = now
        locked.save(update_fields=["expires_at", "status", "reminded_at", "updated_at"])
        if old["status"] != ListingStatus.ACTIVE:
            _search_index_sync(locked)
        audit_record(actor=actor, on_behalf_of=locked.owner, action="listing.renew", subject=locked,
                     community_id=locked.community_id, person_id=locked.owner_id,
                     changes=diff(old, {"status": locked.status, "expires_at": locked.expires_at}))
    return locked


def listings_remind(now: dt.datetime | None = None) -> int:
    """The periodic job: tell the owner of each active listing that lapses within
    LISTING_REMIND_DAYS, once (until it is renewed). Returns how many were reminded."""
    now = now or timezone.now()
    done = 0
    due = Listing.objects.filter(
        status=ListingStatus.ACTIVE, reminded_at__isnull=True, expires_at__gt=now,
        expires_at__lte=now + dt.timedelta(days=LISTING_REMIND_DAYS),
    ).order_by("pk")
    for listing_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic(durable=True):
            locked = _lock_listing(Listing(pk=listing_id))
            if (locked.status != ListingStatus.ACTIVE or locked.reminded_at is not None
                    or not now < locked.expires_at <= now + dt.timedelta(days=LISTING_REMIND_DAYS)):
                continue
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            audit_record(actor=None, action="listing.remind", subject=locked, community_id=locked.community_id,
                         person_id=locked.owner_id, changes={"reminded_at": [None, now.isoformat()]})
            _remind_owner(locked)
            done += 1
    return done


def _remind_owner(listing: Listing) -> None:
    """Tell the owner in their notification centre (and by email if they want each one)."""
    community = listing.community
    until = timezone.localtime(listing.expires_at, _tz(community))
    kind = listing.get_kind_display().lower()
    _notify([listing.owner], f"Your {kind} \u201c{listing.title}\u201d ends on {until:%-d %B}",
            f"Your {kind} \u201c{listing.title}\u201d in {community.name} is shown until {until:%-d %B %Y}. "
            "If you still want it up, renew it for three months from its page; if not, there is nothing to do.",
            kind="listing_expiring", community=community, url=f"/c/{community.slug}/listings/{listing.pk}/")
