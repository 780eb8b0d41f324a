"""Governance's writers at once, on a real PostgreSQL server (make test runs it there)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from coproduce.communities.models import Membership
from coproduce.communities.services import communities as communities_services
from coproduce.governance.models import Ballot, Participation, Proposal
from coproduce.governance.services import ballots as ballots_services
from coproduce.governance.services import proposals as proposals_services
from tests.communities.test_concurrency import run_threads
from tests.governance.test_proposals import members, start_voting

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises all writers; concurrency is proven on PostgreSQL, which `make "
        "test` also runs",
    ),
]


@pytest.fixture
def open_rules(community):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 0, "proposal_cosigners": 0, "ballot_general": "secret"},
        reason="Tests",
    )
    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=1)
    )


def test_drafts_at_once_take_distinct_numbers(community, open_rules):
    people = members(community, 8, "Author")
    errors = run_threads(
        8,
        lambda i: proposals_services.proposal_draft(
            actor=people[i], community=community, kind="general", title=f"Idea {i}", body="Why."
        ),
    )
    assert errors == []
    numbers = sorted(Proposal.objects.filter(community=community).values_list("number", flat=True))
    assert numbers == list(range(1, 9))


def test_votes_at_once_are_each_counted_once(community, member, open_rules):
    proposal = proposals_services.proposal_draft(
        actor=member, community=community, kind="general", title="Summer fair", body="Yes?"
    )
    start_voting(proposal)
    voters = members(community, 10)
    errors = run_threads(
        10,
        lambda i: ballots_services.ballot_cast(
            actor=voters[i], proposal=proposal, choice="yes" if i % 3 else "no"
        ),
    )
    assert errors == []
    assert Ballot.objects.filter(proposal=proposal).count() == 10
    assert Participation.objects.filter(proposal=proposal).count() == 10
    # The same person twice at once: one vote, the other told it needs its receipt.
    errors = run_threads(
        2, lambda i: ballots_services.ballot_cast(actor=member, proposal=proposal, choice="yes")
    )
    assert len(errors) == 1 and getattr(errors[0], "code", "") == "receipt_needed"
    assert Participation.objects.filter(proposal=proposal, person=member).count() == 1
    assert Ballot.objects.filter(proposal=proposal).count() == 11
