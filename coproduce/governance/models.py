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
    # An ask is addressed to an agency, which answers in public by `answer_due_on` (part 6)
    agency = models.ForeignKey(
        "coproduction.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer_due_on = models.DateField(null=True, blank=True)
    # After adoption: what came of it, and when members are asked whether it worked (part 5)
    outcome = models.TextField(blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    review_asked_at = models.DateTimeField(null=True, blank=True)
    closing_reminded_at = models.DateTimeField(null=True, blank=True)  # "closes tomorrow" sent

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


# --- decisions: commitments, results, reviews and asks' answers (parts 5 and 6) ---


class OwnerKind(models.TextChoices):
    MEMBER = "member", "A member"
    GROUP = "group", "A group"
    COORDINATOR = "coordinator", "A coordinator"
    AGENCY = "agency", "An agency"


class Commitment(models.Model):
    """Something an adopted decision (or an agency's answer to an ask) commits someone to do, by
    a date. `owner_person` for a member or coordinator, `owner_agency` for an agency,
    `owner_name` for a group (or to name the owner as the record shows them)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="commitments")
    what = models.CharField(max_length=300)
    owner_kind = models.CharField(max_length=20, choices=OwnerKind.choices)
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_agency = models.ForeignKey(
        "coproduction.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_name = models.CharField(max_length=150, blank=True)
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["proposal_id", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_kind="agency") & Q(owner_agency__isnull=False))
                | (Q(owner_kind__in=["member", "coordinator"]) & Q(owner_person__isnull=False))
                | (Q(owner_kind="group") & ~Q(owner_name="")),
                name="commitment_has_its_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"commitment {self.pk}"


class CommitmentNote(models.Model):
    """Progress on a commitment, in the owner's or a coordinator's words; `done` marks the note
    that finished it."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["commitment_id", "id"]

    def __str__(self) -> str:
        return f"commitment note {self.pk}"


class AskAnswerKind(models.TextChoices):
    AGREE = "agree", "Agreed"
    AGREE_IN_PART = "agree_in_part", "Agreed in part"
    DECLINE = "decline", "Declined"


class AskAnswer(models.Model):
    """An agency's public answer to an adopted ask: once, with its reasons."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="answer")
    answer = models.CharField(max_length=20, choices=AskAnswerKind.choices)
    reasons = models.TextField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"answer to {self.proposal_id}"


class ReviewVerdict(models.TextChoices):
    YES = "yes", "Yes, it did what it meant to"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class Review(models.Model):
    """A member's answer, at the review date, to whether a decision did what it meant to: one
    each, changeable."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reviews")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=10, choices=ReviewVerdict.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "person"], name="review_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk}"


# --- participatory budgeting ---


class BudgetStage(models.TextChoices):
    PROPOSING = "proposing", "Taking project ideas"
    CHECKING = "checking", "Projects being checked"
    VOTING = "voting", "Voting"
    CLOSED = "closed", "Counted"
    PAID = "paid", "Counted and paid"


