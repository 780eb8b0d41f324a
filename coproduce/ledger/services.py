"""The only code that writes ledger rows.

`transfer_create` is the idempotent entry point for a client request (API, web form, CLI).
`post_transfer` is the core that other domain services (exchanges, grants) call inside their
own transaction with a key derived from what they are posting for, so the same thing can never
be posted twice. Both follow the ledger rules in STYLE.md: integer minutes, legs that sum to
zero, limits from the community's rulebook checked under row locks (ascending account id, the
chain head last), append-only rows, a hash chain per community."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from coproduce.communities import selectors as community_selectors
from coproduce.core.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from coproduce.core.idempotency import idempotent, once

from .models import Account, AccountKind, LedgerHead, Reason, Transfer, TransferStatus
from .selectors import hours

MAX_LEG_MINUTES = 1_000_000 * 60
GENESIS_HASH = "0" * 64


class LimitExceeded(ApplicationError):
    status = 409
    code = "limit_exceeded"


@dataclass(frozen=True)
class Leg:
    account_id: int
    amount_minutes: int  # + credits the account, - debits it


# Accounts ------------------------------------------------------------------------------------


def _system_account(community, kind: str, name: str) -> Account:
    account = Account.objects.filter(community=community, kind=kind).first()
    if account is None:
        account = Account.objects.create(community=community, kind=kind, name=name)
    return account


def fund_account(community) -> Account:
    return _system_account(community, AccountKind.FUND, f"{community.name} community fund")


def issuance_account(community) -> Account:
    return _system_account(community, AccountKind.ISSUANCE, f"{community.name} issuance")


def member_account(community, person) -> Account:
    """The person's account in this community, opened on first use."""
    account = Account.objects.filter(community=community, kind=AccountKind.MEMBER, person=person).first()
    if account is None:
        account = Account.objects.create(
            community=community, kind=AccountKind.MEMBER, person=person, name=person.display_name
        )
    return account


def member_accounts(community, people) -> dict[int, Account]:
    """{person id: account} in this community for many people at once: one query to find them and,
    when some have none yet, one insert and one query to open theirs (what `member_account` does
    for one person, without a query per person)."""
    people = {person.pk: person for person in people}
    found: dict[int, Account] = {a.person_id: a for a in Account.objects.filter(
        community=community, kind=AccountKind.MEMBER, person_id__in=list(people)) if a.person_id is not None}
    missing = [person for pk, person in people.items() if pk not in found]
    if missing:
        Account.objects.bulk_create([
            Account(community=community, kind=AccountKind.MEMBER, person=person, name=person.display_name)
            for person in missing
        ])
        found.update({a.person_id: a for a in Account.objects.filter(
            community=community, kind=AccountKind.MEMBER, person_id__in=[p.pk for p in missing])
            if a.person_id is not None})
    return found


def organisation_account_open(*, community, name: str) -> Account:
    with transaction.atomic():
        return Account.objects.create(community=community, kind=AccountKind.ORGANISATION, name=name)


# Limits --------------------------------------------------------------------------------------


def account_limits(account: Account | LockedAccount, rules: dict[str, Any]) -> tuple[int | None, int | None]:
    """(floor, ceiling) for an account under the community's rules; None is unbounded."""
    if account.kind == AccountKind.ISSUANCE:
        return None, None
    if account.kind == AccountKind.MEMBER:
        return rules["credit_floor_minutes"], rules["credit_ceiling_minutes"]
    if account.kind == AccountKind.CLEARING:
        limit = rules.get("clearing_limit_minutes", 100 * 60)
        return -limit, limit
    return 0, None  # fund and organisations cannot go below zero


# Hash chain ----------------------------------------------------------------------------------


