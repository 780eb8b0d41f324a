"""Budget rounds through the API (issue 12): a round from opening to payment, and bad input
answered in the one error format naming the field, with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.governance.models import BudgetBallot, BudgetProject, BudgetRound
from coproduce.ledger.models import Transfer
from tests.governance.test_budgets import end_voting, fill_fund, seasoned, start_voting
from tests.governance.test_proposals import members

from .conftest import assert_error, bearer, post

BASE = "/api/v1/communities/riverside/budgets"


@pytest.fixture
def budgeted(community):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 30},
        reason="Budgets for the tests",
    )
    seasoned(community)
    fill_fund(community, 20 * 60)


def round_body(community, **changes):
    today = communities_selectors.local_today(community)
    body = {
        "title": "Spring projects",
        "description": "For the street.",
        "budget_minutes": 600,
        "proposing_opens": today.isoformat(),
        "proposing_closes": (today + dt.timedelta(days=6)).isoformat(),
        "voting_opens": (today + dt.timedelta(days=8)).isoformat(),
        "voting_closes": (today + dt.timedelta(days=14)).isoformat(),
    }
    return {**body, **changes}


def test_a_round_from_opening_to_payment(client, community, member, coordinator, budgeted):
    voter = members(community, 1)[0]
    seasoned(community)
    opened = post(client, BASE, round_body(community), bearer(coordinator))
    assert opened.status_code == 201, opened.content
    assert (opened.json()["code"], opened.json()["stage"]) == ("B-1", "proposing")
    listed = client.get(BASE, headers=bearer(member)).json()["items"]
    assert [r["code"] for r in listed] == ["B-1"]

    for who, title, cost in ((member, "Benches", 240), (voter, "Mural", 420)):
        made = post(
            client,
            f"{BASE}/1/projects",
            {"title": title, "body": "Why.", "cost_minutes": cost},
            bearer(who),
        )
        assert made.status_code == 201, made.content
    for number in (1, 2):
        checked = post(
            client, f"{BASE}/1/projects/{number}/check", {"eligible": True}, bearer(coordinator)
        )
        assert checked.status_code == 200 and checked.json()["eligible"] is True
    projects = client.get(f"{BASE}/1/projects", headers=bearer(member)).json()["items"]
    assert [(p["number"], p["cost_minutes"]) for p in projects] == [(1, 240), (2, 420)]

    start_voting(BudgetRound.objects.get())
    cast = post(client, f"{BASE}/1/ballots", {"approve": [1]}, bearer(member), key="b1")
    assert cast.status_code == 201 and cast.json() == {"approved": [1], "changed": False}
    again = post(client, f"{BASE}/1/ballots", {"approve": [1]}, bearer(member), key="b1")
    assert again.json() == cast.json()
    post(client, f"{BASE}/1/ballots", {"approve": [1, 2]}, bearer(voter))
    changed = post(client, f"{BASE}/1/ballots", {"approve": [2, 1]}, bearer(member), key="b2")
    assert changed.json() == {"approved": [1, 2], "changed": True}

    assert_error(post(client, f"{BASE}/1/close", {}, bearer(coordinator)), 409, "voting_not_over")
    end_voting(BudgetRound.objects.get())
    detail = client.get(f"{BASE}/1", headers=bearer(member)).json()
    assert detail["stage"] == "closed"
    # Mural and Benches 2 approvals each: the cheaper first (4 h), then Mural (7 h) does not fit.
    assert detail["result"]["funded"] == [1]
    assert detail["result"]["rows"][1]["why"] == "did not fit: 6 h left"
    assert_error(post(client, f"{BASE}/1/pay", {}, bearer(member)), 403, "coordinators_only")
    paid = post(client, f"{BASE}/1/pay", {}, bearer(coordinator))
    assert paid.status_code == 200 and paid.json()["stage"] == "paid"
    assert paid.json()["items"][0]["transfer"] is not None
    again = post(client, f"{BASE}/1/pay", {}, bearer(coordinator))
    assert again.status_code == 200
    assert Transfer.objects.filter(related_type="governance.budgetproject").count() == 1


def test_bad_input_names_the_field_and_changes_nothing(
    client, community, member, coordinator, other_member, budgeted
):
    too_much = post(client, BASE, round_body(community, budget_minutes=1201), bearer(coordinator))
    assert "budget_minutes" in assert_error(too_much, 422)["fields"]
    for bad in (0, -60, 1.5, "600", True):
        answer = post(client, BASE, round_body(community, budget_minutes=bad), bearer(coordinator))
        assert answer.status_code == 422, (bad, answer.content)
    late = round_body(community, voting_opens=round_body(community)["proposing_closes"])
    assert (
        "voting_opens" in assert_error(post(client, BASE, late, bearer(coordinator)), 422)["fields"]
    )
    assert_error(post(client, BASE, round_body(community), bearer(member)), 403)
    assert_error(post(client, BASE, round_body(community), bearer(other_member)), 404)
    assert not BudgetRound.objects.exists()

    post(client, BASE, round_body(community), bearer(coordinator))
    for cost in (0, -30, 1.5, "60", 601):
        answer = post(
            client,
            f"{BASE}/1/projects",
            {"title": "T", "body": "B", "cost_minutes": cost},
            bearer(member),
        )
        assert answer.status_code == 422, (cost, answer.content)
    over = post(
        client,
        f"{BASE}/1/projects",
        {"title": "T", "body": "B", "cost_minutes": 601},
        bearer(member),
    )
    assert "cost_minutes" in assert_error(over, 422)["fields"]
    assert not BudgetProject.objects.exists()

    post(
        client,
        f"{BASE}/1/projects",
        {"title": "T", "body": "B", "cost_minutes": 60},
        bearer(member),
    )
    no_reason = post(client, f"{BASE}/1/projects/1/check", {"eligible": False}, bearer(coordinator))
    assert "reason" in assert_error(no_reason, 422)["fields"]
    early = post(client, f"{BASE}/1/ballots", {"approve": [1]}, bearer(member))
    assert_error(early, 409, "voting_not_open")
    start_voting(BudgetRound.objects.get())
    late_idea = post(
        client,
        f"{BASE}/1/projects",
        {"title": "T", "body": "B", "cost_minutes": 60},
        bearer(member),
    )
    assert_error(late_idea, 409, "proposing_closed")
    for approve in ([], [1], [7], [1, 1]):  # project 1 was never checked
        answer = post(client, f"{BASE}/1/ballots", {"approve": approve}, bearer(member))
        assert "approve" in assert_error(answer, 422)["fields"], approve
    assert_error(post(client, f"{BASE}/1/ballots", {"approve": [1]}, bearer(other_member)), 404)
    assert not BudgetBallot.objects.exists()
    assert_error(post(client, f"{BASE}/1/pay", {}, bearer(coordinator)), 409, "not_counted")
