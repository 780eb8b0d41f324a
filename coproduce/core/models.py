from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One row per state change: who did it, for whom, to what, old -> new.

    `community_id` is a plain key, not a foreign key, so core stays free of domain apps and the
    row can be sharded by community with everything else."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    # The person the change is about, when there is one: a coordinator reads a member's history.
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=80)
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}:{self.subject_id}"


class IdempotencyRecord(models.Model):
    """What a client-keyed write did: the same key and request give back the same outcome,
    success or failure; the same key with a different request is refused."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    scope = models.CharField(max_length=60)
    key = models.CharField(max_length=120)
    request_hash = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} {self.outcome}"
