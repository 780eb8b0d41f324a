"""Reads of the ledger: accounts, balances and statements."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db.models import Q, Sum

from coproduce.core.errors import NotFound

from .models import Account, AccountKind, Posting, Transfer


def account_get(community, account_id: int) -> Account:
    try:
        return Account.objects.select_related("person").get(community=community, pk=account_id)
    except (Account.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such account.") from None


def account_of(community, person) -> Account | None:
    return Account.objects.filter(community=community, kind=AccountKind.MEMBER, person=person).first()


def system_account(community, kind: str) -> Account | None:
    return Account.objects.filter(community=community, kind=kind).first()


@dataclass
class Totals:
    given_minutes: int
    received_minutes: int
    balance_minutes: int
    held_minutes: int


def account_totals(account: Account) -> Totals:
    """Minutes given (debits) and received (credits), beside the balance. Reversals count
    against what they reverse, so a reversed exchange adds nothing to either side."""
    sums = Posting.objects.filter(account=account, pending=False).aggregate(
        given=Sum("amount_minutes", filter=Q(amount_minutes__lt=0)),
        received=Sum("amount_minutes", filter=Q(amount_minutes__gt=0)),
    )
    return Totals(
        given_minutes=-(sums["given"] or 0),
        received_minutes=sums["received"] or 0,
        balance_minutes=account.balance_minutes,
        held_minutes=account.pending_debit_minutes,
    )


@dataclass
class StatementLine:
    posting_id: int
    transfer: Transfer
    amount_minutes: int
    balance_after_minutes: int
    counterparties: list[str]


def account_statement(account: Account, *, before_id: int | None = None, limit: int = 50) -> list[StatementLine]:
    """Newest first, keyset-paginated on the posting id; the running balance is the balance
    recorded with each posting. Three queries per page, whatever the account's size."""
    qs = Posting.objects.filter(account=account, pending=False).select_related(
        "transfer", "transfer__actor", "transfer__on_behalf_of"
    ).order_by("-id")
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    postings = list(qs[:limit])
    others: dict[int, list[str]] = {}
    if postings:
        for transfer_id, name in (
            Posting.objects.filter(transfer_id__in=[p.transfer_id for p in postings])
            .exclude(account=account)
            .order_by("id")
            .values_list("transfer_id", "account__name")
        ):
            others.setdefault(transfer_id, []).append(name)
    return [
        StatementLine(
            posting_id=p.pk, transfer=p.transfer, amount_minutes=p.amount_minutes,
            balance_after_minutes=p.balance_after_minutes or 0, counterparties=others.get(p.transfer_id, []),
        )
        for p in postings
    ]


def account_statement_csv(account: Account) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "recorded", "reason", "with", "minutes", "balance_minutes", "note", "transfer_id"])
    before = None
    while True:
        lines = account_statement(account, before_id=before, limit=2000)
        if not lines:
            break
        for line in lines:
            t = line.transfer
            writer.writerow([
                t.effective_at.date().isoformat(), t.created_at.isoformat(timespec="seconds"), t.get_reason_display(),
                "; ".join(line.counterparties), line.amount_minutes, line.balance_after_minutes, t.memo, t.pk,
            ])
        before = lines[-1].posting_id
    return out.getvalue()


def transfer_get(community, transfer_id: int) -> Transfer:
    try:
        return Transfer.objects.prefetch_related("postings__account").get(community=community, pk=transfer_id)
    except (Transfer.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such transfer.") from None


def fund_movements(community, *, before_id: int | None = None, limit: int = 50) -> list[StatementLine]:
    fund = system_account(community, AccountKind.FUND)
    return account_statement(fund, before_id=before_id, limit=limit) if fund else []


def hours(minutes: int) -> str:
    """1h30 style, for display only."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60}h{minutes % 60:02d}"
