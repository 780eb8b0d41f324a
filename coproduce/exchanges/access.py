"""Who may see an exchange: the people in it and the community's coordinators. Others get
NotFound."""

from __future__ import annotations

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound

from .models import Exchange, Listing, ListingVisibility


def access_exchange(person, exchange: Exchange) -> None:
    if community_access.is_coordinator(person, exchange.community):
        return
    if community_access.membership_of(person, exchange.community) is None:
        raise NotFound("No such exchange.")
    # The participants the exchange was read with (`selectors.exchange_get`), or one query.
    if all(part.person_id != person.pk for part in exchange.participants.all()):
        raise NotFound("No such exchange.")


def listing_visibilities(viewer, community) -> list[str]:
    """Which listing visibilities of this community the viewer may see. Members (and
    operators) see them all. Members of allied communities will see `allied` and `public`
    once federation exists (until then no listing is `allied`: the services refuse it);
    everyone else sees `public` only."""
    if community_access.membership_of(viewer, community) is not None or getattr(
        viewer, "is_operator", False
    ):
        return list(ListingVisibility.values)
    return [ListingVisibility.PUBLIC]


def access_public_listings(viewer, community) -> None:
    """A community's public listings page: anyone for a listed community; an unlisted one
    only for its members (and operators), so its name is not given away (NotFound)."""
    if community.is_listed or getattr(viewer, "is_operator", False):
        return
    if community_access.membership_of(viewer, community) is None:
        raise NotFound("No such community.")


def access_listing(viewer, listing: Listing) -> None:
    """A listing the viewer may not see does not exist for them."""
    if listing.visibility not in listing_visibilities(viewer, listing.community):
        raise NotFound("No such listing.")
