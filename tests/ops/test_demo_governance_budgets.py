"""The demo's finished budget round (ops/demo/governance_budgets.py), built through the real
services: counted, its winners paid from the fund, the ledger's audit clean; built once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coproduce.communities.models import Membership
from coproduce.governance.models import BudgetProject, BudgetRound, BudgetStage
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ops.demo.governance_budgets import build_budget_round
from tests.governance.test_budgets import fill_fund
from tests.governance.test_proposals import members


def test_it_builds_a_finished_round_whose_winners_were_paid(community, coordinator):
    members(community, 8)
    # Members of a year: the founding rulebook lets members of 90 days propose.
    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=365)
    )
    fill_fund(community, 40 * 60)
    assert build_budget_round() is True
    budget = BudgetRound.objects.get()
    assert budget.stage == BudgetStage.PAID and budget.voting_closes_at < budget.paid_at
    funded = BudgetProject.objects.filter(funded=True)
    assert funded.exists() and BudgetProject.objects.filter(eligible=False).count() == 1
    assert Transfer.objects.filter(related_type="governance.budgetproject").count() == (
        funded.count()
    )
    assert any("did not fit" in row["why"] for row in budget.result["rows"])
    assert ledger_audit([community.pk]).clean
    assert build_budget_round() is False
