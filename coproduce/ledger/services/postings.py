"""The one write path of the ledger: lock the accounts, check the limits from the community's
rulebook, write the transfer and its postings, move the cached balances, extend the hash chain.
Every service that moves minutes (transfers, reservations, reversals, closing an account) ends
in `_write`. The ledger rules in STYLE.md hold here: integer minutes, legs that sum to zero,
limits checked under row locks (ascending account id, the chain head last), append-only rows, a
hash chain per community."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.actors import Actor
from coproduce.core.errors import Conflict, NotFound, ValidationFailed

from ..errors import LimitExceeded
from ..models import Account, AccountKind, AnyCommunity, LedgerHead, Transfer, TransferStatus
from ..selectors.accounts import given_received
from ..selectors.amounts import hours
from ..selectors.chain import chain_fields, transfer_digest

MAX_LEG_MINUTES = 1_000_000 * 60


@dataclass(frozen=True)
class Leg:
    account_id: int
    amount_minutes: int  # + credits the account, - debits it


# Limits --------------------------------------------------------------------------------------


def account_limits(
    account: Account | LockedAccount, rules: dict[str, Any]
) -> tuple[int | None, int | None]:
    """(floor, ceiling) for an account under the community's rules; None is unbounded."""
    if account.kind == AccountKind.ISSUANCE:
        return None, None
    if account.kind == AccountKind.MEMBER:
        return rules["credit_floor_minutes"], rules["credit_ceiling_minutes"]
    if account.kind == AccountKind.CLEARING:
        limit = rules.get("clearing_limit_minutes", 100 * 60)
        return -limit, limit
    return 0, None  # fund and organisations cannot go below zero


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


#: A posting as written: (account, amount, pending, balance after, floor, ceiling).
Posted = tuple[int, int, bool, int | None, int | None, int | None]


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


