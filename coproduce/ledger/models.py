"""The hours ledger: accounts, transfers and postings in integer minutes.

Transfers and postings are append-only (enforced here, in the admin, by database triggers and
by tests); a correction is a new reversing transfer. Cached balances on accounts change only in
the same database transaction as the postings that move them, under row locks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn, TypeAlias, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from .errors import AppendOnlyError

#: The community a ledger function works in (communities' Community). Domain apps do not import
#: each other's models, not even for type checking (tests/core/test_layering.py), so the ledger
#: cannot name it and mypy takes it as Any.
AnyCommunity: TypeAlias = Any


_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            f"{self.model.__name__} rows are append-only; post a reversing transfer instead."
        )

    def delete(self) -> NoReturn:
        raise AppendOnlyError(
            f"{self.model.__name__} rows are append-only; post a reversing transfer instead."
        )

    def bulk_update(
        self, objs: Iterable[_M], fields: Iterable[str], batch_size: int | None = None
    ) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(
                f"{type(self).__name__} rows are append-only; post a reversing transfer instead."
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            f"{type(self).__name__} rows are append-only; post a reversing transfer instead."
        )


class AccountKind(models.TextChoices):
    MEMBER = "member", "Member"
    ORGANISATION = "organisation", "Organisation"
    FUND = "fund", "Community fund"
    ISSUANCE = "issuance", "Issuance"
    CLEARING = "clearing", "Federation clearing"


class Account(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    name = models.CharField(max_length=150)
    # Cached from postings, changed only under a row lock in the transaction that posts.
    balance_minutes = models.BigIntegerField(default=0)
    # Minutes held by unresolved reservations: debits not yet posted, credits not yet received.
    pending_debit_minutes = models.BigIntegerField(default=0)
    pending_credit_minutes = models.BigIntegerField(default=0)
    # Minutes given (debited) and received (credited), a reversal taking back what it reverses:
    # kept beside the balance so a statement's totals cost nothing however long the history.
    given_minutes = models.BigIntegerField(default=0)
    received_minutes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["community_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "person"],
                condition=Q(kind="member"),
                name="ledger_one_member_account",
            ),
            models.UniqueConstraint(
                fields=["community", "kind"],
                condition=Q(kind__in=["fund", "issuance"]),
                name="ledger_one_fund_and_issuance",
            ),
            models.CheckConstraint(
                condition=Q(kind="member", person__isnull=False) | ~Q(kind="member"),
                name="ledger_member_account_has_person",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Reason(models.TextChoices):
    EXCHANGE = "exchange", "Exchange"
    GROUP_EXCHANGE = "group_exchange", "Group exchange"
    DONATION = "donation", "Donation to the community fund"
    GRANT = "grant", "Grant from the community fund"
    TRANSFER = "transfer", "Direct transfer"
    ISSUANCE = "issuance", "Credits issued"
    ADJUSTMENT = "adjustment", "Adjustment"
    REVERSAL = "reversal", "Reversal"
    CLOSING = "closing", "Account closed"
    RESERVATION = "reservation", "Reservation"
    RESERVATION_POST = "reservation_post", "Reservation posted"
    RESERVATION_VOID = "reservation_void", "Reservation voided"
    RESERVATION_EXPIRE = "reservation_expire", "Reservation expired"
    # Co-production: credits for a session's register (from the agency's account or, by the
    # community's rule, newly issued), spending at a partner's door, and what the community's
    # rule does with the partner's credits afterwards (give them to the fund, or retire them).
    SESSION_CREDIT = "session_credit", "Credits for a co-production session"
    REDEMPTION = "redemption", "Spent at a partner"
    PARTNER_ONWARD = "partner_onward", "Partner's credits passed on"


class TransferStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    PENDING = "pending", "Pending"


class Transfer(AppendOnlyModel):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    # Position in the community's hash chain.
    sequence = models.PositiveBigIntegerField()
    # A client's key (at most 120 characters) with a prefix saying where it came from.
    idempotency_key = models.CharField(max_length=160)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.POSTED
    )
    # A resolution (post, void, expire) points at the reservation it resolves: at most one each.
    resolves = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resolution"
    )
    # A reversal points at the transfer it reverses: at most one each.
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    memo = models.TextField(blank=True)
    related_type = models.CharField(max_length=40, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_at = models.DateTimeField()
    created_at = models.DateTimeField(default=now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["community_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "sequence"], name="ledger_transfer_sequence"
            ),
            models.UniqueConstraint(
                fields=["community", "idempotency_key"], name="ledger_transfer_key"
            ),
        ]
        indexes = [models.Index(fields=["related_type", "related_id"])]

    def __str__(self) -> str:
        return f"Transfer {self.community_id}/{self.sequence} {self.reason}"


class Posting(AppendOnlyModel):
    """One leg of a transfer: + credits the account, - debits it. A pending transfer's legs are
    held, not posted: they change the account's pending totals, not its balance."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount_minutes = models.BigIntegerField()
    pending = models.BooleanField(default=False)
    # The account's balance after this posting, and the limits in force when it was made.
    balance_after_minutes = models.BigIntegerField(null=True, blank=True)
    floor_minutes = models.BigIntegerField(null=True, blank=True)
    ceiling_minutes = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "id"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minutes=0), name="ledger_posting_nonzero")
        ]

    def __str__(self) -> str:
        return f"{self.amount_minutes:+d} min on account {self.account_id}"


class LedgerHead(models.Model):
    """The end of a community's hash chain. Locked last by every transfer, so sequences are
    gap-free and the chain is linear."""

    community = models.OneToOneField(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"Chain head of community {self.community_id} at {self.last_sequence}"
