"""Participatory budgeting (governance/services/budgets.py): a round within what the fund holds,
projects proposed while proposing is open, checked by coordinators, approved by members, counted
by the greedy rule and paid from the fund in one transaction, each project its own transfer with
a key derived from it, so paying again pays nothing twice. Bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.communities.models import Membership
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.governance.models import BudgetBallot, BudgetProject, BudgetRound, BudgetStage
from coproduce.governance.selectors import budget_counting
from coproduce.governance.selectors import budgets as budgets_selectors
from coproduce.governance.services import budgets as budgets_services
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.notifications.models import Notification
from tests.governance.test_proposals import members

HOUR = 60


def fill_fund(community, minutes: int) -> None:
    """Hours for the fund, issued (as a community's donations would bring them)."""
    transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key=f"fund-{uuid.uuid4()}",
        legs=[
            postings_services.Leg(accounts_services.issuance_account(community).pk, -minutes),
            postings_services.Leg(accounts_services.fund_account(community).pk, minutes),
        ],
    )


@pytest.fixture
def budgeted(community):
    """Members of 60 days may propose (the rulebook asks 30); the fund holds 20 hours."""
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 30},
        reason="Budgets for the tests",
    )
    seasoned(community)
    fill_fund(community, 20 * HOUR)


def seasoned(community):
    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=60)
    )


def days(community):
    today = communities_selectors.local_today(community)
    return {
        "proposing_opens": today,
        "proposing_closes": today + dt.timedelta(days=6),
        "voting_opens": today + dt.timedelta(days=8),
        "voting_closes": today + dt.timedelta(days=14),
    }


def open_round(community, coordinator, budget=10 * HOUR, **kw):
    kw = {**days(community), **kw}
    kw.setdefault("title", "Spring projects")
    kw.setdefault("description", "Ten hours for the street.")
    return budgets_services.round_create(
        actor=coordinator, community=community, budget_minutes=budget, **kw
    )


def propose(budget, who, cost, title="A project", **kw):
    return budgets_services.project_propose(
        actor=who, budget=budget, title=title, body="Why it helps.", cost_minutes=cost, **kw
    )


def start_voting(budget):
    """Proposing and checking over: the job opens the vote (the dates moved, as days pass)."""
    now = timezone.now()
    BudgetRound.objects.filter(pk=budget.pk).update(
        proposing_opens_at=now - dt.timedelta(days=3),
        proposing_closes_at=now - dt.timedelta(days=2),
        voting_opens_at=now - dt.timedelta(hours=1),
        voting_closes_at=now + dt.timedelta(hours=1),
    )
    result = budgets_services.budgets_advance(now=now)
    budget.refresh_from_db()
    return result


def end_voting(budget):
    now = timezone.now()
    BudgetRound.objects.filter(pk=budget.pk).update(voting_closes_at=now - dt.timedelta(seconds=1))
    result = budgets_services.budgets_advance(now=now)
    budget.refresh_from_db()
    return result


def vote(budget, who, *numbers, key=None):
    return budgets_services.budget_ballot_cast(
        actor=who, budget=budget, approve=list(numbers), idempotency_key=key
    )


def fund_held(community) -> int:
    return budgets_selectors.fund_balance(community)


