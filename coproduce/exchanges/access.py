"""Who may see an exchange: the people in it and the community's coordinators. Others get
NotFound."""

from __future__ import annotations

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound, PermissionDenied

from .models import Exchange


def access_exchange(person, exchange: Exchange) -> None:
    if community_access.is_coordinator(person, exchange.community):
        return
    if community_access.membership_of(person, exchange.community) is None:
        raise NotFound("No such exchange.")
    if not exchange.participants.filter(person_id=person.pk).exists():
        raise NotFound("No such exchange.")


def access_member_statement(person, community, membership) -> None:
    """A member's statement: the member themselves and the community's coordinators. Other
    members are refused; outsiders get NotFound."""
    community_access.access_member_record(person, community, membership)
    if membership.person_id != getattr(person, "pk", None) and not community_access.is_coordinator(person, community):
        raise PermissionDenied("Only the member and the coordinators can see a member's statement.", code="forbidden")
