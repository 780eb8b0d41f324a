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
            person=person,
            kind=kind,
            title=title,
            body=body,
            url=_path(proposal),
            community=proposal.community,
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


def _path(proposal: Proposal) -> str:
    return f"/c/{proposal.community.slug}/proposals/{proposal.number}/"


def closes_soon(proposal: Proposal, title: str) -> int:
    """A day before voting closes: the active members who have not voted."""
    assert proposal.voting_closes_at is not None
    people = proposals_selectors.members_not_voted(proposal)
    for person in people:
        notifications_services.notify(
            person=person,
            kind="proposal_closing",
            title=f"Voting on {proposal.code} closes tomorrow: {title}",
            body=f"Voting closes on {_when(proposal, proposal.voting_closes_at)}.",
            url=_path(proposal),
            community=proposal.community,
        )
    return len(people)


def ask_adopted(proposal: Proposal, title: str) -> int:
    """An adopted ask: the staff of the agency it is addressed to, with the day the answer is
    due."""
    assert proposal.agency is not None and proposal.answer_due_on is not None
    people = proposals_selectors.agency_staff(proposal.agency)
    for person in people:
        notifications_services.notify(
            person=person,
            kind="ask_to_answer",
            title=f"{proposal.community.name} asks {proposal.agency.name}: {title}",
            body=(
                f"The members adopted {proposal.code}. Please answer in public by "
                f"{formats.date_format(proposal.answer_due_on, 'j F Y')}: agree, agree in part "
                "or decline, with your reasons."
            ),
            url=_path(proposal),
            community=proposal.community,
        )
    return len(people)


def ask_answered(proposal: Proposal, answer) -> int:
    people = proposals_selectors.people_taking_part(proposal, voters=True)
    for person in people:
        notifications_services.notify(
            person=person,
            kind="ask_answered",
            title=f"{proposal.agency.name if proposal.agency else 'The agency'} answered "
            f"{proposal.code}: {answer.get_answer_display()}",
            body=answer.reasons,
            url=_path(proposal),
            community=proposal.community,
        )
    return len(people)


def commitment_made(commitment) -> int:
    """The member a commitment is given to is told (agencies and groups read it on the page)."""
    if commitment.owner_person_id is None:
        return 0
    proposal = commitment.proposal
    notifications_services.notify(
        person=commitment.owner_person,
        kind="commitment",
        title=f"A commitment from {proposal.code} is yours: {commitment.what}",
        body=f"Due on {formats.date_format(commitment.due_on, 'j F Y')}.",
        url=_path(proposal),
        community=proposal.community,
    )
    return 1


def review_asked(proposal: Proposal, title: str) -> int:
    people = proposals_selectors.active_members(proposal.community)
    for person in people:
        notifications_services.notify(
            person=person,
            kind="decision_review",
            title=f"Did {proposal.code} do what it meant to? {title}",
            body="It is time to look back at this decision: say whether it worked.",
            url=_path(proposal),
            community=proposal.community,
        )
    return len(people)