def test_the_whole_story_of_a_round(community, member, coordinator, budgeted):
    voters = members(community, 4)
    seasoned(community)
    budget = open_round(community, coordinator)
    assert budget.code == "B-1" and budget.stage == BudgetStage.PROPOSING
    zone = communities_selectors.community_zone(community)
    assert budget.proposing_opens_at.astimezone(zone).time() == dt.time.min
    bench = propose(budget, member, 4 * HOUR, "Benches")
    garden = propose(budget, voters[0], 5 * HOUR, "Garden", recipient=member)
    mural = propose(budget, voters[1], 3 * HOUR, "Mural")
    repair = propose(budget, voters[2], 2 * HOUR, "Repair café")
    for project in (bench, garden, mural):
        budgets_services.project_check(actor=coordinator, project=project, eligible=True)
    budgets_services.project_check(
        actor=coordinator, project=repair, eligible=False, reason="Already funded by the council."
    )
    assert start_voting(budget) == {"opened": 1, "closed": 0}
    assert budget.stage == BudgetStage.VOTING
    assert Notification.objects.filter(kind="budget_voting").count() == 6  # every member

    vote(budget, member, 1, 2)
    vote(budget, voters[0], 2, 3)
    vote(budget, voters[1], 2)
    vote(budget, voters[2], 1, 3)
    _ballot, changed = vote(budget, voters[2], 1)  # changed before close
    assert changed and BudgetBallot.objects.filter(round=budget).count() == 4

    assert end_voting(budget) == {"opened": 0, "closed": 1}
    assert budget.stage == BudgetStage.CLOSED
    # Garden 3 approvals (5 h), Benches 2 (4 h), Mural 1 (3 h): 10 h: Garden and Benches fit (9 h),
    # Mural does not (1 h left).
    rows = budget.result["rows"]
    assert [(r["number"], r["approvals"], r["funded"]) for r in rows] == [
        (2, 3, True),
        (1, 2, True),
        (3, 1, False),
    ]
    assert rows[2]["why"] == "did not fit: 1 h left"
    assert budget.result["funded"] == [2, 1]
    assert set(BudgetProject.objects.filter(funded=True).values_list("number", flat=True)) == {
        1,
        2,
    }
    assert Notification.objects.filter(kind="budget_results").count() == 6

    before = fund_held(community)
    budgets_services.budget_pay(actor=coordinator, budget=budget)
    budget.refresh_from_db()
    assert budget.stage == BudgetStage.PAID
    assert fund_held(community) == before - 9 * HOUR
    grants = Transfer.objects.filter(related_type="governance.budgetproject")
    assert grants.count() == 2
    assert {t.memo for t in grants} == {
        "Budget round B-1: Garden",
        "Budget round B-1: Benches",
    }
    # Both to Mo: the garden's recipient and the benches' proposer.
    assert accounts_services.member_account(community, member).balance_minutes == 9 * HOUR
    assert ledger_audit([community.pk]).clean

    # Paying again changes nothing: no second transfer.
    budgets_services.budget_pay(actor=coordinator, budget=budget)
    assert grants.count() == 2 and fund_held(community) == before - 9 * HOUR
    assert AuditEvent.objects.filter(action="budget.paid").count() == 1
    assert {
        "budget.create",
        "budget.project",
        "budget.check",
        "budget.stage",
        "budget.vote",
        "budget.vote_changed",
        "budget.counted",
        "budget.paid",
    } <= set(AuditEvent.objects.values_list("action", flat=True))


def test_a_round_cannot_promise_more_than_the_fund_holds(community, coordinator, budgeted):
    with pytest.raises(ValidationFailed) as raised:
        open_round(community, coordinator, budget=21 * HOUR)
    assert "budget_minutes" in raised.value.fields
    open_round(community, coordinator, budget=15 * HOUR)
    with pytest.raises(ValidationFailed) as raised:  # 15 of 20 hours promised already
        open_round(community, coordinator, budget=6 * HOUR)
    assert "5 h" in raised.value.message
    assert BudgetRound.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget_minutes": 0}, "budget_minutes"),
        ({"budget_minutes": -60}, "budget_minutes"),
        ({"budget_minutes": 90.5}, "budget_minutes"),
        ({"title": "  "}, "title"),
        ({"proposing_opens": dt.date(2020, 1, 1)}, "proposing_opens"),
        ({"voting_opens": "soon"}, "voting_opens"),
        ({"voting_closes": None}, "voting_closes"),
    ],
)
def test_a_bad_round_is_refused_naming_the_field(community, coordinator, budgeted, change, field):
    kw = {"budget": change.pop("budget_minutes")} if "budget_minutes" in change else {}
    with pytest.raises(ValidationFailed) as raised:
        open_round(community, coordinator, **kw, **change)
    assert field in raised.value.fields
    assert not BudgetRound.objects.exists()


