"""The budget pages (issue 12): a coordinator opens a round, members propose projects, a
coordinator checks them, members tick the projects they approve, and everyone sees the count and
what was paid; bad input gets a form error and changes nothing; outsiders get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.governance.models import BudgetBallot, BudgetProject, BudgetRound
from coproduce.ledger.models import Transfer
from tests.governance.test_budgets import (
    end_voting,
    fill_fund,
    open_round,
    propose,
    seasoned,
    start_voting,
)
from tests.governance.test_proposals import members

from .conftest import text


@pytest.fixture
def budgeted(community):
    """As tests/governance/test_budgets.py's: members of 60 days, 20 hours in the fund."""
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 30},
        reason="Budgets for the tests",
    )
    seasoned(community)
    fill_fund(community, 20 * 60)


def url(community, name, *args):
    return reverse(f"web:{name}", args=[community.slug, *args])


def round_data(community, **changes):
    today = communities_selectors.local_today(community)
    data = {
        "title": "Spring projects",
        "description": "For the street.",
        "budget_hours": "10",
        "budget_extra_minutes": "",
        "proposing_opens": today.isoformat(),
        "proposing_closes": (today + dt.timedelta(days=6)).isoformat(),
        "voting_opens": (today + dt.timedelta(days=8)).isoformat(),
        "voting_closes": (today + dt.timedelta(days=14)).isoformat(),
    }
    return {**data, **changes}


def test_a_round_from_opening_to_payment(client, community, member, coordinator, budgeted):
    client.force_login(member)
    assert "Budget rounds" in text(client.get(url(community, "proposals")))
    assert client.get(url(community, "budget_new")).status_code == 403

    client.force_login(coordinator)
    assert "Open a new round" in text(client.get(url(community, "budgets")))
    assert "The community fund holds 20 h" in text(client.get(url(community, "budget_new")))
    opened = client.post(url(community, "budget_new"), round_data(community))
    assert opened.status_code == 302 and opened["Location"] == url(community, "budget", 1)

    client.force_login(member)
    page = text(client.get(url(community, "budget", 1)))
    assert "B-1: Spring projects" in page and "Propose a project" in page
    assert "a tie goes to the cheaper project" in page
    proposed = client.post(
        url(community, "budget_propose", 1),
        {"title": "Benches", "body": "Somewhere to sit.", "cost_hours": "4"},
    )
    assert proposed.status_code == 302
    client.post(
        url(community, "budget_propose", 1),
        {
            "title": "Mural",
            "body": "Colour.",
            "cost_hours": "7",
            "cost_extra_minutes": "30",
            "recipient": "Cora Coordinator",
        },
    )
    mural = BudgetProject.objects.get(number=2)
    assert mural.cost_minutes == 450 and mural.recipient == coordinator

    client.force_login(coordinator)
    assert "Check project 1" in text(client.get(url(community, "budget", 1)))
    assert client.get(url(community, "budget_check", 1, 1)).status_code == 200
    for number in (1, 2):
        checked = client.post(url(community, "budget_check", 1, number), {"eligible": "yes"})
        assert checked.status_code == 302

    start_voting(BudgetRound.objects.get())
    client.force_login(member)
    page = client.get(url(community, "budget", 1))
    assert "Your ballot" in text(page)
    key = page.context["ballot_form"]["idempotency_key"].value()
    cast = client.post(
        url(community, "budget_vote", 1), {"approve": ["1"], "idempotency_key": key}, follow=True
    )
    assert "Your ballot is counted." in text(cast)
    changed = client.post(
        url(community, "budget_vote", 1),
        {"approve": ["1", "2"], "idempotency_key": "another"},
        follow=True,
    )
    assert "Your ballot is changed." in text(changed)
    assert BudgetBallot.objects.get().approved == [1, 2]

    end_voting(BudgetRound.objects.get())
    page = text(client.get(url(community, "budget", 1)))
    assert "The count" in page and "did not fit: 6 h left" in page
    assert "Pay the winners" not in page  # a member

    client.force_login(coordinator)
    paid = client.post(url(community, "budget_pay", 1), follow=True)
    assert "The winners are paid from the fund." in text(paid)
    assert "4 h paid from the fund" in text(paid)
    assert Transfer.objects.filter(related_type="governance.budgetproject").count() == 1
    client.post(url(community, "budget_pay", 1))
    assert Transfer.objects.filter(related_type="governance.budgetproject").count() == 1


