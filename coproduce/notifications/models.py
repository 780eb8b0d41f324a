"""What the site tells a person: a row in their notification centre, and (by their preference)
an email sent by a background job; and the weekly digest of new listings that fit them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now


class EmailMode(models.TextChoices):
    EACH = "each", "Email me each one as it happens"
    DIGEST = "digest", "Only the weekly digest"
    NONE = "none", "No emails; I will look on the site"


class Notification(models.Model):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)  # message, exchange_recorded, listing_expiring, ...
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)  # a path on this site
    created_at = models.DateTimeField(default=now)
    read_at = models.DateTimeField(null=True, blank=True)
    # "" until the email job has looked at it; then "sent", "skipped" (preference, no address) or
    # "failed".
    email_state = models.CharField(max_length=10, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["person", "-created_at", "-id"], name="notification_person_recent"
            ),
            models.Index(fields=["person", "read_at"], name="notification_unread"),
            models.Index(fields=["email_state", "created_at"], name="notification_email_queue"),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} for {self.person_id}"


class Preference(models.Model):
    """A person's choices about email. Without a row the defaults apply (each by email, digest
    on)."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    email_mode = models.CharField(max_length=10, choices=EmailMode.choices, default=EmailMode.EACH)
    weekly_digest = models.BooleanField(default=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"Preferences of {self.person_id}"
