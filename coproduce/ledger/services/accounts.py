"""Accounts: the community's own (fund, issuance), members' (opened on first use, one or many at
once), organisations'; and closing one, never deleting it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from coproduce.core.actors import Actor, User
from coproduce.core.errors import Conflict, PermissionDenied

from ..models import Account, AccountKind, AnyCommunity, Reason, Transfer, TransferStatus
from .postings import Leg, _lock_accounts, _write


def _system_account(community: AnyCommunity, kind: str, name: str) -> Account:
    account = Account.objects.filter(community=community, kind=kind).first()
    if account is None:
        account = Account.objects.create(community=community, kind=kind, name=name)
    return account


def fund_account(community: AnyCommunity) -> Account:
    return _system_account(community, AccountKind.FUND, f"{community.name} community fund")


def issuance_account(community: AnyCommunity) -> Account:
    return _system_account(community, AccountKind.ISSUANCE, f"{community.name} issuance")


def member_account(community: AnyCommunity, person: User) -> Account:
    """The person's account in this community, opened on first use."""
    account = Account.objects.filter(
        community=community, kind=AccountKind.MEMBER, person=person
    ).first()
    if account is None:
        account = Account.objects.create(
            community=community, kind=AccountKind.MEMBER, person=person, name=person.display_name
        )
    return account


def member_accounts(community: AnyCommunity, people: Iterable[User]) -> dict[int, Account]:
    """{person id: account} in this community for many people at once: one query to find them and,
    when some have none yet, one insert and one query to open theirs (what `member_account` does
    for one person, without a query per person)."""
    by_pk = {person.pk: person for person in people}
    found: dict[int, Account] = {
        a.person_id: a
        for a in Account.objects.filter(
            community=community, kind=AccountKind.MEMBER, person_id__in=list(by_pk)
        )
        if a.person_id is not None
    }
    missing = [person for pk, person in by_pk.items() if pk not in found]
    if missing:
        Account.objects.bulk_create(
            [
                Account(
                    community=community,
                    kind=AccountKind.MEMBER,
                    person=person,
                    name=person.display_name,
                )
                for person in missing
            ]
        )
        found.update(
            {
                a.person_id: a
                for a in Account.objects.filter(
                    community=community,
                    kind=AccountKind.MEMBER,
                    person_id__in=[p.pk for p in missing],
                )
                if a.person_id is not None
            }
        )
    return found


def organisation_account_open(*, community: AnyCommunity, name: str) -> Account:
    with transaction.atomic():
        return Account.objects.create(community=community, kind=AccountKind.ORGANISATION, name=name)


# Closing -------------------------------------------------------------------------------------


def account_close(
    *, actor: Actor, community: AnyCommunity, account: Account, reason: str
) -> Transfer | None:
    """Close an account: any balance goes to (or comes from) the community fund in a closing
    transfer, then the account takes no more postings. Never deleted. Raises Conflict (already
    closed, reservations still held), PermissionDenied (system accounts)."""
    if account.kind in (AccountKind.FUND, AccountKind.ISSUANCE):
        raise PermissionDenied("The community's own accounts cannot be closed.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            locked = _lock_accounts(cursor, community, [account.pk])[account.pk]
        if locked.pending_debit_minutes or locked.pending_credit_minutes:
            raise Conflict(
                "Resolve this account's reservations before closing it.", code="reservations_held"
            )
        transfer = None
        if locked.balance_minutes:
            # Time left over is given to the fund; a debt is written off against issuance.
            other = (
                fund_account(community)
                if locked.balance_minutes > 0
                else issuance_account(community)
            )
            transfer = _write(
                community=community,
                key=f"close:{locked.id}",
                reason=Reason.CLOSING,
                status=TransferStatus.POSTED,
                legs=[
                    Leg(locked.id, -locked.balance_minutes),
                    Leg(other.pk, locked.balance_minutes),
                ],
                actor=actor,
                memo=reason,
                effective_at=timezone.now(),
            )
        Account.objects.filter(pk=locked.id).update(closed_at=timezone.now())
        return transfer


def member_account_close(
    *, actor: Actor, community: AnyCommunity, person: User, reason: str
) -> Transfer | None:
    """Close a leaving member's account, if they have an open one (inside the caller's
    transaction). Raises as account_close."""
    account = Account.objects.filter(
        community=community, kind=AccountKind.MEMBER, person=person, closed_at__isnull=True
    ).first()
    if account is None:
        return None
    return account_close(actor=actor, community=community, account=account, reason=reason)
