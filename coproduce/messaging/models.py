"""Conversations between two members of a community, relayed through the site so neither sees
the other's contact details; blocks between people; reports of messages to coordinators.

Bodies are stored as written (plain text) and escaped wherever they are shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now

from coproduce.core import limits

MAX_BODY = limits.MESSAGE
MAX_REASON = limits.REPORT


class Conversation(models.Model):
    """Exactly two people: the one who started it and the one they wrote to."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    starter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    listing = models.ForeignKey(
        "exchanges.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exchange = models.ForeignKey(
        "exchanges.Exchange", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    last_message_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(
                fields=["community", "starter", "-last_message_at"], name="conversation_starter_idx"
            ),
            models.Index(
                fields=["community", "recipient", "-last_message_at"],
                name="conversation_recipient_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(starter=F("recipient")), name="conversation_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"

    def other_than(self, person_id: int | None):
        return self.recipient if person_id == self.starter_id else self.starter

    def has(self, person_id: int | None) -> bool:
        return person_id is not None and person_id in (self.starter_id, self.recipient_id)


class PassOn(models.TextChoices):
    """Whether a person has to carry the message to its reader: members who are offline (no
    email, or they asked for phone or post) hear their messages from a coordinator."""

    NOT_NEEDED = "", "Not needed"
    WAITING = "waiting", "Waiting for a coordinator"
    DONE = "done", "Passed on"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The coordinator who wrote it for the sender (acting on their behalf), if any.
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(max_length=MAX_BODY)
    created_at = models.DateTimeField(default=now)
    pass_on = models.CharField(
        max_length=10, choices=PassOn.choices, default=PassOn.NOT_NEEDED, blank=True
    )
    passed_on_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    passed_on_at = models.DateTimeField(null=True, blank=True)
    passed_on_how = models.CharField(max_length=200, blank=True)  # "by phone", "letter posted"

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["pass_on", "created_at"], name="message_pass_on")]

    def __str__(self) -> str:
        return f"Message {self.pk}"


class Block(models.Model):
    """The blocker receives no messages from the blocked person and sends none to them."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Report(models.Model):
    """A message reported to the community's coordinators, who may then read its conversation."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reports")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(max_length=MAX_REASON)
    created_at = models.DateTimeField(default=now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Report {self.pk}"


class Introduction(models.Model):
    """A coordinator putting two members in touch: one message to both, in a conversation
    between them, counted for the coordinator's figures."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    listing = models.ForeignKey(
        "exchanges.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="introductions"
    )
    note = models.TextField(max_length=MAX_BODY)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"], name="introduction_recent")]
        constraints = [
            models.CheckConstraint(condition=~Q(first=F("second")), name="introduction_two_people"),
        ]

    def __str__(self) -> str:
        return f"Introduction {self.pk}"
