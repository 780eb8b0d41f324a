"""Governance in the weekly digest (issue 12, part 10): what a person's communities are deciding
(votes open, proposals gone forward, decisions made since the last digest) reaches them even
when no listing fits, with links to the proposals; nothing of another community's."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.utils import timezone

from coproduce.communities.services import communities as communities_services
from coproduce.governance.selectors import digest as digest_selectors
from coproduce.governance.services import proposals as proposals_services
from coproduce.notifications.models import Notification
from coproduce.notifications.services import digest as digest_services
from tests.governance.test_proposals import start_voting


def test_a_vote_open_reaches_the_digest_with_its_link(
    community, member, other_member, coordinator, rules
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="Tests"
    )
    proposal = proposals_services.proposal_draft(
        actor=member, community=community, kind="general", title="A bench", body="Here."
    )
    news = digest_selectors.governance_news(
        coordinator, since=timezone.now() - dt.timedelta(days=7)
    )
    assert news == [(community, [("Under discussion, P-1: A bench", "/c/riverside/proposals/1/")])]
    start_voting(proposal)
    assert digest_selectors.governance_news(other_member, since=timezone.now()) == []

    assert digest_services.digest_send(coordinator) is True
    sent = Notification.objects.get(person=coordinator, kind="digest")
    assert sent.title == "Your weekly digest: what your community is deciding"
    assert "Vote open on P-1: A bench" in sent.body and sent.url == "/c/riverside/proposals/1/"
    assert "Deciding in Riverside" in mail.outbox[-1].body
    assert "/c/riverside/proposals/1/" in mail.outbox[-1].body


def test_every_proposal_notice_links_to_the_proposal(community, member, rules):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"proposal_cosigners": 0}, reason="Tests"
    )
    proposal = proposals_services.proposal_draft(
        actor=member, community=community, kind="general", title="A bench", body="Here."
    )
    start_voting(proposal)
    told = Notification.objects.filter(person=member, kind__startswith="proposal_")
    assert told.count() == 2
    assert set(told.values_list("url", flat=True)) == {"/c/riverside/proposals/1/"}
