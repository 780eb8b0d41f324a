"""Reads of accounts: one account, a person's, the community's own, a community's list, the
totals beside a balance."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from coproduce.core.actors import User
from coproduce.core.errors import NotFound

from ..models import Account, AccountKind, AnyCommunity, Reason


def account_get(community: AnyCommunity, account_id: int) -> Account:
    try:
        return Account.objects.select_related("person").get(community=community, pk=account_id)
    except (Account.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such account.") from None


def account_of(community: AnyCommunity, person: User) -> Account | None:
    return Account.objects.filter(
        community=community, kind=AccountKind.MEMBER, person=person
    ).first()


def system_account(community: AnyCommunity, kind: str) -> Account | None:
    return Account.objects.filter(community=community, kind=kind).first()


@dataclass
class Totals:
    given_minutes: int
    received_minutes: int
    balance_minutes: int
    held_minutes: int


def account_totals(account: Account) -> Totals:
    """Minutes given (debits) and received (credits), beside the balance. Reversals count
    against what they reverse, so a reversed exchange adds nothing to either side. Kept on the
    account by the write path (and checked by the audit), so this reads no postings."""
    return Totals(
        given_minutes=account.given_minutes,
        received_minutes=account.received_minutes,
        balance_minutes=account.balance_minutes,
        held_minutes=account.pending_debit_minutes,
    )


def balances_of(person: User) -> dict[int, int]:
    """A person's balance in minutes in each community where they have an account."""
    return dict(
        Account.objects.filter(kind=AccountKind.MEMBER, person=person).values_list(
            "community_id", "balance_minutes"
        )
    )


def accounts_in(community: AnyCommunity, *, kind: str | None = None) -> QuerySet[Account]:
    """A community's accounts (a queryset, for keyset pages), with their holders."""
    qs = Account.objects.filter(community=community).select_related("person")
    return qs.filter(kind=kind) if kind else qs


def given_received(amount: int, reason: str) -> tuple[int, int]:
    """How a posted leg moves an account's (given, received) totals. A reversal takes back what
    it reverses rather than counting as new giving or receiving."""
    if reason == Reason.REVERSAL:
        return (0, amount) if amount < 0 else (-amount, 0)
    return (-amount, 0) if amount < 0 else (0, amount)