def test_dates_out_of_order_are_refused(community, coordinator, budgeted):
    d = days(community)
    with pytest.raises(ValidationFailed) as raised:
        open_round(community, coordinator, voting_opens=d["proposing_closes"])
    assert "voting_opens" in raised.value.fields
    with pytest.raises(ValidationFailed) as raised:
        open_round(community, coordinator, proposing_closes=d["proposing_opens"] - dt.timedelta(1))
    assert "proposing_closes" in raised.value.fields


def test_only_coordinators_open_a_round(community, member, other_member, budgeted):
    with pytest.raises(PermissionDenied):
        open_round(community, member)
    with pytest.raises(NotFound):
        open_round(community, other_member)


@pytest.mark.parametrize("cost", [0, -30, 1.5, "60", True, 10 * HOUR + 1])
def test_a_bad_cost_is_refused_naming_the_field(community, member, coordinator, budgeted, cost):
    budget = open_round(community, coordinator)
    with pytest.raises(ValidationFailed) as raised:
        propose(budget, member, cost)
    assert "cost_minutes" in raised.value.fields
    assert not BudgetProject.objects.exists()


def test_proposing_only_while_it_is_open(community, member, coordinator, budgeted):
    budget = open_round(community, coordinator)
    start_voting(budget)
    with pytest.raises(Conflict) as raised:
        propose(budget, member, HOUR)
    assert raised.value.code == "proposing_closed"
    later = open_round(
        community,
        coordinator,
        budget=HOUR,
        proposing_opens=days(community)["proposing_opens"] + dt.timedelta(days=1),
    )
    with pytest.raises(Conflict):
        propose(later, member, HOUR)
    assert not BudgetProject.objects.exists()


def test_who_may_propose_is_the_rulebook_s(community, member, coordinator, other_member, budgeted):
    budget = open_round(community, coordinator)
    Membership.objects.filter(person=member).update(joined_at=timezone.now())
    with pytest.raises(PermissionDenied) as raised:
        propose(budget, member, HOUR)
    assert raised.value.code == "too_new_to_propose"
    with pytest.raises(NotFound):
        propose(budget, other_member, HOUR)
    with pytest.raises(ValidationFailed) as raised:
        propose(budget, coordinator, HOUR, recipient=other_member)
    assert "recipient" in raised.value.fields


def test_checks_need_a_coordinator_a_reason_to_refuse_and_end_when_voting_opens(
    community, member, coordinator, budgeted
):
    budget = open_round(community, coordinator)
    project = propose(budget, member, HOUR)
    with pytest.raises(PermissionDenied):
        budgets_services.project_check(actor=member, project=project, eligible=True)
    with pytest.raises(ValidationFailed) as raised:
        budgets_services.project_check(actor=coordinator, project=project, eligible=False)
    assert "reason" in raised.value.fields
    with pytest.raises(ValidationFailed) as raised:
        budgets_services.project_check(actor=coordinator, project=project, eligible="yes")
    assert "eligible" in raised.value.fields
    project.refresh_from_db()
    assert project.eligible is None
    start_voting(budget)
    with pytest.raises(Conflict) as raised:
        budgets_services.project_check(actor=coordinator, project=project, eligible=True)
    assert raised.value.code == "checks_closed"


