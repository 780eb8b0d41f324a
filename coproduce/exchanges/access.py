"""Who may see an exchange (the people in it and the community's coordinators; others get
NotFound), who may answer it, and who may see listings."""

from __future__ import annotations

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound, PermissionDenied

from .models import Exchange, ExchangeStatus, Listing, ListingVisibility


def access_exchange(person, exchange: Exchange) -> None:
    if community_access.is_coordinator(person, exchange.community):
        return
    if community_access.membership_of(person, exchange.community) is None:
        raise NotFound("No such exchange.")
    # The participants the exchange was read with (`selectors.exchange_get`), or one query.
    if all(part.person_id != person.pk for part in exchange.participants.all()):
        raise NotFound("No such exchange.")


# Who may answer an exchange -----------------------------------------------------------------------
# One rule, enforced by the services (services/answers.py) and asked in advance by the exchange's
# page and the API's exchange detail (selectors.exchanges.exchange_detail's actions): confirm and
# decline are for the side that did not record it; dispute for either side. Whether the exchange
# still waits for an answer is the services' Conflict, not a refusal here.


def _sides(exchange: Exchange) -> dict[int, str]:
    """Each participant's role (provider or recipient), from the participants the exchange was
    read with."""
    return {part.person_id: part.role for part in exchange.participants.all()}


def answer_refusal(person, exchange: Exchange, *, dispute: bool = False) -> PermissionDenied | None:
    """Why `person` (the actor, or the member a coordinator acts for) may not confirm or decline
    this exchange (with `dispute`, dispute it); None when they may."""
    roles = _sides(exchange)
    side = roles.get(person.pk)
    if side is None:
        verb = "dispute" if dispute else "answer"
        return PermissionDenied(
            f"Only the people in this exchange can {verb} it.", code="not_a_participant"
        )
    recorder = exchange.recorded_for_id
    if not dispute and recorder is not None and roles.get(recorder) == side:
        return PermissionDenied(
            "The other person confirms: you cannot confirm or decline hours your side recorded.",
            code="own_record",
        )
    return None


def access_answer(person, exchange: Exchange, *, dispute: bool = False) -> None:
    """Raises the answer_refusal, if there is one."""
    refusal = answer_refusal(person, exchange, dispute=dispute)
    if refusal is not None:
        raise refusal


def may_answer(person, exchange: Exchange, *, dispute: bool = False) -> bool:
    """Whether a confirm or decline (with `dispute`, a dispute) by `person` would be taken now:
    the exchange waits for an answer and the rule above lets them."""
    return (
        exchange.status == ExchangeStatus.RECORDED
        and answer_refusal(person, exchange, dispute=dispute) is None
    )


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