def transfer_digest(prev_hash: str, fields: dict[str, Any], legs: list[tuple[int, int, bool]]) -> str:
    body = json.dumps({**fields, "legs": sorted(legs)}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def _utc(value: dt.datetime | None) -> str | None:
    # Stored times come back in UTC; hash them that way, whatever zone they were given in.
    return value.astimezone(dt.UTC).isoformat() if value else None


def chain_fields(transfer: Transfer) -> dict[str, Any]:
    return {
        "community": transfer.community_id,
        "sequence": transfer.sequence,
        "key": transfer.idempotency_key,
        "reason": transfer.reason,
        "status": transfer.status,
        "resolves": transfer.resolves_id,
        "reverses": transfer.reverses_id,
        "expires_at": _utc(transfer.expires_at),
        "memo": transfer.memo,
        "related": [transfer.related_type, transfer.related_id],
        "actor": transfer.actor_id,
        "on_behalf_of": transfer.on_behalf_of_id,
        "effective_at": _utc(transfer.effective_at),
        "created_at": _utc(transfer.created_at),
    }


# Posting -------------------------------------------------------------------------------------


def _validate_legs(legs: list[Leg]) -> None:
    errors: list[str] = []
    if len(legs) < 2:
        errors.append("A transfer needs at least two accounts.")
    for leg in legs:
        amount = leg.amount_minutes
        if isinstance(amount, bool) or not isinstance(amount, int):
            errors.append("Amounts are whole minutes.")
        elif amount == 0:
            errors.append("Every amount must be more than zero minutes.")
        elif abs(amount) > MAX_LEG_MINUTES:
            errors.append("That amount is far too large.")
    if not errors and sum(leg.amount_minutes for leg in legs) != 0:
        errors.append("The minutes taken from accounts must equal the minutes given to accounts.")
    if len({leg.account_id for leg in legs}) != len(legs):
        errors.append("Each account may appear only once in a transfer.")
    if errors:
        raise ValidationFailed(errors[0], fields={"legs": errors})


# The write path is hand-written SQL through one cursor. Every transfer in a community queues
# for its chain head, so the work done while the head is locked bounds the ledger's throughput,
# and building ORM queries cost several times more than running them (docs/benchmarks.md).
# The statements run on SQLite (3.33 or later, for UPDATE … FROM) and PostgreSQL alike; where
# the two differ (row locks, how an insert reports its id) the code says so. Only placeholders
# and lock clauses are formatted into the SQL (hence `noqa: S608`): every value is a parameter.


@dataclass(frozen=True)
class LockedAccount:
    """An account row as read under its lock: what the limit checks and the writes need."""

    id: int
    kind: str
    name: str
    balance_minutes: int
    pending_debit_minutes: int
    pending_credit_minutes: int
    closed: bool


def _row_lock(*, no_key: bool = False) -> str:
    """The row-lock clause for this database. None on SQLite, whose transactions are IMMEDIATE
    (one writer at a time). On PostgreSQL accounts take FOR NO KEY UPDATE, which still excludes
    every other writer but lets postings that refer to the account be inserted meanwhile."""
    features = connection.features
    if no_key and features.has_select_for_no_key_update:
        return " FOR NO KEY UPDATE"
    return " FOR UPDATE" if features.has_select_for_update else ""


def _placeholders(columns: int, rows: int = 1) -> str:
    row = "(" + ", ".join(["%s"] * columns) + ")"
    return ", ".join([row] * rows)


def _lock_accounts(cursor, community, account_ids: list[int]) -> dict[int, LockedAccount]:
    """Lock the community's accounts in ascending id order (two transfers over the same accounts
    then cannot deadlock) and read them. Raises NotFound (missing or another community's),
    Conflict (closed)."""
    ids = sorted(set(account_ids))
    cursor.execute(
        "SELECT id, kind, name, balance_minutes, pending_debit_minutes, pending_credit_minutes, closed_at"  # noqa: S608
        f" FROM ledger_account WHERE community_id = %s AND id IN {_placeholders(len(ids))}"
        f" ORDER BY id{_row_lock(no_key=True)}",
        [community.pk, *ids],
    )
    accounts = {
        pk: LockedAccount(pk, kind, name, balance, debits, credits, closed_at is not None)
        for pk, kind, name, balance, debits, credits, closed_at in cursor.fetchall()
    }
    if len(accounts) != len(ids):
        raise NotFound("No such account in this community.", code="account_not_found")
    closed = [a.name for a in accounts.values() if a.closed]
    if closed:
        raise Conflict(f"This account is closed: {', '.join(closed)}.", code="account_closed")
    return accounts


def _lock_head(cursor, community) -> tuple[int, int, str]:
    """Lock the community's chain head, always the last lock taken: (id, last sequence, last hash)."""
    sql = f"SELECT id, last_sequence, last_hash FROM ledger_ledgerhead WHERE community_id = %s{_row_lock()}"  # noqa: S608
    cursor.execute(sql, [community.pk])
    row = cursor.fetchone()
    if row is None:
        # The first transfer of a community creates its chain head; a concurrent first
        # transfer waits on the unique constraint, then takes the lock.
        LedgerHead.objects.get_or_create(community=community)
        cursor.execute(sql, [community.pk])
        row = cursor.fetchone()
    return row


def _write_accounts(cursor, rows: list[tuple[int, int, int, int, int, int]]) -> None:
    """Set each locked account's balance and held minutes, and add to its given and received
    totals, in one statement: rows of (id, balance, held debits, held credits, given +, received +).
    A VALUES list's columns are named column1, column2, … on both databases."""
    cursor.execute(
        "UPDATE ledger_account SET balance_minutes = v.column2, pending_debit_minutes = v.column3,"  # noqa: S608
        " pending_credit_minutes = v.column4, given_minutes = ledger_account.given_minutes + v.column5,"
        " received_minutes = ledger_account.received_minutes + v.column6"
        f" FROM (VALUES {_placeholders(6, len(rows))}) AS v"
        " WHERE ledger_account.id = v.column1",
        [value for row in rows for value in row],
    )


def given_received(amount: int, reason: str) -> tuple[int, int]:
    """How a posted leg moves an account's (given, received) totals. A reversal takes back what
    it reverses rather than counting as new giving or receiving."""
    if reason == Reason.REVERSAL:
        return (0, amount) if amount < 0 else (-amount, 0)
    return (-amount, 0) if amount < 0 else (0, amount)


def _insert_transfer(cursor, transfer: Transfer) -> int | None:
    """Insert the transfer row; its id, or None when the community already has a transfer with
    this key. ON CONFLICT DO NOTHING turns a used key into an answer rather than an error that
    would abort the transaction: no savepoint, and no separate look-up beforehand."""
    adapt = connection.ops.adapt_datetimefield_value  # SQLite stores naive UTC text
    params = [
        transfer.community_id, transfer.sequence, transfer.idempotency_key, transfer.reason, transfer.status,
        transfer.resolves_id, transfer.reverses_id, adapt(transfer.expires_at), transfer.memo, transfer.related_type,
        transfer.related_id, transfer.actor_id, transfer.on_behalf_of_id, adapt(transfer.effective_at),
        adapt(transfer.created_at), transfer.prev_hash, transfer.hash,
    ]
    sql = (
        "INSERT INTO ledger_transfer (community_id, sequence, idempotency_key, reason, status, resolves_id,"  # noqa: S608
        " reverses_id, expires_at, memo, related_type, related_id, actor_id, on_behalf_of_id, effective_at,"
        f" created_at, prev_hash, hash) VALUES {_placeholders(len(params))}"
        " ON CONFLICT (community_id, idempotency_key) DO NOTHING"
    )
    if connection.vendor == "sqlite":
        # sqlite3 reports the new row itself (RETURNING needs SQLite 3.35).
        cursor.execute(sql, params)
        return cursor.lastrowid if cursor.rowcount == 1 else None
    cursor.execute(sql + " RETURNING id", params)
    row = cursor.fetchone()
    return row[0] if row else None


def _insert_postings(cursor, community, transfer_id: int, postings: list[tuple]) -> None:
    """One multi-row insert. Each posting is (account, amount, pending, balance after, floor, ceiling)."""
    cursor.execute(
        "INSERT INTO ledger_posting (community_id, transfer_id, account_id, amount_minutes, pending,"  # noqa: S608
        f" balance_after_minutes, floor_minutes, ceiling_minutes) VALUES {_placeholders(8, len(postings))}",
        [value for posting in postings for value in (community.pk, transfer_id, *posting)],
    )


def _write(
    *,
    community,
    key: str,
    reason: str,
    status: str,
    legs: list[Leg],
    actor,
    on_behalf_of=None,
    memo: str = "",
    effective_at: dt.datetime,
    related: tuple[str, str] = ("", ""),
    resolves: Transfer | None = None,
    reverses: Transfer | None = None,
    expires_at: dt.datetime | None = None,
    release: list[Leg] | None = None,
    check_limits: bool = True,
) -> Transfer:
    """Lock, check limits, write the transfer and its postings, move the cached balances.
    `release` are the held legs of a reservation being resolved: their holds are lifted first.
    Must run inside a transaction. Raises NotFound (account), Conflict (closed account, the key
    already used in this community), LimitExceeded."""
    rules = community_selectors.rules_for(community)
    all_ids = sorted({leg.account_id for leg in legs} | {leg.account_id for leg in (release or [])})
    with connection.cursor() as cursor:
        accounts = _lock_accounts(cursor, community, all_ids) if all_ids else {}
        # Lift the holds of the reservation being resolved.
        hold_debit = dict.fromkeys(all_ids, 0)
        hold_credit = dict.fromkeys(all_ids, 0)
        for leg in release or []:
            if leg.amount_minutes < 0:
                hold_debit[leg.account_id] -= -leg.amount_minutes
            else:
                hold_credit[leg.account_id] -= leg.amount_minutes
        pending = status == TransferStatus.PENDING
        postings: list[tuple[int, int, bool, int | None, int | None, int | None]] = []
        new_balance = {pk: account.balance_minutes for pk, account in accounts.items()}
        given = dict.fromkeys(all_ids, 0)
        received = dict.fromkeys(all_ids, 0)
        for leg in sorted(legs, key=lambda leg: leg.account_id):
            account = accounts[leg.account_id]
            floor, ceiling = account_limits(account, rules)
            debits_held = account.pending_debit_minutes + hold_debit[account.id]
            credits_held = account.pending_credit_minutes + hold_credit[account.id]
            amount = leg.amount_minutes
            if pending:
                if amount < 0:
                    hold_debit[account.id] += -amount
                else:
                    hold_credit[account.id] += amount
                balance_after = None
            else:
                balance_after = account.balance_minutes + amount
                new_balance[account.id] = balance_after
                given_by, received_by = given_received(amount, reason)
                given[account.id] += given_by
                received[account.id] += received_by
            if check_limits:
                if amount < 0 and floor is not None:
                    available_after = account.balance_minutes - debits_held + amount
                    if available_after < floor:
                        raise LimitExceeded(
                            f"{account.name} does not have enough time credit: this would take the balance to "
                            f"{hours(available_after)} (the lowest allowed is {hours(floor)}).",
                            fields={"amount_minutes": ["More than the account can give."]},
                        )
                if amount > 0 and ceiling is not None:
                    ceiling_after = account.balance_minutes + credits_held + amount
                    if ceiling_after > ceiling:
                        raise LimitExceeded(
                            f"{account.name} would go over the highest balance allowed ({hours(ceiling)}).",
                            fields={"amount_minutes": ["More than the account may hold."]},
                        )
            postings.append((account.id, amount, pending, balance_after, floor, ceiling))
        if accounts:
            # Write the balances and holds now, while only the accounts are locked: the chain
            # head is every writer's queue, so as little as possible happens while it is held.
            _write_accounts(cursor, [
                (pk, new_balance[pk], account.pending_debit_minutes + hold_debit[pk],
                 account.pending_credit_minutes + hold_credit[pk], given[pk], received[pk])
                for pk, account in accounts.items()
            ])
        transfer = Transfer(
            community=community, idempotency_key=key, reason=reason, status=status, resolves=resolves,
            reverses=reverses, expires_at=expires_at, memo=memo, related_type=related[0], related_id=str(related[1]),
            actor=actor, on_behalf_of=on_behalf_of, effective_at=effective_at,
        )
        head_id, last_sequence, last_hash = _lock_head(cursor, community)
        transfer.sequence = last_sequence + 1
        transfer.prev_hash = last_hash
        transfer.created_at = timezone.now()
        transfer.hash = transfer_digest(
            last_hash, chain_fields(transfer), [(account_id, amount, held) for account_id, amount, held, *_ in postings]
        )
        transfer_id = _insert_transfer(cursor, transfer)
        if transfer_id is None:
            raise Conflict("This has already been posted.", code="already_posted")
        if postings:
            _insert_postings(cursor, community, transfer_id, postings)
        cursor.execute(
            "UPDATE ledger_ledgerhead SET last_sequence = %s, last_hash = %s WHERE id = %s",
            [transfer.sequence, transfer.hash, head_id],
        )
    # The row exists now: let the instance say so, as save() would have.
    transfer.pk = transfer_id
    transfer._state.adding = False
    transfer._state.db = connection.alias
    return transfer


def _check_effective_at(effective_at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if effective_at is None:
        return now
    if timezone.is_naive(effective_at):
        raise ValidationFailed("The date needs a time zone.", fields={"effective_at": ["Not a valid time."]})
    if effective_at > now + dt.timedelta(minutes=5):
        raise ValidationFailed("The date cannot be in the future.", fields={"effective_at": ["In the future."]})
    return effective_at


def post_transfer(
    *,
    actor,
    community,
    key: str,
    legs: list[Leg],
    reason: str,
    memo: str = "",
    on_behalf_of=None,
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
            community=community, key=key, reason=reason, status=TransferStatus.POSTED, legs=legs, actor=actor,
            on_behalf_of=on_behalf_of, memo=memo, effective_at=effective, related=(related[0], str(related[1])),
        )


def _transfer_request(**fields) -> dict[str, Any]:
    legs = fields.pop("legs")
    fields["legs"] = sorted([leg.account_id, leg.amount_minutes] for leg in legs)
    return fields


def _load_transfer(stored: dict) -> Transfer:
    return Transfer.objects.get(pk=stored["transfer_id"])


def transfer_create(
    *,
    actor,
    community,
    idempotency_key: str,
    legs: list[Leg],
    reason: str = Reason.TRANSFER,
    memo: str = "",
    on_behalf_of=None,
    effective_at: dt.datetime | None = None,
    related: tuple[str, Any] = ("", ""),
) -> Transfer:
    """A client's transfer request, idempotent on its key: same key and request return the
    original transfer; same key, other request: Conflict; a failed attempt fails again the same
    way. Raises what post_transfer raises."""
    request = _transfer_request(
        community=community.pk, legs=legs, reason=reason, memo=memo,
        on_behalf_of=getattr(on_behalf_of, "pk", None),
        effective_at=effective_at.isoformat() if effective_at else None, related=[related[0], str(related[1])],
    )

    def run():
        transfer = post_transfer(
            actor=actor, community=community, key=f"client:{idempotency_key}", legs=legs, reason=reason, memo=memo,
            on_behalf_of=on_behalf_of, effective_at=effective_at, related=related,
        )
        return transfer, {"transfer_id": transfer.pk}

    return idempotent(
        scope=f"ledger:{community.pk}", key=idempotency_key, request=request, run=run, load=_load_transfer
    )


# Reservations --------------------------------------------------------------------------------


def reservation_create(
    *,
    actor,
    community,
    idempotency_key: str,
    legs: list[Leg],
    expires_at: dt.datetime,
    memo: str = "",
    related: tuple[str, Any] = ("", ""),
) -> Transfer:
    """Hold minutes (pending) until posted, voided or expired. Raises as transfer_create,
    ValidationFailed (expiry in the past)."""
    if expires_at <= timezone.now():
        raise ValidationFailed("The reservation must expire in the future.", fields={"expires_at": ["In the past."]})
    request = _transfer_request(
        community=community.pk, legs=legs, memo=memo, expires_at=expires_at.isoformat(),
        related=[related[0], str(related[1])], kind="reservation",
    )

    def run():
        _validate_legs(legs)
        transfer = _write(
            community=community, key=f"client:{idempotency_key}", reason=Reason.RESERVATION,
            status=TransferStatus.PENDING, legs=legs, actor=actor, memo=memo, effective_at=timezone.now(),
            related=(related[0], str(related[1])), expires_at=expires_at,
        )
        return transfer, {"transfer_id": transfer.pk}

    return idempotent(
        scope=f"ledger:{community.pk}", key=idempotency_key, request=request, run=run, load=_load_transfer
    )


def _pending_legs(reservation: Transfer) -> list[Leg]:
    return [Leg(p.account_id, p.amount_minutes) for p in reservation.postings.all()]


def _lock_reservation(community, reservation_id: int) -> Transfer:
    qs = Transfer.objects.filter(community=community, pk=reservation_id, status=TransferStatus.PENDING)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    reservation = qs.first()
    if reservation is None:
        raise NotFound("No such reservation.")
    if Transfer.objects.filter(resolves=reservation).exists():
        raise Conflict("This reservation has already been resolved.", code="already_resolved")
    return reservation


def reservation_post(*, actor, community, reservation_id: int, amount_minutes: int | None = None) -> Transfer:
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
                raise ValidationFailed("Only a reservation between two accounts can be posted in part.")
            if isinstance(amount_minutes, bool) or not isinstance(amount_minutes, int) or not 0 < amount_minutes <= full:
                raise ValidationFailed(
                    f"Post between 1 and {full} minutes.", fields={"amount_minutes": ["Out of range."]}
                )
            legs = [Leg(leg.account_id, amount_minutes if leg.amount_minutes > 0 else -amount_minutes) for leg in held]
        return _write(
            community=community, key=f"resolve:{reservation.pk}", reason=Reason.RESERVATION_POST,
            status=TransferStatus.POSTED, legs=legs, actor=actor, memo=reservation.memo,
            effective_at=timezone.now(), resolves=reservation, release=held,
            related=(reservation.related_type, reservation.related_id),
        )


def _resolve_without_posting(*, actor, community, reservation: Transfer, reason: str) -> Transfer:
    return _write(
        community=community, key=f"resolve:{reservation.pk}", reason=reason, status=TransferStatus.POSTED, legs=[],
        actor=actor, effective_at=timezone.now(), resolves=reservation, release=_pending_legs(reservation),
        related=(reservation.related_type, reservation.related_id),
    )


def reservation_void(*, actor, community, reservation_id: int) -> Transfer:
    """Release a reservation without moving anything. Raises NotFound, Conflict."""
    with transaction.atomic(durable=True):
        reservation = _lock_reservation(community, reservation_id)
        return _resolve_without_posting(actor=actor, community=community, reservation=reservation,
                                        reason=Reason.RESERVATION_VOID)


def reservations_expire(*, now: dt.datetime | None = None) -> int:
    """Expire every unresolved reservation past its time (the periodic job). Returns how many."""
    now = now or timezone.now()
    expired = 0
    candidates = (
        Transfer.objects.filter(status=TransferStatus.PENDING, expires_at__lte=now, resolution__isnull=True)
        .select_related("community")
        .order_by("pk")
    )
    for reservation in candidates:
        try:
            with transaction.atomic(durable=True):
                fresh = _lock_reservation(reservation.community, reservation.pk)
                _resolve_without_posting(actor=None, community=reservation.community, reservation=fresh,
                                         reason=Reason.RESERVATION_EXPIRE)
                expired += 1
        except Conflict:
            continue  # resolved by someone else meanwhile
    return expired


# Reversal ------------------------------------------------------------------------------------


def transfer_reverse(
    *, actor, community, transfer_id: int, reason: str, on_behalf_of=None, notify: bool = True,
    idempotency_key: str | None = None,
) -> Transfer:
    """Reverse a posted transfer with a reason, as a new transfer with every leg negated; at
    most one reversal per transfer. The holders of the member accounts it touched are told why
    by email after commit (`notify=False` when the caller sends its own notice, as exchanges do).
    With a client's key, a retry answers with the original reversal (recorded in the same
    transaction) instead of "already reversed". Raises ValidationFailed (no reason), NotFound,
    Conflict (already reversed, a reversal, a reservation, key reused), LimitExceeded (someone's
    balance is too low to give the time back)."""

    def run():
        reversal = post_reversal(actor=actor, community=community, transfer_id=transfer_id, reason=reason,
                                 on_behalf_of=on_behalf_of, notify=notify)
        return reversal, {"transfer_id": reversal.pk}

    return once(
        scope=f"ledger-reverse:{community.pk}", key=idempotency_key,
        request={"transfer": transfer_id, "reason": reason, "on_behalf_of": getattr(on_behalf_of, "pk", None)},
        run=run, load=_load_transfer,
    )


def post_reversal(
    *, actor, community, transfer_id: int, reason: str, on_behalf_of=None, notify: bool = True
) -> Transfer:
    """`transfer_reverse` inside the caller's transaction (an exchange's reversal writes its own
    audit row and notices in the same one). Raises as transfer_reverse."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why this is being reversed.", fields={"reason": ["Required."]})
    # No savepoint: any failure here fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        original = Transfer.objects.filter(community=community, pk=transfer_id).first()
        if original is None:
            raise NotFound("No such transfer.")
        if original.status != TransferStatus.POSTED or original.reason in {
            Reason.REVERSAL, Reason.RESERVATION_VOID, Reason.RESERVATION_EXPIRE,
        }:
            raise Conflict("Only a posted transfer can be reversed.", code="not_reversible")
        if Transfer.objects.filter(reverses=original).exists():
            raise Conflict("This transfer has already been reversed.", code="already_reversed")
        legs = [Leg(p.account_id, -p.amount_minutes) for p in original.postings.all()]
        if not legs:
            raise Conflict("Nothing moved in this transfer, so there is nothing to reverse.", code="not_reversible")
        reversal = _write(
            community=community, key=f"reverse:{original.pk}", reason=Reason.REVERSAL, status=TransferStatus.POSTED,
            legs=legs, actor=actor, on_behalf_of=on_behalf_of, memo=reason, effective_at=timezone.now(),
            reverses=original, related=(original.related_type, original.related_id),
        )
        if notify:
            _notify_reversal(community, original, reason)
        return reversal


def _notify_reversal(community, original: Transfer, reason: str) -> None:
    holders = [
        account.person
        for account in Account.objects.filter(postings__transfer=original, kind=AccountKind.MEMBER).select_related("person")
        if account.person and account.person.email and account.person.pseudonymised_at is None
    ]
    minutes = max((abs(p.amount_minutes) for p in original.postings.all()), default=0)
    body = (
        f"A coordinator of {community.name} reversed {hours(minutes)} "
        f"({original.get_reason_display().lower()}, {timezone.localtime(original.effective_at):%-d %B %Y}).\n\n"
        f"Reason: {reason}\n"
    )
    addresses: list[str] = [person.email for person in holders if person.email]

    def send() -> None:
        for address in addresses:
            send_mail(f"Hours reversed ({community.name})", body, None, [address], fail_silently=True)

    if addresses:
        transaction.on_commit(send)


# Closing -------------------------------------------------------------------------------------


def account_close(*, actor, community, account: Account, reason: str) -> Transfer | None:
    """Close an account: any balance goes to (or comes from) the community fund in a closing
    transfer, then the account takes no more postings. Never deleted. Raises Conflict (already
    closed, reservations still held), PermissionDenied (system accounts)."""
    if account.kind in (AccountKind.FUND, AccountKind.ISSUANCE):
        raise PermissionDenied("The community's own accounts cannot be closed.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            locked = _lock_accounts(cursor, community, [account.pk])[account.pk]
        if locked.pending_debit_minutes or locked.pending_credit_minutes:
            raise Conflict("Resolve this account's reservations before closing it.", code="reservations_held")
        transfer = None
        if locked.balance_minutes:
            # Time left over is given to the fund; a debt is written off against issuance.
            other = fund_account(community) if locked.balance_minutes > 0 else issuance_account(community)
            transfer = _write(
                community=community, key=f"close:{locked.id}", reason=Reason.CLOSING, status=TransferStatus.POSTED,
                legs=[Leg(locked.id, -locked.balance_minutes), Leg(other.pk, locked.balance_minutes)],
                actor=actor, memo=reason, effective_at=timezone.now(),
            )
        Account.objects.filter(pk=locked.id).update(closed_at=timezone.now())
        return transfer


def member_account_close(*, actor, community, person, reason: str) -> Transfer | None:
    """Close a leaving member's account, if they have an open one (inside the caller's
    transaction). Raises as account_close."""
    account = Account.objects.filter(
        community=community, kind=AccountKind.MEMBER, person=person, closed_at__isnull=True
    ).first()
    if account is None:
        return None
    return account_close(actor=actor, community=community, account=account, reason=reason)
