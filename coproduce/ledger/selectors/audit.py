"""`coproduce audit`: recompute the ledger from its postings and check every rule.

Checks, per community and overall: each transfer's legs sum to zero; posted minutes sum to zero;
every account's stored balance and held minutes equal those recomputed from postings; each
posting's recorded balance-after equals the running sum, and no posting took an account past the
limits in force when it was made; the hash chain is unbroken and gap-free; each reservation is
resolved at most once, and only reservations are resolved; each reversal mirrors its original."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import ngettext

from ..models import Account, LedgerHead, Posting, Reason, Transfer, TransferStatus
from .accounts import given_received
from .chain import GENESIS_HASH, chain_fields, transfer_digest

_Row = TypeVar("_Row")


@dataclass
class AuditReport:
    communities: int = 0
    accounts: int = 0
    transfers: int = 0
    postings: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        counts = ", ".join(
            ngettext(singular, plural, n) % {"n": n}
            for singular, plural, n in (
                ("%(n)d community", "%(n)d communities", self.communities),
                ("%(n)d account", "%(n)d accounts", self.accounts),
                ("%(n)d transfer", "%(n)d transfers", self.transfers),
                ("%(n)d posting", "%(n)d postings", self.postings),
            )
        )
        if self.clean:
            return f"audit: clean: {counts}"
        found = ngettext("%(n)d violation", "%(n)d violations", len(self.violations)) % {
            "n": len(self.violations)
        }
        return f"audit: {found}: {counts}"


def _batched(qs: QuerySet[Any, _Row], size: int = 5000) -> Iterator[_Row]:
    return qs.iterator(chunk_size=size)


def ledger_audit(community_ids: list[int] | None = None) -> AuditReport:
    report = AuditReport()
    transfers = Transfer.objects.all()
    postings = Posting.objects.all()
    accounts = Account.objects.all()
    if community_ids is not None:
        transfers = transfers.filter(community_id__in=community_ids)
        postings = postings.filter(community_id__in=community_ids)
        accounts = accounts.filter(community_id__in=community_ids)
    v = report.violations

    # Every transfer's legs sum to zero.
    for row in (
        postings.values("transfer_id").annotate(total=Sum("amount_minutes")).filter(~Q(total=0))
    ):
        v.append(f"transfer {row['transfer_id']}: legs sum to {row['total']} minutes, not zero")

    # Posted minutes are zero-sum per community and overall.
    overall = 0
    for community_id, total in (
        postings.filter(pending=False)
        .values("community_id")
        .annotate(total=Sum("amount_minutes"))
        .values_list("community_id", "total")
    ):
        overall += total
        if total != 0:
            v.append(f"community {community_id}: posted minutes sum to {total}, not zero")
    if overall != 0:
        v.append(f"all communities: posted minutes sum to {overall}, not zero")

    # Resolutions: only reservations are resolved, each at most once (also a unique constraint).
    resolved = transfers.filter(resolves__isnull=False).select_related("resolves")
    for t in resolved:
        if t.resolves is None or t.resolves.status != TransferStatus.PENDING:
            v.append(
                f"transfer {t.pk}: resolves transfer {t.resolves_id}, which is not a reservation"
            )
        if t.reason not in (
            Reason.RESERVATION_POST,
            Reason.RESERVATION_VOID,
            Reason.RESERVATION_EXPIRE,
        ):
            v.append(f"transfer {t.pk}: resolves a reservation with reason {t.reason}")
    for resolves_id, n in (
        transfers.filter(resolves__isnull=False)
        .values("resolves_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("resolves_id", "n")
    ):
        v.append(f"reservation {resolves_id}: resolved {n} times")
    unresolved = set(
        transfers.filter(status=TransferStatus.PENDING, resolution__isnull=True).values_list(
            "pk", flat=True
        )
    )

    # Reversals mirror their originals.
    originals: dict[int, dict[int, int]] = defaultdict(dict)
    reversal_of: dict[int, int] = dict(
        transfers.filter(reverses__isnull=False).values_list("pk", "reverses_id")
    )
    ids = set(reversal_of) | set(reversal_of.values())
    if ids:
        for p in Posting.objects.filter(transfer_id__in=ids).values(
            "transfer_id", "account_id", "amount_minutes"
        ):
            originals[p["transfer_id"]][p["account_id"]] = p["amount_minutes"]
        for rev, orig in reversal_of.items():
            if {a: -m for a, m in originals[orig].items()} != originals[rev]:
                v.append(f"transfer {rev}: does not mirror the transfer {orig} it reverses")

    # Balances, held minutes, balance-after and limits, account by account.
    running: dict[int, int] = defaultdict(int)
    given: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    held_debit: dict[int, int] = defaultdict(int)
    held_credit: dict[int, int] = defaultdict(int)
    rows = postings.order_by("account_id", "id").values_list(
        "id",
        "account_id",
        "transfer_id",
        "amount_minutes",
        "pending",
        "balance_after_minutes",
        "floor_minutes",
        "ceiling_minutes",
        "transfer__reason",
    )
    for pid, account_id, transfer_id, amount, pending, after, floor, ceiling, reason in _batched(
        rows
    ):
        report.postings += 1
        if pending:
            if transfer_id in unresolved:
                if amount < 0:
                    held_debit[account_id] += -amount
                else:
                    held_credit[account_id] += amount
            continue
        running[account_id] += amount
        given_by, received_by = given_received(amount, reason)
        given[account_id] += given_by
        received[account_id] += received_by
        balance = running[account_id]
        if after != balance:
            v.append(
                f"posting {pid}: records balance {after} but postings sum to {balance} (account "
                f"{account_id})"
            )
        if amount < 0 and floor is not None and balance < floor:
            v.append(
                f"posting {pid}: took account {account_id} to {balance}, below its floor {floor}"
            )
        if amount > 0 and ceiling is not None and balance > ceiling:
            v.append(
                f"posting {pid}: took account {account_id} to {balance}, above its ceiling "
                f"{ceiling}"
            )
    total_balance = 0
    for account in _batched(accounts.order_by("pk")):
        report.accounts += 1
        total_balance += account.balance_minutes
        if account.balance_minutes != running[account.pk]:
            v.append(
                f"account {account.pk} ({account.name}): stored balance {account.balance_minutes} "
                f"but postings sum to {running[account.pk]}"
            )
        if (account.given_minutes, account.received_minutes) != (
            given[account.pk],
            received[account.pk],
        ):
            v.append(
                f"account {account.pk} ({account.name}): stored given/received "
                f"{account.given_minutes}/{account.received_minutes} but postings give "
                f"{given[account.pk]}/{received[account.pk]}"
            )
        if (
            account.pending_debit_minutes != held_debit[account.pk]
            or account.pending_credit_minutes != held_credit[account.pk]
        ):
            v.append(
                f"account {account.pk} ({account.name}): stored holds "
                f"{account.pending_debit_minutes}/{account.pending_credit_minutes} but "
                f"reservations hold {held_debit[account.pk]}/{held_credit[account.pk]}"
            )
    if total_balance != 0:
        v.append(f"stored balances sum to {total_balance}, not zero")

    # The hash chain, community by community, in sequence order.
    legs: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    community_of_chain: dict[int, tuple[int, str]] = {}
    chain = transfers.order_by("community_id", "sequence")
    current_community = None
    batch: list[Transfer] = []

    def check_batch(batch: list[Transfer]) -> None:
        if not batch:
            return
        legs.clear()
        for t_id, account_id, amount, pending in Posting.objects.filter(
            transfer_id__in=[t.pk for t in batch]
        ).values_list("transfer_id", "account_id", "amount_minutes", "pending"):
            legs[t_id].append((account_id, amount, pending))
        for t in batch:
            expected_seq, prev = community_of_chain.get(t.community_id, (0, GENESIS_HASH))
            if t.sequence != expected_seq + 1:
                v.append(
                    f"community {t.community_id}: sequence jumps from {expected_seq} to "
                    f"{t.sequence}"
                )
            if t.prev_hash != prev:
                v.append(
                    f"transfer {t.pk} (community {t.community_id} #{t.sequence}): chain broken "
                    "before it"
                )
            if transfer_digest(t.prev_hash, chain_fields(t), legs[t.pk]) != t.hash:
                v.append(
                    f"transfer {t.pk} (community {t.community_id} #{t.sequence}): contents do not "
                    "match its hash"
                )
            community_of_chain[t.community_id] = (t.sequence, t.hash)

    for t in _batched(chain):
        report.transfers += 1
        if t.community_id != current_community:
            current_community = t.community_id
        batch.append(t)
        if len(batch) >= 2000:
            check_batch(batch)
            batch = []
    check_batch(batch)
    heads = LedgerHead.objects.all()
    if community_ids is not None:
        heads = heads.filter(community_id__in=community_ids)
    for head in heads:
        seq, last = community_of_chain.get(head.community_id, (0, GENESIS_HASH))
        if (head.last_sequence, head.last_hash) != (seq, last):
            v.append(f"community {head.community_id}: chain head does not match its last transfer")

    if community_ids is None:
        report.communities = len(
            {*community_of_chain, *accounts.values_list("community_id", flat=True)}
        )
    else:
        report.communities = len(community_ids)
    return report
