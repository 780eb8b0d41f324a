"""Who may read the ledger: an hours account and its statement, a transfer, a member's
statement. The account's holder and the community's coordinators; anyone else gets NotFound
(so ids cannot be probed), except a member asking for another member's statement, who is
refused."""

from __future__ import annotations

from typing import Any

from coproduce.communities import access as community_access
from coproduce.core.actors import Actor
from coproduce.core.errors import NotFound, PermissionDenied

from .models import Account, AnyCommunity, Transfer


def access_member_statement(person: Actor, community: AnyCommunity, membership: Any) -> None:
    """A member's statement: the member themselves and the community's coordinators. Other
    members are refused; outsiders get NotFound."""
    community_access.access_member_record(person, community, membership)
    if membership.person_id != getattr(person, "pk", None) and not community_access.is_coordinator(
        person, community
    ):
        raise PermissionDenied(
            "Only the member and the coordinators can see a member's statement.", code="forbidden"
        )


def access_account(person: Actor, community: AnyCommunity, account: Account) -> None:
    """An hours account and its statement: its holder and the community's coordinators. Anyone
    else, members included, gets NotFound, so account ids cannot be probed (the community fund's
    names and reasons are for coordinators: members read the fund through its own page)."""
    community_access.access_community(person, community)
    if account.community_id != community.pk:
        raise NotFound("No such account.")
    if community_access.is_coordinator(person, community):
        return
    if account.person_id is None or account.person_id != getattr(person, "pk", None):
        raise NotFound("No such account.")


def access_transfer(person: Actor, community: AnyCommunity, transfer: Transfer) -> None:
    """A transfer: the community's coordinators, and the holders of the accounts it moves
    (its postings must be loaded with their accounts). Others get NotFound."""
    community_access.access_community(person, community)
    if transfer.community_id != community.pk:
        raise NotFound("No such transfer.")
    if community_access.is_coordinator(person, community):
        return
    if not any(p.account.person_id == getattr(person, "pk", None) for p in transfer.postings.all()):
        raise NotFound("No such transfer.")


def sees_fund_details(person: Actor, community: AnyCommunity) -> bool:
    """Whether the viewer of the community fund sees who gave or received and why (a grant's
    reason can be about someone's health or money): the community's coordinators. Every member
    sees the fund's balance and movements."""
    return community_access.is_coordinator(person, community)
