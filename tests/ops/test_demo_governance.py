"""The governance demo (ops/demo/governance.py), built through the real services on the demo:
P-1 the adopted credit floor with its rulebook version from the decision, P-2 the ask answered
with an overdue commitment, P-3 in discussion with amendments, P-4 a ranked vote open, the paid
budget round, the dispute in mediation, the warning under appeal, and Hillside ready for the
issue's story; built once, the ledger's audit clean."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from coproduce.communities.models import Membership, Person
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.coproduction.models import Agency
from coproduce.coproduction.services import agencies as agencies_services
from coproduce.governance.models import (
    AskAnswer,
    BudgetRound,
    BudgetStage,
    Comment,
    Commitment,
    Dispute,
    Participation,
    Proposal,
    Sanction,
)
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ops.demo import exchanges as exchanges_demo
from coproduce.ops.demo.communities import build_demo
from coproduce.ops.demo.governance import build_governance

pytestmark = pytest.mark.django_db


def _health_centre() -> Agency:
    """The agency the ask goes to, as the co-production demo makes it (without its year)."""
    riverside = communities_selectors.community_get("riverside")
    bernie = Person.objects.get(email="coordinator@riverside.example")
    agency = agencies_services.agency_create(
        actor=bernie,
        community=riverside,
        name="Riverside Health Centre",
        kind="gp_practice",
        description="The GP practice on Mill Lane.",
        place="Mill Lane, Millbrook",
    )
    agencies_services.staff_add(
        actor=bernie,
        agency=agency,
        person=Person.objects.get(email="staff@riverside.example"),
        role="admin",
        job_title="Social prescriber",
    )
    return agency


def test_it_builds_riverside_and_hillside_for_local_say(client):
    build_demo()
    exchanges_demo.build_history(exchanges=30)
    _health_centre()
    started = time.monotonic()
    assert build_governance() is True
    print(f"build_governance: {time.monotonic() - started:.1f}s")
    riverside = communities_selectors.community_get("riverside")
    p = {x.number: x for x in Proposal.objects.filter(community=riverside)}

    # P-1: the credit floor, adopted, its rulebook version written from the decision.
    p1 = p[1]
    assert (p1.kind, p1.stage, p1.author.email) == (
        "rule_change",
        "adopted",
        "member@riverside.example",
    )
    assert p1.cosignatures.count() == 2 and p1.result["quorum"]["met"]
    assert p1.rulebook_version.source == "decision"
    assert p1.rulebook_version.values["credit_floor_minutes"] == -1800
    assert communities_selectors.rules_for(riverside)["credit_floor_minutes"] == -1800
    dorothy = Participation.objects.get(proposal=p1, person__username="dorothy.evans")
    assert dorothy.recorded_by.email == "coordinator@riverside.example"
    rules = communities_selectors.rules_for(riverside)
    assert rules["change_hours"] == "decision" and rules["method_general"] == "ranked"
    assert p1.decided_at < timezone.now() - timezone.timedelta(days=30)
    assert p1.outcome and p1.decided_at < p1.outcome_at < timezone.now()

    # P-2: the ask, answered in part with two commitments, one overdue and not done.
    p2 = p[2]
    assert (p2.kind, p2.stage, p2.agency.name) == ("ask", "adopted", "Riverside Health Centre")
    answer = AskAnswer.objects.get(proposal=p2)
    assert (
        answer.answer == "agree_in_part" and answer.answered_by.email == "staff@riverside.example"
    )
    today = timezone.localdate()
    commitments = list(Commitment.objects.filter(proposal=p2).order_by("due_on"))
    assert len(commitments) == 2
    assert commitments[0].due_on < today and commitments[0].done_at is None
    assert commitments[1].due_on > today and commitments[1].notes.exists()

    # P-3 in discussion with two amendments, one accepted.
    p3 = p[3]
    assert p3.stage == "deliberation" and p3.versions.count() == 2
    amendments = Comment.objects.filter(proposal=p3, is_amendment=True)
    assert amendments.count() == 2 and amendments.filter(accepted_at__isnull=False).count() == 1

    # P-4: a ranked vote open now, closing in a few days.
    p4 = p[4]
    now = timezone.now()
    assert (p4.method, p4.stage) == ("ranked", "voting")
    assert p4.voting_opens_at < now < p4.voting_closes_at < now + timezone.timedelta(days=7)
    assert Participation.objects.filter(proposal=p4).count() >= 5

    # The budget round, paid from the fund.
    budget = BudgetRound.objects.get(community=riverside)
    assert budget.stage == BudgetStage.PAID
    assert Transfer.objects.filter(related_type="governance.budgetproject").exists()

    # The dispute in mediation, with the steward as mediator.
    dispute = Dispute.objects.get(community=riverside)
    assert dispute.stage == "mediation" and dispute.mediator.email == "steward@riverside.example"

    # The warning under appeal, undecided.
    warning = Sanction.objects.get(community=riverside, step="warning")
    assert warning.appeal.decided_at is None and warning.appeal.outcome == ""

    # The steward's pages show her work: the appeal's outcome form, the dispute she mediates,
    # the decisions and the rulebook's history by decision.
    client.force_login(Person.objects.get(email="steward@riverside.example"))
    page = client.get(f"/c/riverside/sanctions/{warning.number}/")
    assert page.status_code == 200
    assert f"/c/riverside/sanctions/{warning.number}/outcome/" in page.content.decode()
    assert client.get(f"/c/riverside/disputes/{dispute.number}/").status_code == 200
    transparency = client.get("/c/riverside/transparency/").content.decode()
    assert "P-1" in transparency and "P-2" in transparency
    proposals = client.get("/c/riverside/proposals/").content.decode()
    assert "P-3" in proposals and "P-4" in proposals
    for number in (1, 2, 3, 4):
        assert client.get(f"/c/riverside/proposals/{number}/").status_code == 200

    _hillside_is_ready()
    assert ledger_audit().clean
    assert build_governance() is False


def test_on_the_demo_alone_it_builds_what_it_can_and_leaves_the_rest_to_their_builders():
    """The browser tests build governance right after `build_demo()`: no ask (no agency yet), no
    dispute (no exchanges yet), so the co-production and history builders still run after."""
    build_demo()
    started = time.monotonic()
    assert build_governance() is True
    print(f"build_governance on build_demo alone: {time.monotonic() - started:.1f}s")
    riverside = communities_selectors.community_get("riverside")
    stages = dict(Proposal.objects.filter(community=riverside).values_list("number", "stage"))
    assert stages == {1: "adopted", 2: "deliberation", 3: "voting"}
    assert BudgetRound.objects.get(community=riverside).stage == BudgetStage.PAID
    assert Sanction.objects.filter(community=riverside, step="warning").exists()
    assert not Dispute.objects.exists() and not Agency.objects.exists()
    _hillside_is_ready()
    assert ledger_audit().clean
    assert build_governance() is False


def _hillside_is_ready() -> None:
    hillside = communities_selectors.community_get("hillside")
    rules = communities_selectors.rules_for(hillside)
    assert rules["credit_floor_minutes"] == -1200
    assert rules["proposal_cosigners"] == 2 and rules["method_rule_change"] == "majority"
    assert rules["decision_quorum_percent"] == 20 and rules["ballot_rule_change"] == "secret"
    old_enough = timezone.now() - timezone.timedelta(days=rules["proposal_member_days"])
    members = Membership.objects.filter(community=hillside).select_related("person")
    assert all(m.joined_at < old_enough for m in members)
    emails = {m.person.email for m in members}
    assert {"member@riverside.example", "iris@hillside.example", "kofi@hillside.example"} <= emails
    assert members.filter(person__username="dorothy.evans").exists()
    assert Person.objects.get(email="iris@hillside.example").check_password("riverside-demo")
