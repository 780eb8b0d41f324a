"""Who may do what in governance. Outsiders get NotFound; members without the standing
(too new to propose, the author co-signing their own draft) get PermissionDenied."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound, PermissionDenied

from .models import DisputeStage, Proposal


def access_proposal(person, proposal: Proposal) -> None:
    """Members of the proposal's community (and operators) see it; others get NotFound."""
    try:
        community_access.access_community(person, proposal.community)
    except NotFound:
        raise NotFound("No such proposal.") from None


def access_propose(person, community, rules: dict) -> None:
    """Members of `rules["proposal_member_days"]` days or more may draft a proposal."""
    membership = community_access.access_community(person, community)
    days = rules["proposal_member_days"]
    if membership.pk is None:  # an operator, not a member
        raise PermissionDenied("Only members propose.", code="not_a_member")
    if membership.joined_at > timezone.now() - dt.timedelta(days=days):
        raise PermissionDenied(
            f"Members may propose after {days} days of membership.", code="too_new_to_propose"
        )


def access_take_part(person, proposal: Proposal) -> None:
    """Active members of the proposal's community co-sign and vote; an operator who is not one
    does not."""
    membership = community_access.access_community(person, proposal.community)
    if membership.pk is None:
        raise PermissionDenied("Only members take part.", code="not_a_member")


# Disputes -----------------------------------------------------------------------------------------
# A dispute is seen by its parties, its mediator and the community's coordinators (who assign the
# mediator and may sit on the panel); its notes only by the parties, the mediator and, once it
# is escalated, the coordinators not involved (the panel). Everyone else gets NotFound.


def dispute_party_ids(dispute) -> set[int]:
    """The parties' ids, from the parties the dispute was read with (`selectors.disputes`)."""
    return {party.person_id for party in dispute.parties.all()}


def is_involved(person, dispute) -> bool:
    """A party or the mediator: never on the panel."""
    return person.pk in dispute_party_ids(dispute) or person.pk == dispute.mediator_id


def on_panel(person, dispute) -> bool:
    """A coordinator of the community not involved: who may sit on the panel of an escalated
    dispute (operators who are not members do not)."""
    return (
        community_access.membership_of(person, dispute.community) is not None
        and community_access.is_coordinator(person, dispute.community)
        and not is_involved(person, dispute)
    )


def access_dispute(person, dispute) -> None:
    """Parties, the mediator and the community's coordinators see the dispute; others get
    NotFound."""
    if community_access.membership_of(person, dispute.community) is None or not (
        is_involved(person, dispute) or community_access.is_coordinator(person, dispute.community)
    ):
        raise NotFound("No such dispute.")


def may_read_notes(person, dispute) -> bool:
    if is_involved(person, dispute):
        return True
    return dispute.stage in (DisputeStage.ESCALATED, DisputeStage.DECIDED) and on_panel(
        person, dispute
    )


def access_dispute_notes(person, dispute) -> None:
    """The parties, the mediator and (once escalated) the panel read and write the notes; other
    coordinators get PermissionDenied, outsiders NotFound."""
    access_dispute(person, dispute)
    if not may_read_notes(person, dispute):
        raise PermissionDenied(
            "Only the parties, the mediator and the panel read a dispute's notes.",
            code="notes_private",
        )
