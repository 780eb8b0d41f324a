"""Who may do what in governance. Outsiders get NotFound; members without the standing
(too new to propose, the author co-signing their own draft) get PermissionDenied."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.coproduction import access as coproduction_access
from coproduce.core.errors import NotFound, PermissionDenied

from .models import Commitment, DisputeStage, Proposal


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
    community_access.access_not_suspended(person, community)
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
    community_access.access_not_suspended(person, proposal.community)


def access_follow_up(person, proposal: Proposal) -> None:
    """Recording what follows an adopted decision (its commitments and its result): the
    community's coordinators (and operators)."""
    access_proposal(person, proposal)
    community_access.access_coordinate(person, proposal.community)


def is_ask_answerer(person, proposal: Proposal) -> bool:
    """Staff of the agency an ask is addressed to answer it."""
    return proposal.agency is not None and coproduction_access.is_staff_of(person, proposal.agency)


def access_answer_ask(person, proposal: Proposal) -> None:
    """The staff of the agency an adopted ask is addressed to; others who can see it get
    PermissionDenied."""
    access_proposal(person, proposal)
    community_access.access_not_suspended(person, proposal.community)
    if not is_ask_answerer(person, proposal):
        raise PermissionDenied(
            "Only the staff of the agency asked answer for it.", code="not_agency_staff"
        )


def may_note_commitment(person, commitment: Commitment) -> bool:
    """Its owner (the member, or staff of the agency) and the community's coordinators write
    progress on a commitment."""
    community = commitment.proposal.community
    if community_access.is_coordinator(person, community):
        return True
    if commitment.owner_person_id is not None and commitment.owner_person_id == person.pk:
        return True
    return commitment.owner_agency is not None and coproduction_access.is_staff_of(
        person, commitment.owner_agency
    )


def access_note_commitment(person, commitment: Commitment) -> None:
    access_proposal(person, commitment.proposal)
    community_access.access_not_suspended(person, commitment.proposal.community)
    if not may_note_commitment(person, commitment):
        raise PermissionDenied(
            "The commitment's owner and coordinators write its progress.", code="not_the_owner"
        )


# --- participatory budgeting ---


def access_budget(person, budget) -> None:
    """Members of the round's community (and operators) see it and its counting; others get
    NotFound."""
    try:
        community_access.access_community(person, budget.community)
    except NotFound:
        raise NotFound("No such budget round.") from None


def access_budget_vote(person, budget) -> None:
    """Active members of the round's community vote; an operator who is not one does not, and
    anyone else gets NotFound."""
    access_budget(person, budget)
    if community_access.membership_of(person, budget.community) is None:
        raise PermissionDenied("Only members vote.", code="not_a_member")
    community_access.access_not_suspended(person, budget.community)


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


def access_act_on_proposal(person, proposal: Proposal) -> None:
    """Writing on a proposal one may see (a comment, accepting an amendment, withdrawing it):
    not while suspended (`suspended`)."""
    access_proposal(person, proposal)
    community_access.access_not_suspended(person, proposal.community)


# --- sanctions ---
PANEL_ROLES = {"coordinator", "steward"}


def access_sanction(person, sanction) -> None:
    """The sanctioned member, and the community's coordinators and stewards (who list them and
    sit on appeal panels), see a sanction; every other member and outsider gets NotFound: members
    see only their own sanctions."""
    try:
        community_access.access_community(person, sanction.community)
    except NotFound:
        raise NotFound("No such sanction.") from None
    if getattr(person, "pk", None) == sanction.person_id:
        return
    if not community_access.roles_in(person, sanction.community) & {*PANEL_ROLES, "operator"}:
        raise NotFound("No such sanction.")


def access_appeal(person, sanction) -> None:
    """Only the sanctioned member appeals their own sanction (a suspended member may: the one
    write a suspension leaves open besides messaging a coordinator)."""
    access_sanction(person, sanction)
    if getattr(person, "pk", None) != sanction.person_id:
        raise PermissionDenied("Only the member sanctioned may appeal.", code="not_your_sanction")


def on_appeal_panel(person, sanction) -> bool:
    """Whether `person` sits on the appeal panel for `sanction`: an active coordinator or steward
    of its community (or an operator), not whoever decided it and not the member appealing."""
    if person is None or not getattr(person, "is_authenticated", False):
        return False
    if person.pk in (sanction.decided_by_id, sanction.person_id):
        return False
    roles = community_access.roles_in(person, sanction.community)
    return bool(roles & {*PANEL_ROLES, "operator"})


def access_appeal_decide(person, sanction) -> None:
    """The appeal panel records the outcome. Raises NotFound (outsider, another member),
    PermissionDenied (`suspended`; `not_on_panel`: whoever decided the sanction, the member)."""
    access_sanction(person, sanction)
    community_access.access_not_suspended(person, sanction.community)
    if not on_appeal_panel(person, sanction):
        raise PermissionDenied(
            "The appeal goes to the coordinators and stewards who did not decide the sanction.",
            code="not_on_panel",
        )
