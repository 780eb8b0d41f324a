"""What follows a decision (issue 12, parts 5 and 6): commitments with owners, due dates and
progress; the result; the review at its date; an ask to a public service answered in public
within the rulebook's days. Bad input names the field and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import Conflict, PermissionDenied, ValidationFailed
from coproduce.governance.models import (
    AskAnswer,
    Commitment,
    Proposal,
    ProposalStage,
)
from coproduce.governance.selectors import follow_up as follow_up_selectors
from coproduce.governance.services import ballots as ballots_services
from coproduce.governance.services import decisions as decisions_services
from coproduce.governance.services import follow_up as follow_up_services
from coproduce.governance.services import proposals as proposals_services
from coproduce.notifications.models import Notification
from tests.governance.test_proposals import end_voting, members, start_voting


def adopt(community, author, **kw):
    if communities_selectors.rules_for(community)["proposal_cosigners"]:
        communities_services.rulebook_change(
            actor=None, community=community, changes={"proposal_cosigners": 0}, reason="Tests"
        )
    kw.setdefault("kind", "general")
    kw.setdefault("title", "Open the hall on Sundays")
    kw.setdefault("body", "People are alone on Sundays.")
    proposal = proposals_services.proposal_draft(actor=author, community=community, **kw)
    start_voting(proposal)
    for voter in members(community, 3, f"Voter{proposal.number}x"):
        ballots_services.ballot_cast(actor=voter, proposal=proposal, choice="yes")
    end_voting(proposal)
    assert proposal.stage == ProposalStage.ADOPTED
    return proposal


def today(days=0):
    return timezone.localdate() + dt.timedelta(days=days)


def test_a_decisions_commitments_result_and_review(community, member, coordinator, rules):
    proposal = adopt(community, member)
    assert proposal.review_on == today(180)
    kept = follow_up_services.commitment_add(
        actor=coordinator,
        proposal=proposal,
        what="Find volunteers for the Sunday rota",
        owner_kind="member",
        owner_member=member.pk,
        due_on=today(14).isoformat(),
    )
    late = follow_up_services.commitment_add(
        actor=coordinator,
        proposal=proposal,
        what="Ask the church for the hall keys",
        owner_kind="group",
        owner_name="Friends of the Hall",
        due_on=today(),
    )
    assert Notification.objects.filter(person=member, kind="commitment").count() == 1
    # The owner writes progress and marks it done; a second "done" is refused.
    follow_up_services.commitment_note(
        actor=member, commitment=kept, body="Six people so far.", done=True
    )
    with pytest.raises(Conflict):
        follow_up_services.commitment_note(actor=member, commitment=kept, body="Again", done=True)
    # Someone else may not; a coordinator may.
    with pytest.raises(PermissionDenied):
        follow_up_services.commitment_note(
            actor=members(community, 1, "X")[0], commitment=late, body="Hi"
        )
    Commitment.objects.filter(pk=late.pk).update(due_on=today(-1))
    assert [c.pk for c in follow_up_selectors.commitments_of(community, overdue=True)] == [late.pk]
    assert follow_up_selectors.overdue_count(community) == 1

    follow_up_services.decision_outcome_record(
        actor=coordinator, proposal=proposal, outcome="The hall opened on 4 Sundays."
    )
    view = follow_up_selectors.follow_up(proposal, member)
    assert view.overdue_ids == {late.pk} and not view.review_open

    # The review: refused before its date; asked once by the job at its date; one per member.
    with pytest.raises(Conflict):
        follow_up_services.review_give(actor=member, proposal=proposal, verdict="yes")
    Proposal.objects.filter(pk=proposal.pk).update(review_on=today())
    assert decisions_services.proposals_remind()["reviews"] == 1
    assert decisions_services.proposals_remind()["reviews"] == 0
    assert Notification.objects.filter(person=member, kind="decision_review").count() == 1
    proposal.refresh_from_db()
    follow_up_services.review_give(actor=member, proposal=proposal, verdict="yes")
    follow_up_services.review_give(
        actor=member, proposal=proposal, verdict="partly", comment="So so"
    )
    assert follow_up_selectors.follow_up(proposal, member).reviews == {
        "yes": 0,
        "partly": 1,
        "no": 0,
    }


def test_bad_commitments_name_the_field_and_change_nothing(community, member, coordinator, rules):
    proposal = adopt(community, member)
    for spec, field in (
        ({"what": "", "owner_kind": "group", "owner_name": "G", "due_on": today()}, "what"),
        ({"what": "W", "owner_kind": "group", "owner_name": "", "due_on": today()}, "owner_name"),
        (
            {"what": "W", "owner_kind": "member", "owner_member": 999999, "due_on": today()},
            "owner_member",
        ),
        (
            {
                "what": "W",
                "owner_kind": "coordinator",
                "owner_member": member.pk,
                "due_on": today(),
            },
            "owner_member",
        ),
        ({"what": "W", "owner_kind": "boss", "due_on": today()}, "owner_kind"),
        ({"what": "W", "owner_kind": "group", "owner_name": "G", "due_on": "soon"}, "due_on"),
        ({"what": "W", "owner_kind": "group", "owner_name": "G", "due_on": today(-30)}, "due_on"),
        ({"what": "W" * 301, "owner_kind": "group", "owner_name": "G", "due_on": today()}, "what"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            follow_up_services.commitment_add(actor=coordinator, proposal=proposal, **spec)
        assert field in refused.value.fields, (spec, refused.value.fields)
    with pytest.raises(PermissionDenied):
        follow_up_services.commitment_add(
            actor=member,
            proposal=proposal,
            what="W",
            owner_kind="group",
            owner_name="G",
            due_on=today(),
        )
    assert not Commitment.objects.exists()


def test_an_ask_is_answered_in_public_by_the_agencys_staff(
    community, member, coordinator, agency, agency_admin, rules
):
    with pytest.raises(ValidationFailed) as refused:
        proposals_services.proposal_draft(
            actor=member, community=community, kind="ask", title="T", body="B"
        )
    assert "agency" in refused.value.fields
    proposal = adopt(
        community,
        member,
        kind="ask",
        title="Evening appointments for carers",
        body="Carers cannot come in the day.",
        agency=agency.pk,
    )
    assert proposal.agency == agency and proposal.answer_due_on == today(28)
    assert Notification.objects.filter(person=agency_admin, kind="ask_to_answer").count() == 1
    view = follow_up_selectors.follow_up(proposal, member)
    assert view.answer is None and view.waiting_days == 0 and not view.answer_late

    # Only the agency's staff answer; agreeing needs commitments; bad ones name the row.
    with pytest.raises(PermissionDenied):
        follow_up_services.ask_answer(
            actor=coordinator, proposal=proposal, answer="decline", reasons="No."
        )
    for kwargs, field in (
        ({"answer": "agree", "reasons": "Yes"}, "commitments"),
        (
            {
                "answer": "decline",
                "reasons": "No",
                "commitments": [{"what": "X", "due_on": today()}],
            },
            "commitments",
        ),
        ({"answer": "maybe", "reasons": "Hm"}, "answer"),
        ({"answer": "decline", "reasons": ""}, "reasons"),
        (
            {"answer": "agree", "reasons": "Yes", "commitments": [{"what": "", "due_on": today()}]},
            "commitments.0.what",
        ),
    ):
        with pytest.raises(ValidationFailed) as refused:
            follow_up_services.ask_answer(actor=agency_admin, proposal=proposal, **kwargs)
        assert field in refused.value.fields, (kwargs, refused.value.fields)
    assert not AskAnswer.objects.exists() and not Commitment.objects.exists()

    follow_up_services.ask_answer(
        actor=agency_admin,
        proposal=proposal,
        answer="agree_in_part",
        reasons="We can open one evening a week, not three.",
        commitments=[
            {"what": "Thursday evening clinic", "due_on": today(30).isoformat()},
            {"what": "A carers' line", "due_on": today(60).isoformat()},
        ],
    )
    assert Commitment.objects.filter(proposal=proposal, owner_agency=agency).count() == 2
    assert Notification.objects.filter(person=member, kind="ask_answered").count() == 1
    with pytest.raises(Conflict):
        follow_up_services.ask_answer(
            actor=agency_admin, proposal=proposal, answer="decline", reasons="Changed our mind"
        )
    # The agency's staff write progress on their own commitments.
    commitment = Commitment.objects.filter(proposal=proposal).first()
    follow_up_services.commitment_note(actor=agency_admin, commitment=commitment, body="Booked")


def test_voting_closes_tomorrow_is_told_once_to_those_who_have_not_voted(community, member, rules):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="Tests"
    )
    proposal = proposals_services.proposal_draft(
        actor=member, community=community, kind="general", title="T", body="B"
    )
    start_voting(proposal)  # closes within the hour
    voter, quiet = members(community, 2)
    ballots_services.ballot_cast(actor=voter, proposal=proposal, choice="yes")
    assert decisions_services.proposals_remind()["reminded"] == 1
    assert decisions_services.proposals_remind()["reminded"] == 0
    told = set(
        Notification.objects.filter(kind="proposal_closing").values_list("person_id", flat=True)
    )
    assert quiet.pk in told and member.pk in told and voter.pk not in told
