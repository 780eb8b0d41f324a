"""Reads of proposals: one with its current version, a community's list, the electorate."""

from __future__ import annotations

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import NotFound

from ..access import access_proposal
from ..models import Proposal, ProposalVersion


def current_version(proposal: Proposal) -> ProposalVersion:
    """The latest version: the text discussed now, and the one voted on."""
    version = proposal.versions.order_by("-number").first()
    if version is None:  # every proposal is drafted with its first version
        raise NotFound("No such proposal.")
    return version


def proposal_get(community, viewer, number: int) -> Proposal:
    """Proposal P-`number` of the community, for a member. Raises NotFound."""
    try:
        proposal = Proposal.objects.select_related("community", "author").get(
            community=community, number=number
        )
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such proposal.") from None
    access_proposal(viewer, proposal)
    return proposal


def electorate(community) -> int:
    """The active members who may vote: the quorum's base at close."""
    return memberships_selectors.active_members_count(community)
