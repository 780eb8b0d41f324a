"""Governance: proposals from draft to decision, their versions, co-signatures and threads, and
the ballots cast on them. The counting is `selectors/counting.py`; the rules that shape it (who
may propose, co-signers, dates, method, quorum, threshold, secret or open) are the community's
rulebook, copied onto each proposal when it is drafted so that a later rule change does not
change a vote already under way."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now


class ProposalKind(models.TextChoices):
    RULE_CHANGE = "rule_change", "A change to the rules"
    FUND = "fund", "Spending from the community fund"
    ASK = "ask", "An ask to a public service"
    GENERAL = "general", "Anything else"


class ProposalStage(models.TextChoices):
    DRAFT = "draft", "Draft: looking for co-signers"
    DELIBERATION = "deliberation", "Under discussion"
    VOTING = "voting", "Voting"
    ADOPTED = "adopted", "Adopted"
    REJECTED = "rejected", "Not adopted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Method(models.TextChoices):
    MAJORITY = "majority", "Simple majority"
    SUPERMAJORITY = "supermajority", "Supermajority"
    APPROVAL = "approval", "Approval (several options)"
    CONSENT = "consent", "Consent (passes unless a reasoned objection stands)"
    RANKED = "ranked", "Ranked choice (instant run-off)"


class Proposal(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField()  # P-1, P-2, ... within the community
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ProposalKind.choices)
    stage = models.CharField(
        max_length=20, choices=ProposalStage.choices, default=ProposalStage.DRAFT
    )
    # The rules in force when it was drafted (rulebook version and the values that shape the vote)
    method = models.CharField(max_length=20, choices=Method.choices)
    secret = models.BooleanField()
    quorum_percent = models.PositiveSmallIntegerField()
    threshold_percent = models.PositiveSmallIntegerField(null=True, blank=True)  # supermajority
    cosigners_needed = models.PositiveSmallIntegerField()
    deliberation_days = models.PositiveSmallIntegerField()
    voting_days = models.PositiveSmallIntegerField()
    rulebook_number = models.PositiveIntegerField()
    # Options for approval and ranked votes, in ballot-paper order (the tie rule reads it)
    options = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=now)
    deliberation_at = models.DateTimeField(null=True, blank=True)
    voting_opens_at = models.DateTimeField(null=True, blank=True)
    voting_closes_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    electorate = models.PositiveIntegerField(null=True, blank=True)  # active members at close
    result = models.JSONField(null=True, blank=True)  # the count, as shown
    rulebook_version = models.ForeignKey(
        "communities.RulebookVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # the version an adopted rule change wrote

    class Meta:
        ordering = ["community_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="proposal_number_unique"),
            models.CheckConstraint(
                condition=Q(voting_closes_at__isnull=True)
                | Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="proposal_voting_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"P-{self.number}"

    @property
    def code(self) -> str:
        return f"P-{self.number}"


class ProposalVersion(models.Model):
    """The proposal's text as it stood: the first draft, then each accepted amendment. Never
    edited: the latest is the one voted on."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=150)
    body = models.TextField()
    rule_changes = models.JSONField(default=dict, blank=True)  # rule key -> new value
    amendment = models.OneToOneField(
        "Comment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the amendment this version accepted
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["proposal_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="proposal_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} v{self.number}"


class CoSignature(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="cosignatures")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "person"], name="cosignature_unique"),
        ]

    def __str__(self) -> str:
        return f"co-signature {self.pk}"


class Comment(models.Model):
    """A comment in a proposal's thread, or a suggested amendment (new title, text and rule
    values) that the author may accept as a new version."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    body = models.TextField()
    is_amendment = models.BooleanField(default=False)
    amended_title = models.CharField(max_length=150, blank=True)
    amended_body = models.TextField(blank=True)
    amended_rule_changes = models.JSONField(default=dict, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["proposal_id", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class Participation(models.Model):
    """That a person voted (for a secret ballot, the only link between a person and a vote:
    never how). `recorded_by` is the coordinator who recorded the vote of an offline member at
    their request."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_at = models.DateTimeField(default=now)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "person"], name="participation_unique"),
        ]

    def __str__(self) -> str:
        return f"participation {self.pk}"


class Ballot(models.Model):
    """How someone voted: `choice` is "yes"/"no"/"abstain", "consent"/"object" (with
    `reason`), or a list of options (approval, ranked). `voter` is set for an open ballot and
    empty for a secret one, whose only handle is `receipt_hash` (the voter keeps the code). A
    secret ballot has a random id and no time, so nothing orders it beside the participations."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.JSONField()
    reason = models.TextField(blank=True)  # an objection's reason (consent)
    withdrawn = models.BooleanField(default=False)  # an objection withdrawn before close
    receipt_hash = models.CharField(max_length=64, unique=True)
    cast_at = models.DateTimeField(null=True, blank=True)  # open ballots only

    class Meta:
        ordering = ["proposal_id", "receipt_hash"]  # never by time: that could name a voter
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "voter"],
                condition=Q(voter__isnull=False),
                name="ballot_open_one_per_voter",
            ),
        ]

    def __str__(self) -> str:
        return f"ballot {self.receipt_hash[:8]}"


# --- sanctions ---
# Graduated sanctions (Ostrom's fifth principle): reminder → warning → suspension → exclusion,
# each with the rule broken, the reason and who decided; an appeal within the rulebook's window
# goes to a panel of the community's coordinators and stewards that leaves out whoever decided.


class SanctionStep(models.TextChoices):
    # In order, lightest first: SANCTION_ORDER reads the order.
    REMINDER = "reminder", "Reminder"
    WARNING = "warning", "Warning"
    SUSPENSION = "suspension", "Suspension"
    EXCLUSION = "exclusion", "Exclusion"


SANCTION_ORDER = [step.value for step in SanctionStep]


class SanctionStatus(models.TextChoices):
    IN_FORCE = "in_force", "In force"
    ENDED = "ended", "Ended"  # a suspension served, an exclusion carried out
    LIFTED = "lifted", "Lifted by a coordinator"
    OVERTURNED = "overturned", "Overturned on appeal"


class Sanction(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField()  # S-1, S-2, ... within the community
    membership = models.ForeignKey(
        "communities.Membership", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    step = models.CharField(max_length=20, choices=SanctionStep.choices)
    rule_broken = models.CharField(max_length=200)  # limits.LINE
    rule_key = models.CharField(max_length=60, blank=True)  # a rulebook rule, where one fits
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    appeal_until = models.DateTimeField()  # the rulebook's appeal window, fixed when decided
    ends_at = models.DateTimeField(null=True, blank=True)  # a suspension's end
    status = models.CharField(
        max_length=20, choices=SanctionStatus.choices, default=SanctionStatus.IN_FORCE
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["community_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="sanction_number_unique"),
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="sanction_due")]

    def __str__(self) -> str:
        return f"S-{self.number}"

    @property
    def code(self) -> str:
        return f"S-{self.number}"


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"
    CHANGED = "changed", "Changed to a lighter step"


class Appeal(models.Model):
    # One appeal per sanction: a second is refused with a message, and by this constraint.
    sanction = models.OneToOneField(Sanction, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    grounds = models.TextField()
    created_at = models.DateTimeField(default=now)
    outcome = models.CharField(max_length=20, choices=AppealOutcome.choices, blank=True)
    changed_to = models.CharField(max_length=20, choices=SanctionStep.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Appeal of sanction {self.sanction_id}"
