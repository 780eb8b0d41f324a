"""Who may do what in governance. Outsiders get NotFound; members without the standing
(too new to propose, the author co-signing their own draft) get PermissionDenied."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound, PermissionDenied

from .models import Proposal


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


def on_panel(person, sanction) -> bool:
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
    if not on_panel(person, sanction):
        raise PermissionDenied(
            "The appeal goes to the coordinators and stewards who did not decide the sanction.",
            code="not_on_panel",
        )
