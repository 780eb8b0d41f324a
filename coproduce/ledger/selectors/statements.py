"""Statements: an account's lines with the running balance, a member's statement page and CSV,
the community fund's page. Each page reads a fixed number of queries, however long the history."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from coproduce.core.actors import User
from coproduce.core.errors import NotFound

from ..models import Account, AccountKind, AnyCommunity, Posting, Transfer
from .accounts import Totals, account_of, account_totals, system_account


@dataclass
class StatementLine:
    posting_id: int
    transfer: Transfer
    amount_minutes: int
    balance_after_minutes: int
    counterparties: list[str]


def account_statement(
    account: Account, *, before_id: int | None = None, limit: int = 50
) -> list[StatementLine]:
    """Newest first, keyset-paginated on the posting id; the running balance is the balance
    recorded with each posting. Three queries per page, whatever the account's size."""
    qs = (
        Posting.objects.filter(account=account, pending=False)
        .select_related("transfer", "transfer__actor", "transfer__on_behalf_of")
        .order_by("-id")
    )
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    postings = list(qs[:limit])
    # "With whom": the accounts on the other side of each transfer. A transfer with several legs on
    # this account's side (a session crediting every member who came, a group exchange) names only
    # the other side, so a statement never lists the people who were credited alongside.
    others: dict[int, list[str]] = {}
    if postings:
        mine = {p.transfer_id: p.amount_minutes for p in postings}
        for transfer_id, name, amount in (
            Posting.objects.filter(transfer_id__in=list(mine))
            .exclude(account=account)
            .order_by("id")
            .values_list("transfer_id", "account__name", "amount_minutes")
        ):
            if (amount < 0) != (mine[transfer_id] < 0) or amount == 0 or mine[transfer_id] == 0:
                others.setdefault(transfer_id, []).append(name)
    return [
        StatementLine(
            posting_id=p.pk,
            transfer=p.transfer,
            amount_minutes=p.amount_minutes,
            balance_after_minutes=p.balance_after_minutes or 0,
            counterparties=others.get(p.transfer_id, []),
        )
        for p in postings
    ]


def account_statement_csv(account: Account) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["date", "recorded", "reason", "with", "minutes", "balance_minutes", "note", "transfer_id"]
    )
    before = None
    while True:
        lines = account_statement(account, before_id=before, limit=2000)
        if not lines:
            break
        for line in lines:
            t = line.transfer
            writer.writerow(
                [
                    t.effective_at.date().isoformat(),
                    t.created_at.isoformat(timespec="seconds"),
                    t.get_reason_display(),
                    "; ".join(line.counterparties),
                    line.amount_minutes,
                    line.balance_after_minutes,
                    t.memo,
                    t.pk,
                ]
            )
        before = lines[-1].posting_id
    return out.getvalue()


def fund_movements(
    community: AnyCommunity, *, before_id: int | None = None, limit: int = 50
) -> list[StatementLine]:
    fund = system_account(community, AccountKind.FUND)
    return account_statement(fund, before_id=before_id, limit=limit) if fund else []


# Web pages -----------------------------------------------------------------------------------
# Each reads a fixed number of queries, however long the account's history.


@dataclass
class StatementPage:
    account: Account | None  # None until the person's first transfer opens it
    totals: Totals
    lines: list[StatementLine]
    older_before: int | None  # the posting id to continue before, when there are older lines


def statement_page(
    community: AnyCommunity, person: User, *, before_id: int | None = None, limit: int = 50
) -> StatementPage:
    """A member's statement page: totals beside the balance, and lines newest first."""
    account = account_of(community, person)
    if account is None:
        return StatementPage(account=None, totals=Totals(0, 0, 0, 0), lines=[], older_before=None)
    lines = account_statement(account, before_id=before_id, limit=limit + 1)
    more = len(lines) > limit
    lines = lines[:limit]
    return StatementPage(
        account=account,
        totals=account_totals(account),
        lines=lines,
        older_before=lines[-1].posting_id if more and lines else None,
    )


def statement_csv_of(community: AnyCommunity, person: User) -> str:
    """A member's whole statement as CSV. Raises NotFound before their first transfer."""
    account = account_of(community, person)
    if account is None:
        raise NotFound("No statement yet.")
    return account_statement_csv(account)


@dataclass
class FundLine:
    posting_id: int
    effective_at: dt.datetime
    reason: str
    amount_minutes: int
    balance_after_minutes: int
    who: list[str]  # empty when the viewer may not see names
    note: str


@dataclass
class FundPage:
    balance_minutes: int
    lines: list[FundLine]
    older_before: int | None


def fund_page(
    community: AnyCommunity,
    *,
    viewer_coordinates: bool,
    before_id: int | None = None,
    limit: int = 50,
) -> FundPage:
    """The community fund's balance and movements, visible to every member. Who donated or
    received a grant, and the reasons (a grant's reason can be about someone's health or money),
    are shown to coordinators only."""
    fund = system_account(community, AccountKind.FUND)
    if fund is None:
        return FundPage(balance_minutes=0, lines=[], older_before=None)
    lines = account_statement(fund, before_id=before_id, limit=limit + 1)
    more = len(lines) > limit
    lines = lines[:limit]
    return FundPage(
        balance_minutes=fund.balance_minutes,
        lines=[
            FundLine(
                posting_id=line.posting_id,
                effective_at=line.transfer.effective_at,
                reason=line.transfer.get_reason_display(),
                amount_minutes=line.amount_minutes,
                balance_after_minutes=line.balance_after_minutes,
                who=line.counterparties if viewer_coordinates else [],
                note=line.transfer.memo if viewer_coordinates else "",
            )
            for line in lines
        ],
        older_before=lines[-1].posting_id if more and lines else None,
    )
