"""What follows a decision, on the proposal's page (issue 12, parts 5 and 6): an agency answers
an ask in public with commitments; progress, overdue, the result and the review; bad input is a
form error and changes nothing; every POST redirects; the page's queries stay fixed."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import Membership
from coproduce.governance.models import AskAnswer, Commitment, Proposal
from tests.governance.test_follow_up import adopt

from .conftest import text


def url(community, name, *args):
    return reverse(f"web:{name}", args=[community.slug, *args])


def test_an_ask_answered_with_commitments_then_followed_up(
    client,
    community,
    member,
    coordinator,
    agency,
    agency_admin,
):

    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=400)
    )
    proposal = adopt(
        community,
        member,
        kind="ask",
        title="Evening appointments",
        body="For carers.",
        agency=agency.pk,
    )
    client.force_login(member)
    page = text(client.get(url(community, "proposal", proposal.number)))
    assert "The answer from Riverside Health Centre" in page and "Waiting 0 days" in page
    assert "Publish the answer" not in page and "Record a commitment" not in page

    client.force_login(agency_admin)
    answer = url(community, "ask_answer", proposal.number)
    bad = client.post(answer, {"answer": "agree", "reasons": "Yes", "commitments": ""})
    assert bad.status_code == 400 and "Say what the agency commits to" in text(bad)
    bad = client.post(answer, {"answer": "agree", "reasons": "Yes", "commitments": "soon Clinic"})
    assert bad.status_code == 400 and "Give a date" in text(bad)
    assert not AskAnswer.objects.exists() and not Commitment.objects.exists()
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    done = client.post(
        answer,
        {
            "answer": "agree_in_part",
            "reasons": "One evening, not three.",
            "commitments": f"{due} Thursday evening clinic\n{due} A carers' phone line",
        },
    )
    assert done.status_code == 302
    assert Commitment.objects.filter(proposal=proposal, owner_agency=agency).count() == 2
    commitment = Commitment.objects.order_by("id").first()
    noted = client.post(
        url(community, "commitment_note", proposal.number, commitment.pk),
        {"body": "The room is booked.", "done": "on"},
    )
    assert noted.status_code == 302

    client.force_login(coordinator)
    added = client.post(
        url(community, "commitment_add", proposal.number),
        {
            "what": "Tell the carers' group",
            "owner_kind": "member",
            "owner_member": "Mo Member",
            "due_on": timezone.localdate().isoformat(),
        },
    )
    assert added.status_code == 302, text(added)
    Commitment.objects.filter(what="Tell the carers' group").update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    bad = client.post(
        url(community, "commitment_add", proposal.number),
        {"what": "", "owner_kind": "group", "due_on": "2027-01-01"},
    )
    assert bad.status_code == 400 and "Say what is committed." in text(bad)
    assert (
        client.post(
            url(community, "decision_outcome", proposal.number), {"outcome": "A clinic opened."}
        ).status_code
        == 302
    )
    page = text(client.get(url(community, "proposal", proposal.number)))
    assert "Agreed in part" in page and "One evening, not three." in page
    assert "kept" in page and "overdue" in page and "A clinic opened." in page

    # Review at its date; the page's queries do not grow with commitments and notes.
    Proposal.objects.filter(pk=proposal.pk).update(review_on=timezone.localdate())
    client.force_login(member)
    assert (
        client.post(
            url(community, "decision_review", proposal.number), {"verdict": "partly"}
        ).status_code
        == 302
    )
    with CaptureQueriesContext(connection) as before:
        client.get(url(community, "proposal", proposal.number))
    for i in range(3):
        Commitment.objects.create(
            proposal=proposal,
            what=f"More {i}",
            owner_kind="group",
            owner_name="G",
            due_on=timezone.localdate(),
            created_by=coordinator,
        ).notes.create(author=coordinator, body="A note")
    with CaptureQueriesContext(connection) as after:
        page = client.get(url(community, "proposal", proposal.number))
    assert "Partly: 1" in text(page)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_transparency_page_shows_it_all_in_a_fixed_number_of_queries(
    client, community, member, coordinator, agency, agency_admin
):
    from coproduce.governance.services import follow_up as follow_up_services

    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=400)
    )
    client.force_login(member)
    page = url(community, "transparency")
    empty = client.get(page)
    assert empty.status_code == 200 and "No proposal has been adopted yet." in text(empty)

    def add_decisions(n):
        for i in range(n):
            proposal = adopt(
                community, member, kind="ask", title=f"Ask {i}", body="B", agency=agency.pk
            )
            follow_up_services.commitment_add(
                actor=coordinator,
                proposal=proposal,
                what=f"Do {i}",
                owner_kind="group",
                owner_name="Friends",
                due_on=timezone.localdate(),
            )
            Commitment.objects.filter(proposal=proposal).update(
                due_on=timezone.localdate() - dt.timedelta(days=1)
            )

    add_decisions(1)
    with CaptureQueriesContext(connection) as one:
        client.get(page)
    add_decisions(3)
    from coproduce.governance.services import sanctions as sanctions_services
    from tests.governance.test_budgets import fill_fund, open_round

    fill_fund(community, 600)
    open_round(community, coordinator, budget=600)
    sanctions_services.sanction_create(
        actor=coordinator,
        community=community,
        member=member.memberships.get().number,
        step="reminder",
        rule_broken="Answer within a week",
        reason="Three requests unanswered",
    )
    follow_up_services.ask_answer(
        actor=agency_admin,
        proposal=Proposal.objects.get(number=1),
        answer="decline",
        reasons="Not this year.",
    )
    with CaptureQueriesContext(connection) as four:
        shown = client.get(page)
    assert len(four.captured_queries) == len(one.captured_queries)
    said = text(shown)
    assert "Declined" in said and "waiting 0 days" in said and "overdue" in said
    assert said.count("Riverside Health Centre") >= 4
    assert "B-1: Spring projects" in said and "Reminder 1" in said
    assert "Mo Member" not in said.split("Sanctions and appeals")[-1]
    client.force_login(coordinator)
    dashboard = text(client.get(url(community, "coordinator_dashboard")))
    assert "Commitments past their date : 4" in dashboard
