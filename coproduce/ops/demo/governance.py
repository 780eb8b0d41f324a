"""Local say for the demo (issue 12), built through the real services.

Riverside:

- the members' spring meeting (recorded as a decision, before votes were held on the platform)
  put the hours rules under the members' decisions (`change_hours`) and chose ranked choice for
  proposals with several options (`method_general`);
- P-1, Maya's rule change (credit floor from -20h to -30h), co-signed, discussed, voted (Dorothy's
  vote recorded by a coordinator at her request) and adopted by the timed job, which wrote the
  rulebook version with `source="decision"`;
- P-2, an ask to Riverside Health Centre, adopted and answered by Priya, agreeing in part with two
  commitments: one overdue and not done, one with a progress note;
- P-3 in discussion with two suggested amendments, one accepted (two versions side by side);
- P-4 a ranked-choice vote, open now, closing in a few days;
- a finished budget round paid from the fund (`governance_budgets`), a dispute in mediation
  with Hilda the steward as mediator (`governance_disputes`), a warning under appeal to a panel
  Hilda sits on (`governance_sanctions`).

Hillside gets what the issue's story needs (a credit floor of -20h, members old enough to propose,
Dorothy as a member, sign-in passwords): the browser story proposes -30h there.

Time: everything is done now, through the services, then the rows' dates are moved back
(`Proposal`, its versions, co-signatures, comments, ballots, the answer, commitments and their
notes, the rulebook versions a meeting or decision wrote), as the other demo modules do for
history, so the decisions read as made weeks ago and a commitment falls overdue. Audit rows keep
the real time. Nothing else is set directly.

Needs only `build_demo()`. The ask is made only when Riverside Health Centre exists (the
co-production demo) and the dispute only when the exchange history exists: the browser tests build
governance right after `build_demo()` and then build those parts themselves, whose builders stop
when they find agencies or exchanges. Built once: a second run finds P-1 and adds nothing."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from coproduce.communities.models import Membership, Person, RulebookVersion
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.core.errors import ApplicationError
from coproduce.exchanges.models import Exchange
from coproduce.exchanges.services import fund as fund_services
from coproduce.governance.models import (
    AskAnswer,
    Ballot,
    Comment,
    Commitment,
    CommitmentNote,
    CoSignature,
    Participation,
    Proposal,
    ProposalVersion,
)
from coproduce.governance.selectors import budgets as budgets_selectors
from coproduce.governance.services import ballots as ballots_services
from coproduce.governance.services import decisions as decisions_services
from coproduce.governance.services import follow_up as follow_up_services
from coproduce.governance.services import proposals as proposals_services
from coproduce.ops.demo.communities import DEMO_PASSWORD
from coproduce.ops.demo.governance_budgets import build_budget_round
from coproduce.ops.demo.governance_disputes import dispute_in_mediation
from coproduce.ops.demo.governance_sanctions import build_sanctions

HOUR = 60
HEALTH_CENTRE = "Riverside Health Centre"
STAFF_EMAIL = "staff@riverside.example"
HILLSIDE_PEOPLE = [  # the Hillside people the story signs in as (all: DEMO_PASSWORD)
    "hal.jenkins@hillside.example",
    "iris@hillside.example",
    "kofi@hillside.example",
    "nell@hillside.example",
    "samir@hillside.example",
]


def _quiet():
    return override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")


def build_governance(slug: str = "riverside") -> bool:
    """Build the governance demo unless the community has proposals. True if it built it."""
    community = communities_selectors.community_get(slug)
    if Proposal.objects.filter(community=community).exists():
        return False
    with _quiet():
        _Governance(community).build()
        _hillside()
    return True


class _Governance:
    def __init__(self, community) -> None:
        self.community = community
        members = directory_selectors.member_directory(community, limit=100_000)
        self.by_email = {m.person.email: m.person for m in members if m.person.email}
        self.coordinator = self.by_email["coordinator@riverside.example"]
        self.tariq = self.by_email["coordinator2@riverside.example"]
        self.gwen = self.by_email["coordinator3@riverside.example"]
        self.maya = self.by_email["member@riverside.example"]
        self.hilda = self.by_email["steward@riverside.example"]
        self.dev = self.by_email["grouplead@riverside.example"]
        self.priya = self.by_email[STAFF_EMAIL]
        self.dorothy = next(m.person for m in members if m.person.username == "dorothy.evans")
        staff = {self.priya.pk}
        # Members who vote for themselves: web members (not staff), in member-number order.
        self.voters = [
            m.person for m in members if not m.person.is_offline and m.person.pk not in staff
        ]

    # helpers --------------------------------------------------------------------------------

    def open_vote(self, proposal: Proposal) -> Proposal:
        """The discussion is over: voting opens (the timed job)."""
        now = timezone.now()
        Proposal.objects.filter(pk=proposal.pk).update(
            voting_opens_at=now - dt.timedelta(minutes=1)
        )
        decisions_services.proposals_advance(now=now)
        return Proposal.objects.get(pk=proposal.pk)

    def vote(self, proposal: Proposal, choices: list) -> None:
        for voter, choice in zip(self.voters, choices, strict=False):
            if voter.pk == self.dorothy.pk:
                continue
            ballots_services.ballot_cast(actor=voter, proposal=proposal, choice=choice)

    def close_vote(self, proposal: Proposal) -> Proposal:
        """Voting time is up: the timed job counts it."""
        now = timezone.now()
        Proposal.objects.filter(pk=proposal.pk).update(voting_closes_at=now)
        decisions_services.proposals_advance(now=now + dt.timedelta(seconds=1))
        # The discussion and the vote took the days the rules gave them.
        voting = dt.timedelta(days=proposal.voting_days)
        talk = dt.timedelta(days=proposal.deliberation_days)
        Proposal.objects.filter(pk=proposal.pk).update(
            created_at=now - voting - talk - dt.timedelta(days=2),
            deliberation_at=now - voting - talk,
            voting_opens_at=now - voting,
        )
        for model in (CoSignature, Comment):
            model.objects.filter(proposal=proposal).update(created_at=now - voting - talk)
        return Proposal.objects.get(pk=proposal.pk)

    def move_back(self, proposal: Proposal, days: int) -> None:
        """Move the proposal's history back `days` days (see the module's docstring)."""
        back = dt.timedelta(days=days)
        Proposal.objects.filter(pk=proposal.pk).update(
            created_at=F("created_at") - back,
            deliberation_at=F("deliberation_at") - back,
            voting_opens_at=F("voting_opens_at") - back,
            voting_closes_at=F("voting_closes_at") - back,
            decided_at=F("decided_at") - back,
            outcome_at=F("outcome_at") - back,
            answer_due_on=F("answer_due_on") - back,
            review_on=F("review_on") - back,
        )
        for model, field in (
            (ProposalVersion, "created_at"),
            (CoSignature, "created_at"),
            (Comment, "created_at"),
            (Comment, "accepted_at"),
            (Participation, "first_at"),
            (Ballot, "cast_at"),
            (AskAnswer, "answered_at"),
            (Commitment, "created_at"),
            (Commitment, "due_on"),
        ):
            model.objects.filter(proposal=proposal).update(**{field: F(field) - back})
        CommitmentNote.objects.filter(commitment__proposal=proposal).update(
            created_at=F("created_at") - back
        )
        if proposal.rulebook_version_id:
            RulebookVersion.objects.filter(pk=proposal.rulebook_version_id).update(
                created_at=F("created_at") - back
            )

    # the build ------------------------------------------------------------------------------

    def build(self) -> None:
        spring = communities_services.rulebook_change(
            actor=self.hilda,
            community=self.community,
            changes={"change_hours": "decision", "method_general": "ranked"},
            reason="Decided at the members' spring meeting: the rules on hours and the ledger "
            "change only by a decision of the members, and proposals with several options are "
            "decided by ranked choice.",
            source="decision",
        )
        RulebookVersion.objects.filter(pk=spring.pk).update(
            created_at=F("created_at") - dt.timedelta(days=75)
        )
        self.credit_floor()
        self.ask()
        self.in_discussion()
        self.ranked_vote()
        self.budget()
        self.dispute()
        build_sanctions(self.community.slug)

    def credit_floor(self) -> None:
        p1 = proposals_services.proposal_draft(
            actor=self.maya,
            community=self.community,
            kind="rule_change",
            title="Let members receive up to 30 hours before they give",
            body="Several newer members, most of them carers, have reached the 20-hour floor "
            "within weeks of joining and had to stop asking for help while they find a way to "
            "give back. Thirty hours gives them a season to settle in.",
            rule_changes={"credit_floor_minutes": -30 * HOUR},
        )
        for cosigner in (self.hilda, self.tariq):
            proposals_services.proposal_cosign(actor=cosigner, proposal=p1)
        proposals_services.proposal_comment(
            actor=self.gwen,
            proposal=Proposal.objects.get(pk=p1.pk),
            body="The fund can carry it: most members who go down to -20h are back above zero "
            "within six months.",
        )
        proposals_services.proposal_comment(
            actor=self.dev,
            proposal=Proposal.objects.get(pk=p1.pk),
            body="Could we look again in a year to see whether anyone got stuck below -20h?",
        )
        p1 = self.open_vote(p1)
        choices = ["yes"] * 15 + ["no"] * 4 + ["abstain"] * 2
        self.vote(p1, choices)
        # Dorothy has no email: she rang Bernie, who recorded her vote for her.
        ballots_services.ballot_cast(
            actor=self.coordinator, proposal=p1, choice="yes", on_behalf_of=self.dorothy
        )
        p1 = self.close_vote(p1)
        follow_up_services.decision_outcome_record(
            actor=self.coordinator,
            proposal=p1,
            outcome="Since the change, five members who had reached -20h have gone on asking for "
            "help; none has gone below -26h, and two are back above zero.",
        )
        self.move_back(p1, 40)
        # The result was written last week, five weeks after the decision.
        Proposal.objects.filter(pk=p1.pk).update(outcome_at=timezone.now() - dt.timedelta(days=5))

    def ask(self) -> None:
        health = agencies_selectors.agencies_of(self.community).filter(name=HEALTH_CENTRE).first()
        if health is None:
            return
        p2 = proposals_services.proposal_draft(
            actor=self.dev,
            community=self.community,
            kind="ask",
            title="Ask the health centre to open its quiet room for peer support on Saturdays",
            body="The peer support group meets on weekday mornings, when many members are at "
            "work. We ask Riverside Health Centre to open the quiet room one Saturday morning a "
            "month and to put the time bank's leaflets in the waiting room.",
            agency=health.pk,
        )
        for cosigner in (self.maya, self.gwen):
            proposals_services.proposal_cosign(actor=cosigner, proposal=p2)
        p2 = self.open_vote(p2)
        self.vote(p2, ["yes"] * 17 + ["no"] * 2 + ["abstain"])
        p2 = self.close_vote(p2)
        decided_on = communities_selectors.local_now(self.community, p2.decided_at).date()
        follow_up_services.ask_answer(
            actor=self.priya,
            proposal=p2,
            answer="agree_in_part",
            reasons="We can put the leaflets out straight away. The quiet room needs a member of "
            "staff on site, so we can open it on the first Saturday of the month only, from the "
            "summer, when the new reception rota starts.",
            commitments=[
                {
                    "what": "Put the time bank's leaflets in the waiting room and on our website.",
                    "due_on": decided_on + dt.timedelta(days=14),
                },
                {
                    "what": "Open the quiet room for peer support on the first Saturday of each "
                    "month, 10am to noon.",
                    "due_on": decided_on + dt.timedelta(days=90),
                },
            ],
        )
        later = Commitment.objects.filter(proposal=p2).order_by("due_on").last()
        assert later is not None
        follow_up_services.commitment_note(
            actor=self.priya,
            commitment=later,
            body="The reception rota is agreed; we are finding a second key-holder for Saturdays.",
        )
        # Answered a week after the decision; the leaflets' date has passed, and they are not out.
        self.move_back(p2, 45)
        AskAnswer.objects.filter(proposal=p2).update(
            answered_at=F("answered_at") + dt.timedelta(days=7)
        )

    def in_discussion(self) -> None:
        p3 = proposals_services.proposal_draft(
            actor=self.dev,
            community=self.community,
            kind="fund",
            title="Pay for a first-aid course from the community fund",
            body="Ten hours from the fund for a qualified member to teach a one-day first-aid "
            "course to twelve members who help at group activities.",
        )
        for cosigner in (self.maya, self.hilda):
            proposals_services.proposal_cosign(actor=cosigner, proposal=p3)
        p3 = Proposal.objects.get(pk=p3.pk)
        accepted = proposals_services.proposal_comment(
            actor=self.hilda,
            proposal=p3,
            body="Members who visit people at home need it most: could they come first?",
            amendment={
                "body": "Ten hours from the fund for a qualified member to teach a one-day "
                "first-aid course to twelve members, places first to those who visit people at "
                "home, then to those who help at group activities.",
            },
        )
        proposals_services.proposal_comment(
            actor=self.gwen,
            proposal=p3,
            body="Two shorter evening sessions would suit members who work.",
            amendment={
                "title": "Pay for two evening first-aid sessions from the community fund",
            },
        )
        proposals_services.amendment_accept(actor=self.dev, comment=accepted)
        self.move_back(p3, 3)

    def ranked_vote(self) -> None:
        p4 = proposals_services.proposal_draft(
            actor=self.gwen,
            community=self.community,
            kind="general",
            title="Where should this summer's time bank get-together be?",
            body="One afternoon in July for members, their families and anyone thinking of "
            "joining. Rank the places you would go to, favourite first.",
            options=["Millbrook Park", "The Docks Community Garden", "Old Town market square"],
        )
        for cosigner in (self.coordinator, self.dev):
            proposals_services.proposal_cosign(actor=cosigner, proposal=p4)
        p4 = self.open_vote(p4)
        garden, park, square = (
            "The Docks Community Garden",
            "Millbrook Park",
            "Old Town market square",
        )
        rankings = [
            [park, garden, square],
            [garden, park],
            [square, garden, park],
            [garden, square, park],
            [park, square],
            [garden, park, square],
            [square, park],
            [park, garden],
            [garden],
        ]
        self.vote(p4, rankings)
        # Discussed for a week, opened three days ago; closes in four.
        now = timezone.now()
        Proposal.objects.filter(pk=p4.pk).update(
            created_at=now - dt.timedelta(days=12),
            deliberation_at=now - dt.timedelta(days=10),
            voting_opens_at=now - dt.timedelta(days=3),
            voting_closes_at=now + dt.timedelta(days=4),
        )
        CoSignature.objects.filter(proposal=p4).update(created_at=now - dt.timedelta(days=10))

    def budget(self) -> None:
        """The budget round; when there is no exchange history to fill the fund, three
        coordinators give it five hours each first."""
        free = budgets_selectors.fund_balance(self.community) - budgets_selectors.fund_promised(
            self.community
        )
        if free < 15 * HOUR:
            for giver in (self.coordinator, self.tariq, self.gwen):
                fund_services.fund_donate(
                    actor=giver,
                    community=self.community,
                    person=giver,
                    minutes=5 * HOUR,
                    idempotency_key=f"demo-fund-{uuid.uuid4()}",
                    note="For the spring projects.",
                )
        build_budget_round(self.community.slug)

    def dispute(self) -> None:
        if not Exchange.objects.filter(community=self.community).exists():
            return
        coordinators = {self.coordinator.pk, self.tariq.pk, self.gwen.pk, self.hilda.pk}
        parties = [p for p in self.voters if p.pk not in coordinators and p.pk != self.maya.pk][
            -6:-4
        ]
        try:
            dispute_in_mediation(
                community=self.community,
                coordinator=self.coordinator,
                provider=parties[0],
                recipient=parties[1],
                mediator=self.hilda,
                on=communities_selectors.local_today(self.community) - dt.timedelta(days=9),
            )
        except ApplicationError:  # pragma: no cover - the demo's members are all active
            return


def _hillside() -> None:
    """Hillside as the issue's story needs it: a -20h floor, members of long standing (from the
    paper register) who can sign in, and Dorothy, who has no email, a member too."""
    hillside = communities_selectors.community_get("hillside")
    rules = communities_selectors.rules_for(hillside)
    hal = Person.objects.get(email=HILLSIDE_PEOPLE[0])
    if rules["credit_floor_minutes"] != -20 * HOUR:
        communities_services.rulebook_change(
            actor=hal,
            community=hillside,
            changes={"credit_floor_minutes": -20 * HOUR},
            reason="Agreed at the first meeting: the same floor as Riverside, 20 hours.",
        )
    dorothy = Person.objects.get(username="dorothy.evans")
    if not Membership.objects.filter(community=hillside, person=dorothy).exists():
        memberships_services.membership_add(actor=hal, community=hillside, person=dorothy)
    now = timezone.now()
    for membership in Membership.objects.filter(community=hillside).select_related("person"):
        # From the paper register: Hillside's members joined a year or more ago.
        Membership.objects.filter(pk=membership.pk).update(
            joined_at=now - dt.timedelta(days=500 - 10 * membership.number)
        )
    for person in Person.objects.filter(email__in=HILLSIDE_PEOPLE):
        person.set_password(DEMO_PASSWORD)
        person.mfa_exempt = person.email == HILLSIDE_PEOPLE[0]  # the coordinator: demo only
        person.save(update_fields=["password", "mfa_exempt"])