def _lock_accounts(
    cursor: CursorWrapper, community: AnyCommunity, account_ids: list[int]
) -> dict[int, LockedAccount]:
    """Lock the community's accounts in ascending id order (two transfers over the same accounts
    then cannot deadlock) and read them. Raises NotFound (missing or another community's),
    Conflict (closed)."""
    ids = sorted(set(account_ids))
    cursor.execute(
        "SELECT id, kind, name, balance_minutes, pending_debit_minutes, pending_credit_minutes,"  # noqa: S608
        " closed_at"
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


def _lock_head(cursor: CursorWrapper, community: AnyCommunity) -> tuple[int, int, str]:
    """Lock the community's chain head, always the last lock taken: (id, last sequence, last
    hash)."""
    sql = (
        "SELECT id, last_sequence, last_hash FROM ledger_ledgerhead"  # noqa: S608
        f" WHERE community_id = %s{_row_lock()}"
    )
    cursor.execute(sql, [community.pk])
    row: tuple[int, int, str] | None = cursor.fetchone()
    if row is None:
        # The first transfer of a community creates its chain head; a concurrent first
        # transfer waits on the unique constraint, then takes the lock.
        LedgerHead.objects.get_or_create(community=community)
        cursor.execute(sql, [community.pk])
        row = cursor.fetchone()
    return cast("tuple[int, int, str]", row)  # the head exists now


def _write_accounts(cursor: CursorWrapper, rows: list[tuple[int, int, int, int, int, int]]) -> None:
    """Set each locked account's balance and held minutes, and add to its given and received
    totals, in one statement: rows of (id, balance, held debits, held credits, given +, received +).
    A VALUES list's columns are named column1, column2, … on both databases."""
    cursor.execute(
        "UPDATE ledger_account SET balance_minutes = v.column2, pending_debit_minutes = v.column3,"  # noqa: S608
        " pending_credit_minutes = v.column4, given_minutes = ledger_account.given_minutes + "
        "v.column5, received_minutes = ledger_account.received_minutes + v.column6 FROM (VALUES "
        f"{_placeholders(6, len(rows))}) AS v WHERE ledger_account.id = v.column1",
        [value for row in rows for value in row],
    )


def _insert_transfer(cursor: CursorWrapper, transfer: Transfer) -> int | None:
    """Insert the transfer row; its id, or None when the community already has a transfer with
    this key. ON CONFLICT DO NOTHING turns a used key into an answer rather than an error that
    would abort the transaction: no savepoint, and no separate look-up beforehand."""
    adapt = connection.ops.adapt_datetimefield_value  # SQLite stores naive UTC text
    params: list[Any] = [
        transfer.community_id,
        transfer.sequence,
        transfer.idempotency_key,
        transfer.reason,
        transfer.status,
        transfer.resolves_id,
        transfer.reverses_id,
        adapt(transfer.expires_at),
        transfer.memo,
        transfer.related_type,
        transfer.related_id,
        transfer.actor_id,
        transfer.on_behalf_of_id,
        adapt(transfer.effective_at),
        adapt(transfer.created_at),
        transfer.prev_hash,
        transfer.hash,
    ]
    sql = (
        "INSERT INTO ledger_transfer (community_id, sequence, idempotency_key, reason, status,"  # noqa: S608
        " resolves_id, reverses_id, expires_at, memo, related_type, related_id, actor_id, "
        "on_behalf_of_id, effective_at, created_at, prev_hash, hash) VALUES "
        f"{_placeholders(len(params))} ON CONFLICT (community_id, idempotency_key) DO NOTHING"
    )
    if connection.vendor == "sqlite":
        # sqlite3 reports the new row itself (RETURNING needs SQLite 3.35).
        cursor.execute(sql, params)
        return cursor.lastrowid if cursor.rowcount == 1 else None
    cursor.execute(sql + " RETURNING id", params)
    row = cursor.fetchone()
    return row[0] if row else None


def _insert_postings(
    cursor: CursorWrapper, community: AnyCommunity, transfer_id: int, postings: list[Posted]
) -> None:
    """One multi-row insert. Each posting is (account, amount, pending, balance after, floor,
    ceiling)."""
    cursor.execute(
        "INSERT INTO ledger_posting (community_id, transfer_id, account_id, amount_minutes,"  # noqa: S608
        " pending, balance_after_minutes, floor_minutes, ceiling_minutes) VALUES "
        f"{_placeholders(8, len(postings))}",
        [value for posting in postings for value in (community.pk, transfer_id, *posting)],
    )


def _write(
    *,
    community: AnyCommunity,
    key: str,
    reason: str,
    status: str,
    legs: list[Leg],
    actor: Actor | None,
    on_behalf_of: Actor | None = None,
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
    rules = communities_selectors.rules_for(community)
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
        postings: list[Posted] = []
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
                            f"{account.name} does not have enough time credit: this would take the "
                            f"balance to {hours(available_after)} (the lowest allowed is "
                            f"{hours(floor)}).",
                            fields={"amount_minutes": ["More than the account can give."]},
                        )
                if amount > 0 and ceiling is not None:
                    ceiling_after = account.balance_minutes + credits_held + amount
                    if ceiling_after > ceiling:
                        raise LimitExceeded(
                            f"{account.name} would go over the highest balance allowed "
                            f"({hours(ceiling)}).",
                            fields={"amount_minutes": ["More than the account may hold."]},
                        )
            postings.append((account.id, amount, pending, balance_after, floor, ceiling))
        if accounts:
            # Write the balances and holds now, while only the accounts are locked: the chain
            # head is every writer's queue, so as little as possible happens while it is held.
            _write_accounts(
                cursor,
                [
                    (
                        pk,
                        new_balance[pk],
                        account.pending_debit_minutes + hold_debit[pk],
                        account.pending_credit_minutes + hold_credit[pk],
                        given[pk],
                        received[pk],
                    )
                    for pk, account in accounts.items()
                ],
            )
        transfer = Transfer(
            community=community,
            idempotency_key=key,
            reason=reason,
            status=status,
            resolves=resolves,
            reverses=reverses,
            expires_at=expires_at,
            memo=memo,
            related_type=related[0],
            related_id=str(related[1]),
            actor=actor,
            on_behalf_of=on_behalf_of,
            effective_at=effective_at,
        )
        head_id, last_sequence, last_hash = _lock_head(cursor, community)
        transfer.sequence = last_sequence + 1
        transfer.prev_hash = last_hash
        transfer.created_at = timezone.now()
        transfer.hash = transfer_digest(
            last_hash,
            chain_fields(transfer),
            [(account_id, amount, held) for account_id, amount, held, *_ in postings],
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
        raise ValidationFailed(
            "The date needs a time zone.", fields={"effective_at": ["Not a valid time."]}
        )
    if effective_at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(
            "The date cannot be in the future.", fields={"effective_at": ["In the future."]}
        )
    return effective_at
