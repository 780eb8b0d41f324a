"""Proposals through the API (issue 12): the credit-floor story end to end, secret ballots and
their receipts, and bad input answered in the one error format with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.models import Membership, RulebookVersion
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.governance.models import Ballot, Participation, Proposal
from coproduce.governance.services import decisions as decisions_services
from tests.conftest import make_person

from .conftest import assert_error, bearer, post

BASE = "/api/v1/communities/riverside/proposals"
FLOOR = "credit_floor_minutes"


@pytest.fixture
def governed(community):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={
            "proposal_member_days": 30,
            "proposal_cosigners": 2,
            "decision_quorum_percent": 20,
        },
        reason="Governance for the tests",
    )
    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=60)
    )


def people(community, n, prefix="Voter"):
    found = []
    for i in range(n):
        person = make_person(f"{prefix.lower()}{i}@riverside.example", f"{prefix} {i}")
        memberships_services.membership_add(actor=None, community=community, person=person)
        found.append(person)
    return found


def move_time(number, *, open_vote=False, close_vote=False):
    """The days pass: the job opens or counts the vote (dates moved to now)."""
    now = timezone.now()
    if open_vote:
        Proposal.objects.filter(number=number).update(
            voting_opens_at=now - dt.timedelta(hours=1),
            voting_closes_at=now + dt.timedelta(hours=1),
        )
    if close_vote:
        Proposal.objects.filter(number=number).update(
            voting_closes_at=now - dt.timedelta(seconds=1)
        )
    decisions_services.proposals_advance(now=now)


def test_the_credit_floor_story_through_the_api(client, community, member, coordinator, governed):
    signers = people(community, 2, "Signer")
    drafted = post(
        client,
        BASE,
        {
            "kind": "rule_change",
            "title": "Let members go 30 hours into debit",
            "body": "Twenty hours is too few for the people who need help most.",
            "rule_changes": {FLOOR: -1800},
        },
        bearer(member),
    )
    assert drafted.status_code == 201, drafted.content
    proposal = drafted.json()
    assert (proposal["code"], proposal["stage"], proposal["cosigners_needed"]) == (
        "P-1",
        "draft",
        2,
    )
    assert proposal["versions"][0]["rule_changes"] == {FLOOR: -1800}
    for signer in signers:
        cosigned = post(client, f"{BASE}/1/cosign", {}, bearer(signer))
        assert cosigned.status_code == 200, cosigned.content
    assert cosigned.json()["stage"] == "deliberation" and cosigned.json()["i_cosigned"]
    commented = post(client, f"{BASE}/1/comments", {"body": "Good idea."}, bearer(signers[0]))
    assert commented.status_code == 201
    listed = client.get(f"{BASE}/1/comments", headers=bearer(member)).json()["items"]
    assert [c["body"] for c in listed] == ["Good idea."]

    move_time(1, open_vote=True)
    voters = people(community, 3)
    receipts = []
    for voter in [member, *voters]:
        voted = post(client, f"{BASE}/1/ballots", {"choice": "yes"}, bearer(voter))
        assert voted.status_code == 201, voted.content
        assert voted.json()["secret"] and voted.json()["receipt"]
        receipts.append(voted.json()["receipt"])
    dorothy = make_person(None, "Dorothy Offline")
    membership = memberships_services.membership_add(
        actor=None, community=community, person=dorothy
    )
    by_hand = post(
        client,
        f"{BASE}/1/ballots",
        {"choice": "yes", "on_behalf_of": membership.member_code},
        bearer(coordinator),
    )
    assert by_hand.status_code == 201, by_hand.content
    assert Participation.objects.get(person=dorothy).recorded_by == coordinator
    assert not Ballot.objects.filter(voter__isnull=False).exists()

    not_yet = client.get(f"{BASE}/1/result", headers=bearer(member))
    assert_error(not_yet, 409, "not_decided")
    move_time(1, close_vote=True)
    result = client.get(f"{BASE}/1/result", headers=bearer(member))
    assert result.status_code == 200, result.content
    body = result.json()
    assert body["stage"] == "adopted" and body["adopted"] and body["quorum"]["met"]
    assert body["counts"]["yes"] == 5 and body["lines"][-1] == "Adopted."
    detail = client.get(f"{BASE}/1", headers=bearer(member)).json()
    latest = RulebookVersion.objects.filter(community=community).order_by("-number").first()
    assert detail["rulebook_version"] == latest.number and latest.source == "decision"
    assert communities_selectors.rules_for(community)[FLOOR] == -1800


def test_a_retry_of_a_secret_vote_answers_without_the_receipt_and_keeps_no_choice(
    client, community, member, governed
):
    from coproduce.core.idempotency import request_hash
    from coproduce.core.models import IdempotencyRecord

    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="No co-signers"
    )
    post(
        client,
        BASE,
        {"kind": "general", "title": "A bench by the river", "body": "Where people can sit."},
        bearer(member),
    )
    move_time(1, open_vote=True)
    first = post(client, f"{BASE}/1/ballots", {"choice": "no"}, bearer(member), key="vote-1")
    again = post(client, f"{BASE}/1/ballots", {"choice": "no"}, bearer(member), key="vote-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["receipt"] and again.json()["receipt"] == ""
    assert Ballot.objects.count() == 1
    record = IdempotencyRecord.objects.get(scope="governance.ballot")
    # Kept with the member's key: nothing of the choice, not even which ballot.
    assert record.result == {"ballot": None, "changed": False, "receipt": None}
    proposal = Proposal.objects.get()
    assert record.request_hash == request_hash({"proposal": proposal.pk, "voter": member.pk})
    changed = post(
        client,
        f"{BASE}/1/ballots",
        {"choice": "yes", "receipt": first.json()["receipt"]},
        bearer(member),
        key="vote-2",
    )
    assert changed.status_code == 201 and changed.json()["changed"]
    assert Ballot.objects.get().choice == "yes"


def test_bad_input_gets_the_one_error_format_and_changes_nothing(
    client, community, member, other_member, governed
):
    cases = [
        (
            {"kind": "rule_change", "title": "T", "body": "B", "rule_changes": {FLOOR: -99999}},
            "rule_changes",
        ),
        (
            {"kind": "rule_change", "title": "T", "body": "B", "rule_changes": {"nope": 1}},
            "rule_changes",
        ),
        ({"kind": "general", "title": "", "body": "B"}, "title"),
        ({"kind": "general", "title": "T", "body": "B", "options": ["a", "b"]}, "options"),
    ]
    for payload, field in cases:
        error = assert_error(post(client, BASE, payload, bearer(member)), 422)
        assert any(field in name for name in error["fields"]), error
    assert_error(
        post(client, BASE, {"kind": "nonsense", "title": "T", "body": "B"}, bearer(member)), 422
    )
    assert_error(
        post(client, BASE, {"kind": "general", "title": "T", "body": "B"}, bearer(other_member)),
        404,
    )
    assert not Proposal.objects.exists()

    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_cosigners": 0, "method_general": "ranked", "ballot_general": "open"},
        reason="Ranked",
    )
    post(
        client,
        BASE,
        {"kind": "general", "title": "Fair", "body": "Where?", "options": ["Park", "Hall"]},
        bearer(member),
    )
    early = post(client, f"{BASE}/1/ballots", {"choice": ["Park"]}, bearer(member))
    assert_error(early, 409, "voting_not_open")
    move_time(1, open_vote=True)
    for choice in (["Park", "Park"], ["Moon"], []):
        error = assert_error(
            post(client, f"{BASE}/1/ballots", {"choice": choice}, bearer(member)), 422
        )
        assert "ranking" in error["fields"]
    missing_key = client.post(
        f"{BASE}/1/ballots",
        data={"choice": ["Park"]},
        content_type="application/json",
        headers=bearer(member),
    )
    assert_error(missing_key, 422)
    assert_error(client.get(f"{BASE}/1", headers=bearer(other_member)), 404)
    assert not Ballot.objects.exists() and not Participation.objects.exists()