def test_bad_input_is_a_form_error_and_changes_nothing(
    client, community, member, coordinator, other_member, budgeted
):
    client.force_login(coordinator)
    for changes, message in (
        ({"budget_hours": "21"}, "The fund can promise at most 20 h"),
        ({"budget_hours": "0"}, "Give more than zero minutes."),
        ({"title": ""}, "Give the round a title."),
        ({"voting_opens": ""}, "Say when voting opens."),
        (
            {"voting_opens": communities_selectors.local_today(community).isoformat()},
            "Voting opens after proposing closes",
        ),
    ):
        response = client.post(url(community, "budget_new"), round_data(community, **changes))
        assert response.status_code == 400 and message in text(response), text(response)
    assert not BudgetRound.objects.exists()

    budget = open_round(community, coordinator)
    client.force_login(member)
    for data, message in (
        ({"title": "Big", "body": "B", "cost_hours": "11"}, "at most the round's budget"),
        ({"title": "Free", "body": "B", "cost_hours": "0"}, "Give more than zero minutes."),
        ({"title": "Odd", "body": "B", "cost_hours": "1.5"}, "whole number"),
        ({"title": "", "body": "B", "cost_hours": "1"}, "Give the project a title."),
    ):
        response = client.post(url(community, "budget_propose", 1), data)
        assert response.status_code == 400 and message in text(response), text(response)
    assert not BudgetProject.objects.exists()

    project = propose(budget, member, 60)
    client.force_login(coordinator)
    response = client.post(url(community, "budget_check", 1, 1), {"eligible": "no"})
    assert response.status_code == 400 and "Say why the project is not eligible." in text(response)
    project.refresh_from_db()
    assert project.eligible is None
    client.force_login(member)
    assert client.post(url(community, "budget_check", 1, 1), {"eligible": "yes"}).status_code == 403

    start_voting(budget)
    response = client.post(url(community, "budget_vote", 1), {"idempotency_key": "k"})
    assert response.status_code == 400 and "Approve at least one project." in text(response)
    response = client.post(
        url(community, "budget_vote", 1), {"approve": ["1"], "idempotency_key": "k"}
    )
    assert response.status_code == 400  # project 1 is not checked: not on the ballot
    assert not BudgetBallot.objects.exists()

    client.force_login(other_member)
    assert client.get(url(community, "budgets")).status_code == 404
    assert client.get(url(community, "budget", 1)).status_code == 404
    assert client.post(url(community, "budget_vote", 1), {"approve": ["1"]}).status_code == 404


@pytest.mark.parametrize("how_many", [2, 5])
def test_the_list_and_a_round_page_take_a_fixed_number_of_queries(
    client, community, member, coordinator, budgeted, how_many
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    voters = members(community, how_many)
    seasoned(community)
    for n in range(how_many):
        budget = open_round(community, coordinator, budget=60, title=f"Round {n}")
        for who in voters:
            propose(budget, who, 30, f"Project by {who.full_name}")
    client.force_login(member)
    counts = {}
    for name, args in (("budgets", ()), ("budget", (1,))):
        client.get(url(community, name, *args))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(community, name, *args)).status_code == 200
        counts[name] = len(queries)
    # session, person, memberships, unread count; then the list: the rounds with their counts;
    # a round: it with its ballots' count, its projects with their people, the viewer's ballot.
    assert counts == {"budgets": 5, "budget": 7}
