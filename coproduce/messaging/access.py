"""Who may message whom. Members of the community only; outsiders get NotFound."""

from __future__ import annotations

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound


def access_messages(person, community) -> None:
    """Messages are between members: operators who are not members have no inbox here."""
    if community_access.membership_of(person, community) is None:
        raise NotFound("No such community, or you are not a member of it.")