def test_bad_ballots_change_nothing(
    community, member, coordinator, other_member, operator, budgeted
):
    budget = open_round(community, coordinator)
    good = propose(budget, member, HOUR, "Good")
    bad = propose(budget, member, HOUR, "Bad")
    unchecked = propose(budget, member, HOUR, "Unchecked")
    budgets_services.project_check(actor=coordinator, project=good, eligible=True)
    budgets_services.project_check(actor=coordinator, project=bad, eligible=False, reason="No.")
    with pytest.raises(Conflict) as raised:  # before voting opens
        vote(budget, member, good.number)
    assert raised.value.code == "voting_not_open"
    start_voting(budget)
    for numbers in ([], [bad.number], [unchecked.number], [99], [good.number, good.number]):
        with pytest.raises(ValidationFailed) as raised:
            vote(budget, member, *numbers)
        assert "approve" in raised.value.fields
    with pytest.raises(ValidationFailed):
        budgets_services.budget_ballot_cast(actor=member, budget=budget, approve="1")
    with pytest.raises(NotFound):
        vote(budget, other_member, good.number)
    with pytest.raises(PermissionDenied):
        vote(budget, operator, good.number)
    assert not BudgetBallot.objects.exists()
    end_voting(budget)
    with pytest.raises(Conflict):  # after it closes
        vote(budget, member, good.number)
    assert not BudgetBallot.objects.exists()


def test_a_ballot_retried_with_its_key_is_the_same_ballot(community, member, coordinator, budgeted):
    budget = open_round(community, coordinator)
    project = propose(budget, member, HOUR)
    budgets_services.project_check(actor=coordinator, project=project, eligible=True)
    start_voting(budget)
    first = vote(budget, member, 1, key="k1")
    again = vote(budget, member, 1, key="k1")
    assert first[0].pk == again[0].pk and again[1] is False
    assert AuditEvent.objects.filter(action__startswith="budget.vote").count() == 1
    with pytest.raises(Conflict):
        vote(budget, member, key="k1")  # the same key for another ballot


def test_if_the_ledger_refuses_one_grant_nothing_is_paid(community, member, coordinator, budgeted):
    voter = members(community, 1)[0]
    seasoned(community)
    budget = open_round(community, coordinator)
    for who in (member, voter):
        project = propose(budget, who, 2 * HOUR, f"By {who.full_name}")
        budgets_services.project_check(actor=coordinator, project=project, eligible=True)
    start_voting(budget)
    vote(budget, member, 1, 2)
    end_voting(budget)
    # The second winner's account is closed before payment: the ledger refuses that grant.
    account = accounts_services.member_account(community, voter)
    accounts_services.account_close(
        actor=coordinator, community=community, account=account, reason="Moved away"
    )
    before = fund_held(community)
    with pytest.raises(Conflict):
        budgets_services.budget_pay(actor=coordinator, budget=budget)
    budget.refresh_from_db()
    assert budget.stage == BudgetStage.CLOSED
    assert fund_held(community) == before
    assert not Transfer.objects.filter(related_type="governance.budgetproject").exists()
    assert not BudgetProject.objects.filter(transfer__isnull=False).exists()


def test_a_fund_emptied_since_the_count_pays_nothing(community, member, coordinator, budgeted):
    budget = open_round(community, coordinator, budget=20 * HOUR)
    project = propose(budget, member, 20 * HOUR)
    budgets_services.project_check(actor=coordinator, project=project, eligible=True)
    start_voting(budget)
    vote(budget, member, 1)
    end_voting(budget)
    from coproduce.exchanges.services import fund as fund_services

    fund_services.fund_grant(
        actor=coordinator,
        community=community,
        person=member,
        minutes=HOUR,
        reason="An emergency",
        idempotency_key="emergency",
    )
    with pytest.raises(Conflict) as raised:
        budgets_services.budget_pay(actor=coordinator, budget=budget)
    assert raised.value.code == "fund_too_low"
    assert Transfer.objects.filter(related_type="governance.budgetproject").count() == 0


def test_only_a_coordinator_pays_and_only_a_counted_round(community, member, coordinator, budgeted):
    budget = open_round(community, coordinator)
    with pytest.raises(PermissionDenied):
        budgets_services.budget_pay(actor=member, budget=budget)
    with pytest.raises(Conflict) as raised:
        budgets_services.budget_pay(actor=coordinator, budget=budget)
    assert raised.value.code == "not_counted"
    with pytest.raises(Conflict) as raised:
        budgets_services.budget_close(actor=coordinator, budget=budget)
    assert raised.value.code == "voting_not_over"


