"""What follows decisions, through the API (issue 12, parts 5 and 6): an ask drafted to an
agency, adopted, answered in public by its staff with commitments; coordinators record
commitments and results; owners write progress; members review. Bad input is answered in the one
error format naming the field, and changes nothing; access is checked before the body is read."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coproduce.governance.models import AskAnswer, Commitment, Proposal
from tests.governance.test_follow_up import adopt

from .conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"


def send(client, url, data, headers):
    return client.post(url, data=data, content_type="application/json", headers=headers)


def test_an_ask_through_the_api(client, community, member, coordinator, agency, agency_admin):
    from coproduce.communities.models import Membership

    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=400)
    )
    # Drafting an ask names its agency; without one, 422 naming `agency`.
    as_member = bearer(member)
    drafted = send(
        client,
        f"{BASE}/proposals",
        {"kind": "ask", "title": "Evening appointments", "body": "For carers."},
        as_member,
    )
    assert "agency" in assert_error(drafted, 422, "validation_failed")["fields"]
    proposal = adopt(
        community,
        member,
        kind="ask",
        title="Evening appointments",
        body="For carers.",
        agency=agency.pk,
    )
    number = proposal.number
    detail = client.get(f"{BASE}/proposals/{number}", headers=as_member).json()
    assert detail["agency"] == "Riverside Health Centre" and detail["answer_due_on"]
    decision = client.get(f"{BASE}/decisions/{number}", headers=as_member).json()
    assert decision["answer"] is None and decision["waiting_days"] == 0

    as_staff = bearer(agency_admin)
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    # A member who is not the agency's staff: 403; bad rows name their field; nothing changes.
    refused = send(
        client,
        f"{BASE}/decisions/{number}/answer",
        {"answer": "decline", "reasons": "No"},
        as_member,
    )
    assert_error(refused, 403, "not_agency_staff")
    bad = send(
        client,
        f"{BASE}/decisions/{number}/answer",
        {"answer": "agree", "reasons": "Yes", "commitments": [{"what": "", "due_on": due}]},
        as_staff,
    )
    assert "commitments.0.what" in assert_error(bad, 422)["fields"]
    assert not AskAnswer.objects.exists() and not Commitment.objects.exists()
    answered = send(
        client,
        f"{BASE}/decisions/{number}/answer",
        {
            "answer": "agree_in_part",
            "reasons": "One evening, not three.",
            "commitments": [{"what": "Thursday clinic", "due_on": due}],
        },
        as_staff,
    )
    assert answered.status_code == 201, answered.content
    body = answered.json()
    assert body["answer"]["answer"] == "agree_in_part"
    assert [c["owner"] for c in body["commitments"]] == ["Riverside Health Centre"]
    again = send(
        client, f"{BASE}/decisions/{number}/answer", {"answer": "decline", "reasons": "x"}, as_staff
    )
    assert_error(again, 409, "already_answered")

    # Coordinators record commitments (members get 403 before their body is read) and results.
    as_coordinator = bearer(coordinator)
    commitment = {
        "decision": number,
        "what": "Tell the carers' group",
        "owner_kind": "member",
        "owner_member": member.memberships.get().number,
        "due_on": timezone.localdate().isoformat(),
    }
    assert_error(send(client, f"{BASE}/commitments", {"junk": "x" * 10}, as_member), 403)
    made = send(client, f"{BASE}/commitments", commitment, as_coordinator)
    assert made.status_code == 201, made.content
    bad = send(client, f"{BASE}/commitments", {**commitment, "owner_kind": "group"}, as_coordinator)
    assert "owner_name" in assert_error(bad, 422)["fields"]
    Commitment.objects.filter(pk=made.json()["id"]).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    overdue = client.get(f"{BASE}/commitments?overdue=true", headers=as_member).json()["items"]
    assert [c["what"] for c in overdue] == ["Tell the carers' group"]
    noted = send(
        client,
        f"{BASE}/commitments/{made.json()['id']}/notes",
        {"body": "Told them", "done": True},
        as_member,
    )
    assert noted.status_code == 201 and noted.json()["done_at"] and not noted.json()["overdue"]
    outcome = send(
        client,
        f"{BASE}/decisions/{number}/outcome",
        {"outcome": "A clinic opened."},
        as_coordinator,
    )
    assert outcome.status_code == 200 and outcome.json()["outcome"] == "A clinic opened."

    # The review opens at its date.
    early = send(client, f"{BASE}/decisions/{number}/review", {"verdict": "yes"}, as_member)
    assert_error(early, 409, "review_not_open")
    Proposal.objects.filter(pk=proposal.pk).update(review_on=timezone.localdate())
    reviewed = send(client, f"{BASE}/decisions/{number}/review", {"verdict": "yes"}, as_member)
    assert reviewed.json()["reviews"] == {"yes": 1, "partly": 0, "no": 0}
    listed = client.get(f"{BASE}/decisions", headers=as_member).json()["items"]
    assert [d["code"] for d in listed] == [proposal.code]


def test_a_proposal_not_adopted_is_no_decision_and_outsiders_see_nothing(
    client, community, member, other_member
):
    assert_error(client.get(f"{BASE}/decisions/1", headers=bearer(member)), 404)
    assert_error(client.get(f"{BASE}/decisions", headers=bearer(other_member)), 404)
    assert_error(client.get(f"{BASE}/commitments", headers=bearer(other_member)), 404)


def test_the_author_withdraws_before_voting_and_only_the_author(
    client, community, member, coordinator
):
    from coproduce.communities.services import communities as communities_services
    from coproduce.governance.services import proposals as proposals_services

    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 0, "proposal_cosigners": 1},
        reason="Tests",
    )
    proposal = proposals_services.proposal_draft(
        actor=member, community=community, kind="general", title="A bench", body="By the river."
    )
    url = f"{BASE}/proposals/{proposal.number}/withdraw"
    assert_error(send(client, url, {}, bearer(coordinator)), 403, "not_the_author")
    done = send(client, url, {}, bearer(member))
    assert done.status_code == 200 and done.json()["stage"] == "withdrawn"
    assert_error(send(client, url, {}, bearer(member)), 409, "voting_started")


def test_a_voter_checks_their_receipt_is_in_the_count(client, community, member):
    from coproduce.communities.services import communities as communities_services
    from coproduce.governance.services import ballots as ballots_services
    from coproduce.governance.services import proposals as proposals_services
    from tests.governance.test_proposals import end_voting, start_voting

    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 0, "proposal_cosigners": 0, "ballot_general": "secret"},
        reason="Tests",
    )
    proposal = proposals_services.proposal_draft(
        actor=member, community=community, kind="general", title="A bench", body="By the river."
    )
    start_voting(proposal)
    cast = ballots_services.ballot_cast(actor=member, proposal=proposal, choice="yes")
    url = f"{BASE}/proposals/{proposal.number}/receipt-check"
    assert_error(send(client, url, {"receipt": cast.receipt}, bearer(member)), 409, "not_decided")
    end_voting(proposal)
    counted = send(client, url, {"receipt": cast.receipt.lower()}, bearer(member))
    assert counted.status_code == 200 and counted.json() == {"counted": True}
    other = send(client, url, {"receipt": "AAAAA-BBBBB"}, bearer(member))
    assert other.json() == {"counted": False}
    assert_error(send(client, url, {"receipt": "<script>"}, bearer(member)), 422)
