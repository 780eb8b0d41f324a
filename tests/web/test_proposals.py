"""The proposals pages (issue 12): draft, co-sign, discuss and amend, vote by each method, and
see the count; bad input gets a form error and changes nothing; outsiders get 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import Membership, RulebookVersion
from coproduce.communities.services import communities as communities_services
from coproduce.governance.models import Ballot, Proposal, ProposalVersion
from tests.governance.test_proposals import end_voting, members, start_voting

from .conftest import text

FLOOR = "credit_floor_minutes"


@pytest.fixture
def governed(community):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 30, "proposal_cosigners": 1},
        reason="Governance for the tests",
    )
    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=60)
    )


def url(community, name, *args):
    return reverse(f"web:{name}", args=[community.slug, *args])


def test_a_rule_change_from_draft_to_the_rulebook(
    client, community, member, agency_staff, governed
):
    client.force_login(member)
    assert "Proposals and votes" in text(client.get(url(community, "community")))
    page = client.get(url(community, "proposal_new"))
    assert page.status_code == 200 and "Draft a proposal" in text(page)
    drafted = client.post(
        url(community, "proposal_new"),
        {
            "kind": "rule_change",
            "title": "Let members go 30 hours into debit",
            "body": "Twenty hours is too few.",
            "rule": FLOOR,
            "new_value": "-1800",
        },
    )
    assert drafted.status_code == 302 and drafted["Location"] == url(community, "proposal", 1)
    listing = text(client.get(url(community, "proposals")))
    assert "P-1: Let members go 30 hours into debit" in listing

    client.force_login(agency_staff)
    assert client.post(url(community, "proposal_cosign", 1)).status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.stage == "deliberation"
    suggested = client.post(
        url(community, "proposal_comment", 1),
        {"amendment": "1", "body": "Twenty-five is safer.", "new_value": "-1500"},
    )
    assert suggested.status_code == 302
    client.force_login(member)
    page = text(client.get(url(community, "proposal", 1)))
    assert "a suggested amendment" in page and "Accept it as the next version" in page
    comment = proposal.comments.get()
    assert client.post(url(community, "amendment_accept", 1, comment.pk)).status_code == 302
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2
    assert "Versions, side by side" in text(client.get(url(community, "proposal", 1)))

    start_voting(proposal)
    voted = client.post(url(community, "proposal_vote", 1), {"choice": "yes"}, follow=True)
    said = text(voted)
    assert "Your vote is counted." in said and "Your receipt code is" in said
    receipt = re.search(r"receipt code is ([0-9A-F-]+)\.", said).group(1)
    changed = client.post(
        url(community, "proposal_vote", 1), {"choice": "no", "receipt": receipt}, follow=True
    )
    assert "Your vote is changed." in text(changed)
    client.force_login(agency_staff)
    client.post(url(community, "proposal_vote", 1), {"choice": "yes"})
    for voter in members(community, 2):
        client.force_login(voter)
        client.post(url(community, "proposal_vote", 1), {"choice": "yes"})
    end_voting(proposal)
    client.force_login(member)
    page = text(client.get(url(community, "proposal", 1)))
    assert "The count" in page and "Adopted." in page
    latest = RulebookVersion.objects.filter(community=community).order_by("-number").first()
    assert latest.source == "decision" and latest.values[FLOOR] == -1500
    assert f"version {latest.number} was written from this decision" in page
    rulebook = client.get(url(community, "rulebook"))
    assert "From decision P-1" in text(rulebook)
    assert f'href="{url(community, "proposal", 1)}"' in rulebook.content.decode()


def test_the_rulebook_page_offers_a_coordinator_only_the_rules_they_may_change_alone(
    client, community, coordinator
):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"change_hours": "decision"},
        reason="Agreed at the annual meeting",
        source="decision",
    )
    client.force_login(coordinator)
    page = client.get(url(community, "rulebook"))
    html = page.content.decode()
    assert "Rules changed only by a decision" in text(page)
    assert f'name="{FLOOR}"' not in html and 'name="references_required"' in html
    assert 'name="change_hours"' not in html
    assert f"{url(community, 'proposal_new')}?kind=rule_change" in html
    # A forged field for a rule a decision changes is not taken.
    before = RulebookVersion.objects.filter(community=community).count()
    client.post(url(community, "rulebook"), {FLOOR: "-1800", "reason": "Alone"})
    assert RulebookVersion.objects.filter(community=community).count() == before
    new = client.get(url(community, "proposal_new") + "?kind=rule_change").content.decode()
    assert re.search(r'value="rule_change"[^>]*checked', new)


def test_bad_input_is_a_form_error_and_changes_nothing(
    client, community, member, other_member, governed
):
    client.force_login(member)
    for data, message in (
        (
            {
                "kind": "rule_change",
                "title": "T",
                "body": "B",
                "rule": FLOOR,
                "new_value": "-99999",
            },
            "Must be at least",
        ),
        ({"kind": "rule_change", "title": "T", "body": "B"}, "Give the rules to change"),
        ({"kind": "general", "title": "", "body": "B"}, "Give the proposal a title."),
    ):
        response = client.post(url(community, "proposal_new"), data)
        assert response.status_code == 400 and message in text(response), text(response)
    assert not Proposal.objects.exists()
    client.force_login(other_member)
    assert client.get(url(community, "proposals")).status_code == 404
    assert client.post(url(community, "proposal_new"), {"kind": "general"}).status_code == 404


def test_a_ranked_ballot_is_places_given_to_options(client, community, member, governed):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_cosigners": 0, "method_general": "ranked", "ballot_general": "open"},
        reason="Ranked",
    )
    client.force_login(member)
    client.post(
        url(community, "proposal_new"),
        {
            "kind": "general",
            "title": "The summer fair",
            "body": "Where?",
            "options": "Park\nHall\nDocks",
        },
    )
    start_voting(Proposal.objects.get())
    page = text(client.get(url(community, "proposal", 1)))
    assert "Put the options in your order" in page
    same = client.post(url(community, "proposal_vote", 1), {"rank_0": "1", "rank_1": "1"})
    assert same.status_code == 400 and "Give each option a different place." in text(same)
    none = client.post(url(community, "proposal_vote", 1), {})
    assert none.status_code == 400 and "Give at least one option a place." in text(none)
    assert not Ballot.objects.exists()
    done = client.post(url(community, "proposal_vote", 1), {"rank_0": "2", "rank_2": "1"})
    assert done.status_code == 302
    assert Ballot.objects.get().choice == ["Docks", "Park"]
    end_voting(Proposal.objects.get())
    assert "Docks" in text(client.get(url(community, "proposal", 1)))


@pytest.mark.parametrize("how_many", [2, 6])
def test_the_list_and_a_proposal_page_take_a_fixed_number_of_queries(
    client, community, member, agency_staff, governed, how_many
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coproduce.governance.services import proposals as proposals_services

    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="No co-signers"
    )
    for n in range(how_many):
        proposal = proposals_services.proposal_draft(
            actor=member, community=community, kind="general", title=f"Idea {n}", body="Why."
        )
        for c in range(how_many):
            proposals_services.proposal_comment(
                actor=agency_staff, proposal=proposal, body=f"Comment {c}"
            )
    client.force_login(member)
    counts = {}
    for name, args in (("proposals", ()), ("proposal", (1,))):
        client.get(url(community, name, *args))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(community, name, *args)).status_code == 200
        counts[name] = len(queries)
    # session, person, memberships, unread count; then the list: proposals with their versions;
    # a proposal: it with its counts, its versions, its thread with the authors.
    assert counts == {"proposals": 6, "proposal": 7}


def test_a_coordinator_acting_for_an_offline_member_records_their_vote(
    client, community, member, coordinator, governed
):
    from coproduce.communities.services import memberships as memberships_services
    from coproduce.governance.models import Participation
    from coproduce.governance.services import proposals as proposals_services
    from tests.conftest import make_person

    dorothy = make_person(None, "Dorothy Evans", phone="01632 960002", is_offline=True)
    memberships_services.membership_add(actor=None, community=community, person=dorothy)
    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="Tests"
    )
    proposal = proposals_services.proposal_draft(
        actor=member, community=community, kind="general", title="A bench", body="Here."
    )
    start_voting(proposal)
    client.force_login(coordinator)
    number = dorothy.memberships.get(community=community).number
    assert client.post(url(community, "acting_start", number)).status_code == 302
    voted = client.post(url(community, "proposal_vote", 1), {"choice": "yes"}, follow=True)
    assert "Dorothy Evans's vote is counted, recorded by you at their request" in text(voted)
    recorded = Participation.objects.get(proposal=proposal, person=dorothy)
    assert recorded.recorded_by == coordinator
    assert not Participation.objects.filter(proposal=proposal, person=coordinator).exists()