def test_the_key_of_a_grant_comes_from_the_project(community, member, coordinator, budgeted):
    budget = open_round(community, coordinator)
    project = propose(budget, member, HOUR)
    budgets_services.project_check(actor=coordinator, project=project, eligible=True)
    start_voting(budget)
    vote(budget, member, 1)
    end_voting(budget)
    budgets_services.budget_pay(actor=coordinator, budget=budget)
    transfer = Transfer.objects.get(related_type="governance.budgetproject")
    assert transfer.idempotency_key == budgets_services.payment_key(project)
    assert transfer.reason == "grant"
    # Even with the round's stage forced back to counted, the project's key refuses a second
    # grant, and nothing of the second attempt stays.
    BudgetRound.objects.filter(pk=budget.pk).update(stage=BudgetStage.CLOSED)
    BudgetProject.objects.filter(pk=project.pk).update(transfer=None)
    with pytest.raises(Conflict):
        budgets_services.budget_pay(actor=coordinator, budget=budget)
    assert Transfer.objects.filter(related_type="governance.budgetproject").count() == 1
    assert ledger_audit([community.pk]).clean


# The counting -------------------------------------------------------------------------------------


def C(number, cost):  # noqa: N802 - a short name for the examples
    return budget_counting.Candidate(number=number, title=f"P{number}", cost_minutes=cost)


def test_a_project_that_does_not_fit_is_skipped_and_the_count_carries_on():
    result = budget_counting.greedy(
        [C(1, 300), C(2, 400), C(3, 100)], [[1, 2, 3], [1, 2], [2]], budget_minutes=500
    )
    # 2 (3 approvals, 400) fits; 1 (2, 300) does not: 100 left; 3 (1, 100) fits.
    assert result.funded == [2, 3]
    assert [r.why for r in result.rows] == ["funded", "did not fit: 1 h 40 min left", "funded"]
    assert result.left_minutes == 0


def test_ties_go_to_the_cheaper_then_the_earlier_project():
    result = budget_counting.greedy([C(1, 200), C(2, 100), C(3, 100)], [[1, 2, 3]], 250)
    assert [r.number for r in result.rows] == [2, 3, 1]
    assert result.funded == [2, 3]


def test_a_project_nobody_approved_is_not_funded():
    result = budget_counting.greedy([C(1, 60), C(2, 60)], [[1]], 600)
    assert result.funded == [1]
    assert result.rows[1].why == "no approvals"


projects_strategy = st.lists(st.integers(min_value=1, max_value=600), min_size=1, max_size=8)


@st.composite
def counts(draw):
    costs = draw(projects_strategy)
    candidates = [C(i + 1, cost) for i, cost in enumerate(costs)]
    numbers = [c.number for c in candidates]
    ballots = draw(
        st.lists(
            st.lists(st.sampled_from(numbers), min_size=1, unique=True).map(sorted), max_size=15
        )
    )
    budget = draw(st.integers(min_value=1, max_value=2000))
    seed = draw(st.integers(min_value=0, max_value=10**6))
    return candidates, ballots, budget, seed


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(counts())
def test_the_count_keeps_its_promises(case):
    candidates, ballots, budget, seed = case
    result = budget_counting.greedy(candidates, ballots, budget)
    # Total funded within the budget, and what is spent and left re-adds.
    spent = sum(c.cost_minutes for c in candidates if c.number in result.funded)
    assert spent == result.spent_minutes <= budget
    assert result.spent_minutes + result.left_minutes == budget
    # Counts re-add to the ballots.
    assert sum(r.approvals for r in result.rows) == sum(len(b) for b in ballots)
    assert result.ballots == len(ballots)
    # The order of the ballots does not matter.
    shuffled = list(ballots)
    random.Random(seed).shuffle(shuffled)
    assert budget_counting.greedy(candidates, shuffled, budget) == result
    # Nothing left out that would have fitted in what was left at its turn.
    for row in result.rows:
        if not row.funded and row.approvals:
            assert row.cost_minutes > row.left_before_minutes
