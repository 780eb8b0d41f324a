"""What governance tells people, through `notifications` (each by their own email choice):
the people taking part in a proposal (its author, co-signers and commenters) when it goes
forward for discussion and when voting opens, and them and everyone who voted when it is
decided. Called inside the services' transactions, so a notice commits with its change."""

from __future__ import annotations

from django.utils import formats

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.notifications.services import notifications as notifications_services

from ..models import Proposal, ProposalStage
from ..selectors import proposals as proposals_selectors


def _when(proposal: Proposal, moment) -> str:
    local = communities_selectors.local_now(proposal.community, moment)
    return formats.date_format(local, "j F Y, H:i")


def _tell(proposal: Proposal, people, *, kind: str, title: str, body: str) -> int:
    for person in people:
        notifications_services.notify(
            person=person, kind=kind, title=title, body=body, community=proposal.community
        )
    return len(people)


def discussion_started(proposal: Proposal, title: str) -> int:
    assert proposal.voting_opens_at is not None and proposal.voting_closes_at is not None
    return _tell(
        proposal,
        proposals_selectors.people_taking_part(proposal),
        kind="proposal_discussion",
        title=f"{proposal.code} goes forward for discussion: {title}",
        body=(
            f"It has its co-signers. Comments and amendments are open until voting opens on "
            f"{_when(proposal, proposal.voting_opens_at)}; voting closes on "
            f"{_when(proposal, proposal.voting_closes_at)}."
        ),
    )


def voting_opened(proposal: Proposal, title: str) -> int:
    assert proposal.voting_closes_at is not None
    return _tell(
        proposal,
        proposals_selectors.people_taking_part(proposal),
        kind="proposal_voting",
        title=f"Voting is open on {proposal.code}: {title}",
        body=f"Voting closes on {_when(proposal, proposal.voting_closes_at)}.",
    )


def decided(proposal: Proposal, title: str) -> int:
    outcome = "adopted" if proposal.stage == ProposalStage.ADOPTED else "not adopted"
    lines = (proposal.result or {}).get("lines") or []
    return _tell(
        proposal,
        proposals_selectors.people_taking_part(proposal, voters=True),
        kind="proposal_decided",
        title=f"{proposal.code} was {outcome}: {title}",
        body="\n".join(lines),
    )
