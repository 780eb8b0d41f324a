"""Exchanges: an arranged piece of help, recorded by either side, confirmed by the other (or
automatically after the community's delay), and only then posted to the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now


class ExchangeStatus(models.TextChoices):
    ARRANGED = "arranged", "Arranged"
    RECORDED = "recorded", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    DISPUTED = "disputed", "Disputed"
    CANCELLED = "cancelled", "Cancelled"


class ExchangeShape(models.TextChoices):
    ONE_TO_ONE = "one_to_one", "One person helped another"
    ONE_TO_MANY = "one_to_many", "One person helped a group"
    MANY_TO_ONE = "many_to_one", "Several people helped one person"


class EntryMethod(models.TextChoices):
    MEMBER = "member", "Recorded by a member"
    BROKERED = "brokered", "Brokered by a coordinator"
    PAPER_SLIP = "paper_slip", "Paper slip entered by a coordinator"


class Exchange(models.Model):
    community = models.ForeignKey("communities.Community", on_delete=models.PROTECT, related_name="+")
    shape = models.CharField(max_length=20, choices=ExchangeShape.choices, default=ExchangeShape.ONE_TO_ONE)
    status = models.CharField(max_length=20, choices=ExchangeStatus.choices, default=ExchangeStatus.ARRANGED)
    method = models.CharField(max_length=20, choices=EntryMethod.choices, default=EntryMethod.MEMBER)
    title = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=80, blank=True)
    note = models.TextField(blank=True)
    # What it came from (a listing, once listings exist).
    listing_id = models.BigIntegerField(null=True, blank=True)
    # Minutes each provider gave. A group's recipients share the cost by the community's rule.
    minutes = models.PositiveIntegerField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    payer = models.CharField(max_length=10, default="recipients")  # recipients | fund
    slip_number = models.CharField(max_length=40, blank=True)
    arranged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The participant the record was made for (themselves, or the member a coordinator acted for).",
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    auto_confirm_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    transfer = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="exchange"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "slip_number"], condition=~Q(slip_number=""), name="exchange_slip_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "auto_confirm_at"])]

    def __str__(self) -> str:
        return f"Exchange {self.pk} ({self.status})"


class ParticipantRole(models.TextChoices):
    PROVIDER = "provider", "Gave help"
    RECIPIENT = "recipient", "Received help"


class Participant(models.Model):
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=ParticipantRole.choices)

    class Meta:
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint(fields=["exchange", "person"], name="exchange_participant_once")]

    def __str__(self) -> str:
        return f"{self.role} {self.person_id}"


class Expense(models.Model):
    """Materials or expenses noted beside the hours (bus fare, seeds). Never converted to hours."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="expenses")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    currency = models.CharField(max_length=3, default="GBP")
    note = models.CharField(max_length=200)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}: {self.note}"
