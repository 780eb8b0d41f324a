"""Recording hours: a participant records an exchange for the other side to confirm, or a
coordinator enters one for offline members (posted at once). Also the helpers every exchange
write shares: locking an exchange, its sides, its legs, and telling its people.

Only confirmation (services/answers.py) and coordinator entry post hours, through
`ledger.services.post_transfer` with a key derived from the exchange, so an exchange can be
posted at most once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors import vetting as vetting_selectors
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.idempotency import idempotent
from coproduce.ledger.selectors import amounts as amounts_selectors
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg
from coproduce.notifications.services import notifications

from ..access import access_listing
from ..models import (
    EntryMethod,
    Exchange,
    ExchangeShape,
    ExchangeStatus,
    Expense,
    Listing,
    Participant,
    ParticipantRole,
)
from ..selectors.exchanges import participants_loaded, participants_take_over, recipient_shares
from .listings import listing_activity

MAX_PARTICIPANTS = 60


def _notify(
    people, subject: str, body: str, *, kind: str = "exchange", url: str = "", community=None
) -> None:
    """Tell each person in their notification centre, and by email if they want each one
    (a background job after commit: see notifications.services.notify)."""
    for person in people:
        if person.pseudonymised_at is None:
            notifications.notify(
                person=person, kind=kind, title=subject, body=body, url=url, community=community
            )


def _notify_sides(exchange: Exchange, subject: str, body: str, *, kind: str, only=None) -> None:
    """Tell the people in an exchange (or only those with ids in `only`), linking to it."""
    people = [p.person for p in exchange.participants.all() if only is None or p.person_id in only]
    community = exchange.community
    _notify(
        people,
        subject,
        body,
        kind=kind,
        community=community,
        url=f"/c/{community.slug}/exchanges/{exchange.pk}/",
    )


def _exchange_url(exchange: Exchange) -> str:
    return f"/c/{exchange.community.slug}/exchanges/{exchange.pk}/"


def _answered(exchange: Exchange) -> None:
    """The hours no longer wait for an answer: the "Please confirm" notifications about them are
    resolved, whoever answered (the person, a coordinator for them, the other side's dispute or
    the auto-confirm job)."""
    notifications.resolve(
        people_ids=[p.person_id for p in exchange.participants.all()],
        kind="exchange_recorded",
        url=_exchange_url(exchange),
    )


def _shape(providers: list, recipients: list) -> str:
    if len(providers) == 1 and len(recipients) == 1:
        return ExchangeShape.ONE_TO_ONE
    if len(providers) == 1:
        return ExchangeShape.ONE_TO_MANY
    if len(recipients) == 1:
        return ExchangeShape.MANY_TO_ONE
    raise ValidationFailed(
        "An exchange is one person helping one or more people, or several people helping one "
        "person. Record a group helping a group as separate exchanges.",
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
        raise ValidationFailed(
            "Nobody can exchange time with themselves.",
            code="self_exchange",
            fields={"recipients": ["The same person is on both sides."]},
        )
    if len(set(provider_ids)) != len(provider_ids) or len(set(recipient_ids)) != len(recipient_ids):
        raise ValidationFailed(
            "Each person may be listed once.", fields={"recipients": ["Listed twice."]}
        )
    # One query for everyone, however many people take part.
    members = set(
        memberships_selectors.active_member_ids(community)
        .filter(person_id__in=[*provider_ids, *recipient_ids])
        .values_list("person_id", flat=True)
    )
    for person in [*providers, *recipients]:
        if person.pk not in members:
            raise NotFound(
                f"{person.display_name} is not a member of this community.", code="not_a_member"
            )


def _check_amount(
    community, rules: dict[str, Any], minutes: Any, effective_on: dt.date | None
) -> None:
    errors: dict[str, list[str]] = {}
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        errors["minutes"] = ["Enter the time as whole minutes."]
    elif minutes <= 0:
        errors["minutes"] = ["The time must be more than zero."]
    elif minutes > rules["max_minutes_per_exchange"]:
        errors["minutes"] = [
            "This community records at most "
            f"{amounts_selectors.hours(rules['max_minutes_per_exchange'])} in one exchange. Record "
            "longer help as separate exchanges."
        ]
    if effective_on is None:
        errors["effective_on"] = ["Give the date the help happened."]
    elif effective_on > communities_selectors.local_today(community):
        errors["effective_on"] = ["The date cannot be in the future."]
    elif effective_on < communities_selectors.local_today(community) - dt.timedelta(days=366):
        errors["effective_on"] = [
            "The date is more than a year ago; ask a coordinator to enter it."
        ]
    if errors:
        raise ValidationFailed("Please correct the time or the date.", fields=errors)


def _effective_at(community, day: dt.date) -> dt.datetime:
    noon = dt.datetime.combine(
        day, dt.time(12, 0), tzinfo=communities_selectors.community_zone(community)
    )
    return min(noon, timezone.now())


def _clean_expenses(expenses: list[dict] | None) -> list[dict]:
    cleaned = []
    for item in expenses or []:
        try:
            amount = Decimal(str(item.get("amount")))
        except (InvalidOperation, TypeError):
            raise ValidationFailed(
                "An expense amount is not a number.", fields={"expenses": ["Not a number."]}
            ) from None
        currency = str(item.get("currency") or "GBP").upper()
        note = str(item.get("note") or "").strip()
        if not amount.is_finite() or amount <= 0 or amount >= Decimal("10000000"):
            raise ValidationFailed(
                "An expense must be more than zero.", fields={"expenses": ["Out of range."]}
            )
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationFailed(
                "Expenses are in pounds and pence (two decimal places).",
                fields={"expenses": ["Too many decimal places."]},
            )
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise ValidationFailed(
                "Give the currency as three letters, e.g. GBP.",
                fields={"expenses": ["Bad currency."]},
            )
        if not note:
            raise ValidationFailed(
                "Say what each expense was for.", fields={"expenses": ["Missing note."]}
            )
        cleaned.append({"amount": amount, "currency": currency, "note": note[:200]})
    return cleaned


def _payer(rules: dict[str, Any], shape: str) -> str:
    if shape == ExchangeShape.ONE_TO_ONE:
        return "recipients"
    return "fund" if rules["group_exchange_payer"] == "fund" else "recipients"


def _create(
    *,
    actor: Actor,
    community,
    rules,
    providers,
    recipients,
    minutes,
    effective_on,
    title,
    category,
    note,
    recorded_for,
    method,
    status,
    listing_id=None,
    slip_number="",
    expenses=None,
) -> Exchange:
    shape = _shape(providers, recipients)
    exchange = Exchange.objects.create(
        community=community,
        shape=shape,
        status=status,
        method=method,
        title=title[:200],
        category=category[:80],
        note=note,
        listing_id=listing_id,
        minutes=minutes,
        effective_on=effective_on,
        payer=_payer(rules, shape),
        slip_number=slip_number,
        arranged_by=actor,
        recorded_by=actor,
        recorded_for=recorded_for,
        recorded_at=timezone.now(),
        auto_confirm_at=timezone.now() + dt.timedelta(days=rules["auto_confirm_days"]),
    )
    Participant.objects.bulk_create(
        [Participant(exchange=exchange, person=p, role=ParticipantRole.PROVIDER) for p in providers]
        + [
            Participant(exchange=exchange, person=p, role=ParticipantRole.RECIPIENT)
            for p in recipients
        ]
    )
    for item in _clean_expenses(expenses):
        Expense.objects.create(exchange=exchange, paid_by=None, **item)
    return exchange


def exchange_legs(exchange: Exchange) -> list[Leg]:
    """Providers earn their minutes; recipients (split, remainder to the first) or the
    community fund pay the total. Reads the participants the exchange was loaded with
    (`_lock`), and everyone's account in one query (`ledger.services.member_accounts`, which
    opens the missing ones), however many people there are."""
    community = exchange.community
    parts = sorted(exchange.participants.all(), key=lambda p: p.person_id)
    providers = [p.person for p in parts if p.role == ParticipantRole.PROVIDER]
    recipients = [p.person for p in parts if p.role == ParticipantRole.RECIPIENT]
    minutes = exchange.minutes or 0
    total = minutes * len(providers)
    shares = (
        {}
        if exchange.payer == "fund"
        else recipient_shares(total, [person.pk for person in recipients])
    )
    paying = [person for person in recipients if shares.get(person.pk)]
    accounts = accounts_services.member_accounts(community, [*providers, *paying])
    legs = [Leg(accounts[person.pk].pk, minutes) for person in providers]
    if exchange.payer == "fund":
        legs.append(Leg(accounts_services.fund_account(community).pk, -total))
    else:
        legs += [Leg(accounts[person.pk].pk, -shares[person.pk]) for person in paying]
    return legs


def _post(exchange: Exchange, *, actor: Actor | None, on_behalf_of=None) -> None:
    """Post the exchange's hours. Must run inside the caller's transaction, with the exchange
    locked."""
    transfer = transfers_services.post_transfer(
        actor=actor,
        community=exchange.community,
        key=f"exchange:{exchange.pk}",
        legs=exchange_legs(exchange),
        reason="exchange" if exchange.shape == ExchangeShape.ONE_TO_ONE else "group_exchange",
        memo=exchange.title or exchange.category,
        on_behalf_of=on_behalf_of,
        effective_at=_effective_at(
            exchange.community,
            exchange.effective_on or communities_selectors.local_today(exchange.community),
        ),
        related=("exchange", exchange.pk),
    )
    exchange.transfer = transfer


def _with_participants() -> Prefetch:
    # Participants never change once an exchange is recorded: read once with it, then from memory.
    return Prefetch("participants", queryset=Participant.objects.select_related("person"))


def _lock(exchange: Exchange) -> Exchange:
    """The exchange read again with its row locked until the transaction ends, with its
    community, and its participants with their people: two queries, or one when `exchange` was
    read with its participants (`selectors.exchange_get`, for the access check in this request):
    they never change once it is recorded, so those are used. Every write about it reads the
    participants from here (`exchange.participants.all()`), never again."""
    qs = Exchange.objects.select_related("community").filter(pk=exchange.pk)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    known = participants_loaded(exchange)
    if known is None:
        return qs.prefetch_related(_with_participants()).get()
    locked = qs.get()
    participants_take_over(locked, known)
    return locked


def _sides(exchange: Exchange) -> tuple[set[int], set[int]]:
    providers: set[int] = set()
    recipients: set[int] = set()
    for part in exchange.participants.all():
        (providers if part.role == ParticipantRole.PROVIDER else recipients).add(part.person_id)
    return providers, recipients


def _acting_person(actor: Actor, exchange: Exchange, on_behalf_of) -> Any:
    """The participant this action is for: the actor, or the member a coordinator acts for.
    Raises PermissionDenied (`suspended`: the actor or the person acted for is suspended)."""
    community_access.access_not_suspended(actor, exchange.community)
    if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
        if not community_access.is_coordinator(actor, exchange.community):
            raise PermissionDenied("Only a coordinator can act for another member.")
        community_access.access_not_suspended(on_behalf_of, exchange.community, viewer=actor)
        return on_behalf_of
    return actor


def _listing_for_exchange(actor: Actor, community, listing_id: Any) -> Listing:
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


def exchange_activity(shape: str, listing: Listing | None) -> str | None:
    """The kind of activity an exchange is: its listing's (a one-to-one exchange from a group
    listing is part of the group activity), or by its shape when it has none."""
    if listing is not None:
        activity = listing_activity(listing.mode, listing.is_group)
        if activity != "one_to_one" or shape == ExchangeShape.ONE_TO_ONE:
            return activity
    return "one_to_one" if shape == ExchangeShape.ONE_TO_ONE else "group_activity"


def _check_vetting(actor: Actor, community, activity: str | None, people: list) -> None:
    """Everyone taking part must hold the check level the community's rule asks for this kind
    of activity. One query for everyone's checks; the refusal names the first person short of it
    (see `communities.access.vetting_refusal` for what it says to whom). Raises PermissionDenied
    `vetting_required`."""
    if activity is None:
        return
    needed = community_access.activity_level_needed(community, activity)
    if needed <= 0:
        return
    levels = vetting_selectors.vetting_levels(community, [p.pk for p in people])
    for person in people:
        if levels[person.pk] < needed:
            raise PermissionDenied(
                community_access.activity_refusal(person, community, activity, viewer=actor),
                code="vetting_required",
            )


def exchange_record(
    *,
    actor: Actor,
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
        "providers": sorted(p.pk for p in providers),
        "recipients": sorted(p.pk for p in recipients),
        "minutes": minutes,
        "effective_on": str(effective_on),
        "title": title,
        "category": category,
        "note": note,
        "on_behalf_of": getattr(on_behalf_of, "pk", None),
        "listing_id": listing_id,
        "expenses": [{k: str(v) for k, v in e.items()} for e in expenses or []],
    }

    def run():
        community_access.access_not_suspended(actor, community)
        if on_behalf_of is not None:
            community_access.access_not_suspended(on_behalf_of, community, viewer=actor)
        rules = communities_selectors.rules_for(community)  # read once for every check below
        _check_amount(community, rules, minutes, effective_on)
        _check_people(community, providers, recipients)
        if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
            if not community_access.is_coordinator(actor, community):
                raise PermissionDenied("Only a coordinator can record hours for another member.")
            recorded_for = on_behalf_of
        else:
            recorded_for = actor
        if recorded_for.pk not in {p.pk for p in [*providers, *recipients]}:
            raise PermissionDenied(
                "You can only record an exchange you took part in.",
                code="not_a_participant",
                fields={"providers": ["You are not on either side."]},
            )
        exchange_title, exchange_category = title, category
        listing = None
        if listing_id is not None:
            listing = _listing_for_exchange(actor, community, listing_id)
            # The hours link back to the listing and count under its category.
            exchange_title, exchange_category = title or listing.title, listing.category.name
        others = [p for p in [*providers, *recipients] if p.pk != recorded_for.pk]
        _check_vetting(
            actor,
            community,
            exchange_activity(_shape(providers, recipients), listing),
            [recorded_for, *others],
        )
        exchange = _create(
            actor=actor,
            community=community,
            rules=rules,
            providers=providers,
            recipients=recipients,
            minutes=minutes,
            effective_on=effective_on,
            title=exchange_title,
            category=exchange_category,
            note=note,
            recorded_for=recorded_for,
            method=EntryMethod.MEMBER,
            status=ExchangeStatus.RECORDED,
            listing_id=listing_id,
            expenses=expenses,
        )
        audit_record(
            actor=actor,
            on_behalf_of=recorded_for,
            action="exchange.record",
            subject=exchange,
            community_id=community.pk,
            person_id=recorded_for.pk,
            changes={"status": [None, exchange.status], "minutes": [None, minutes]},
        )
        _notify(
            others,
            f"Please confirm {amounts_selectors.hours(minutes)} ({community.name})",
            f"{recorded_for.display_name} recorded {amounts_selectors.hours(minutes)} for "
            f"{title or category or 'an exchange'} on {effective_on:%-d %B %Y}. Please confirm or "
            "decline it.",
            kind="exchange_recorded",
            community=community,
            url=_exchange_url(exchange),
        )
        return exchange, {"exchange_id": exchange.pk}

    return idempotent(
        scope=f"exchange:{community.pk}",
        key=idempotency_key,
        request=request,
        run=run,
        load=lambda stored: Exchange.objects.get(pk=stored["exchange_id"]),
    )


def exchange_enter(
    *,
    actor: Actor,
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
        "providers": sorted(p.pk for p in providers),
        "recipients": sorted(p.pk for p in recipients),
        "minutes": minutes,
        "effective_on": str(effective_on),
        "title": title,
        "category": category,
        "note": note,
        "slip": slip_number,
        "expenses": [{k: str(v) for k, v in e.items()} for e in expenses or []],
    }

    def run():
        community_access.access_coordinate(actor, community)
        rules = communities_selectors.rules_for(community)  # read once for every check below
        _check_amount(community, rules, minutes, effective_on)
        _check_people(community, providers, recipients)
        _check_vetting(
            actor,
            community,
            exchange_activity(_shape(providers, recipients), None),
            [*providers, *recipients],
        )
        if slip_number:
            earlier = Exchange.objects.filter(community=community, slip_number=slip_number).first()
            if earlier is not None:
                raise Conflict(
                    f"Paper slip {slip_number} was already entered on "
                    f"{timezone.localtime(earlier.created_at):%-d %B %Y}.",
                    code="slip_already_entered",
                    fields={"slip_number": ["Already entered."]},
                )
        try:
            with transaction.atomic():
                exchange = _create(
                    actor=actor,
                    community=community,
                    rules=rules,
                    providers=providers,
                    recipients=recipients,
                    minutes=minutes,
                    effective_on=effective_on,
                    title=title,
                    category=category,
                    note=note,
                    recorded_for=None,
                    method=EntryMethod.PAPER_SLIP if slip_number else EntryMethod.BROKERED,
                    status=ExchangeStatus.CONFIRMED,
                    slip_number=slip_number,
                    expenses=expenses,
                )
        except IntegrityError:
            raise Conflict(
                f"Paper slip {slip_number} was already entered.",
                code="slip_already_entered",
                fields={"slip_number": ["Already entered."]},
            ) from None
        exchange.decided_by = actor
        exchange.decided_at = timezone.now()
        prefetch_related_objects([exchange], _with_participants())
        _post(exchange, actor=actor)
        exchange.save(update_fields=["decided_by", "decided_at", "transfer"])
        audit_record(
            actor=actor,
            action=f"exchange.{exchange.method}",
            subject=exchange,
            community_id=community.pk,
            changes={
                "status": [None, exchange.status],
                "minutes": [None, minutes],
                "slip": [None, slip_number],
            },
        )
        return exchange, {"exchange_id": exchange.pk}

    return idempotent(
        scope=f"exchange:{community.pk}",
        key=idempotency_key,
        request=request,
        run=run,
        load=lambda stored: Exchange.objects.get(pk=stored["exchange_id"]),
    )