class BudgetRound(models.Model):
    """A round of participatory budgeting: hours of the community fund that members decide how
    to spend. Its dates are days in the community's time zone, stored as the instants they
    start and end; `stage` is moved on by the timed job (`budgets_advance`), and the services
    check the dates themselves, so a job running late never lets anyone in early or late."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField()  # B-1, B-2, ... within the community
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    budget_minutes = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposing_opens_at = models.DateTimeField()
    proposing_closes_at = models.DateTimeField()
    voting_opens_at = models.DateTimeField()
    voting_closes_at = models.DateTimeField()
    stage = models.CharField(
        max_length=20, choices=BudgetStage.choices, default=BudgetStage.PROPOSING
    )
    result = models.JSONField(null=True, blank=True)  # the counting, as shown
    created_at = models.DateTimeField(default=now)
    closed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["community_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="budget_number_unique"),
            models.CheckConstraint(condition=Q(budget_minutes__gt=0), name="budget_positive"),
            models.CheckConstraint(
                condition=Q(proposing_closes_at__gt=models.F("proposing_opens_at"))
                & Q(voting_opens_at__gte=models.F("proposing_closes_at"))
                & Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="budget_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"B-{self.number}"

    @property
    def code(self) -> str:
        return f"B-{self.number}"


class BudgetProject(models.Model):
    """A project proposed in a round, with its cost in minutes and the member who receives the
    hours if it is funded. A coordinator checks it (eligible or not, with a reason) before
    voting opens; only eligible projects are on the ballot."""

    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="projects")
    number = models.PositiveIntegerField()  # 1, 2, ... within the round
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=150)
    body = models.TextField()
    cost_minutes = models.PositiveIntegerField()
    eligible = models.BooleanField(null=True, blank=True)  # None: not checked yet
    check_reason = models.TextField(blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    funded = models.BooleanField(null=True, blank=True)  # None: not counted yet
    transfer = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["round_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="budget_project_unique"),
            models.CheckConstraint(condition=Q(cost_minutes__gt=0), name="budget_cost_positive"),
        ]

    def __str__(self) -> str:
        return f"project {self.number} of round {self.round_id}"


class BudgetBallot(models.Model):
    """A member's approval ballot in a round: the numbers of the projects they approve. Open
    (it names its voter); one per voter per round, changed until voting closes."""

    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved = models.JSONField(default=list)  # project numbers, ascending
    cast_at = models.DateTimeField(default=now)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="budget_ballot_one_per_voter"),
        ]

    def __str__(self) -> str:
        return f"budget ballot {self.pk}"


# --- disputes ---


class DisputeSubject(models.TextChoices):
    EXCHANGE = "exchange", "An exchange"
    DECISION = "decision", "A decision"
    SANCTION = "sanction", "A sanction"


class DisputeStage(models.TextChoices):
    OPEN = "open", "Open: waiting for a mediator"
    MEDIATION = "mediation", "In mediation"
    AGREED = "agreed", "Settled by agreement"
    ESCALATED = "escalated", "With a panel of coordinators"
    DECIDED = "decided", "Decided by a panel"


class DisputeOutcome(models.TextChoices):
    """What settling a dispute does to its exchange. For a decision or a sanction, and for an
    exchange nothing needs to change for, `none`. Hours are corrected only by the ledger's own
    moves: posting the recorded hours, or reversing posted ones, the reason naming D-n."""

    NONE = "none", "Nothing changes in the ledger"
    CONFIRM = "confirm", "The exchange is confirmed as recorded: the hours are posted"
    CANCEL = "cancel", "The exchange is cancelled: nothing is posted"
    REVERSE = "reverse", "The posted hours are reversed"


class Dispute(models.Model):
    """A dispute about an exchange, a decision (a proposal) or a sanction, numbered D-1, D-2, ...
    within the community. A mediator (a member with the mediator role, never a party) helps the
    parties to an agreement; failing that, it goes to a panel of the community's coordinators
    not involved, one of whom records the panel's decision with the panel's names. A sanction is
    named by `sanction_ref`, its number in the community (S-n); the member sanctioned and whoever
    decided it are parties."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField()  # D-1, D-2, ... within the community
    subject = models.CharField(max_length=20, choices=DisputeSubject.choices)
    exchange = models.ForeignKey(
        "exchanges.Exchange", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    sanction_ref = models.PositiveIntegerField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField()  # what is wrong, as the opener put it
    stage = models.CharField(max_length=20, choices=DisputeStage.choices, default=DisputeStage.OPEN)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(
        max_length=20, choices=DisputeOutcome.choices, blank=True
    )  # set when agreed or decided
    outcome_text = models.TextField(blank=True)
    escalation_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the mediator who recorded the agreement, or the panel member who recorded the decision
    panel = models.JSONField(default=list, blank=True)  # person ids of the panel, when decided
    created_at = models.DateTimeField(default=now)
    mediator_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["community_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="dispute_number_unique"),
            models.CheckConstraint(
                condition=(
                    Q(subject="exchange", exchange__isnull=False, proposal__isnull=True)
                    | Q(subject="decision", proposal__isnull=False, exchange__isnull=True)
                    | Q(subject="sanction", exchange__isnull=True, proposal__isnull=True)
                ),
                name="dispute_subject_matches",
            ),
            models.UniqueConstraint(
                fields=["exchange"],
                condition=Q(stage__in=["open", "mediation", "escalated"]),
                name="dispute_one_open_per_exchange",
            ),
        ]

    def __str__(self) -> str:
        return f"D-{self.number}"

    @property
    def code(self) -> str:
        return f"D-{self.number}"


class DisputeParty(models.Model):
    """A person the dispute is between: the opener, the other people in the exchange, the
    author of the proposal, the person sanctioned. Parties read and write the notes; none of
    them may mediate or sit on the panel."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dispute", "person"], name="dispute_party_unique"),
        ]

    def __str__(self) -> str:
        return f"party {self.pk}"


class DisputeNote(models.Model):
    """A note in a dispute's private thread: the parties, the mediator and (once escalated)
    the panel read it; nobody else does."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["dispute_id", "id"]

    def __str__(self) -> str:
        return f"note {self.pk}"


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
