"""The broker queue: what needs a person. Three lists for the coordinators, each oldest first:

- requests nobody has answered after the community's `broker_unanswered_days`: no one but the
  owner has written in a conversation about it, no exchange links to it, and no coordinator has
  introduced anyone about it;
- gifts never used: members with an offer or a gift on their profile, joined at least that many
  days ago, who have never given help in an exchange;
- new members who joined 30 or more days ago and have had no exchange at all.

Reads only. The listings, exchanges and memberships come from the exchanges and communities
selectors; this module adds what messaging knows (conversations, introductions). A page reads a
fixed number of queries however long the lists are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.exchanges.selectors import references as references_selectors

from ..models import Introduction, Message
from .introductions import introduction_counts
from .pass_on import messages_waiting_count

NEW_MEMBER_DAYS = 30
ROWS = 50


@dataclass
class BrokerQueue:
    days: int
    requests: list[Any] = field(default_factory=list)  # Listing, with owner_number, introduced_at
    unused: list[Any] = field(
        default_factory=list
    )  # Membership, with offers, has_gift, introduced_at
    newcomers: list[Any] = field(default_factory=list)  # Membership, with introduced_at
    counts: dict[str, int] = field(default_factory=dict)


def _introduced(person_field: str) -> Subquery:
    """When the person was last introduced to someone, for the rows about people."""
    return Subquery(
        Introduction.objects.filter(community_id=OuterRef("community_id"))
        .filter(Q(first_id=OuterRef(person_field)) | Q(second_id=OuterRef(person_field)))
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def unanswered_requests(community, *, now: dt.datetime, days: int) -> QuerySet:
    """Active requests older than `days` that nobody has answered, oldest first."""
    answered_by_message = Message.objects.filter(conversation__listing_id=OuterRef("pk")).exclude(
        sender_id=OuterRef("owner_id")
    )
    introduced = Introduction.objects.filter(listing_id=OuterRef("pk"))
    return (
        listings_selectors.requests_without_exchange(
            community, posted_before=now - dt.timedelta(days=days)
        )
        .filter(owner_id__in=memberships_selectors.active_member_ids(community))
        .exclude(Exists(answered_by_message))
        .exclude(Exists(introduced))
        .order_by("created_at", "id")
    )


def gifts_unused(community, *, now: dt.datetime, days: int) -> QuerySet:
    """Members who joined `days` or more ago with an offer or a gift on their profile and who
    have never given help in an exchange here, longest-standing first."""
    offers = listings_selectors.offers_active(community).filter(owner_id=OuterRef("person_id"))
    given = exchanges_selectors.participations(community, role="provider").filter(
        person_id=OuterRef("person_id")
    )
    offer_title = (
        listings_selectors.offers_active(community)
        .filter(owner_id=OuterRef("person_id"))
        .order_by("-created_at", "-id")
        .values("title")[:1]
    )
    return (
        memberships_selectors.memberships_joined_before(community, now - dt.timedelta(days=days))
        .annotate(
            has_offer=Exists(offers),
            offer_title=Subquery(offer_title),
            introduced_at=_introduced("person_id"),
        )
        .filter(Q(has_offer=True) | Q(has_gift=True))
        .exclude(Exists(given))
        .order_by("joined_at", "id")
    )


def newcomers_without_exchange(community, *, now: dt.datetime) -> QuerySet:
    """Members who joined 30 or more days ago and have had no exchange at all, newest first:
    the ones who have only just slipped past a month are the likeliest to still be reached."""
    any_exchange = exchanges_selectors.participations(community).filter(
        person_id=OuterRef("person_id")
    )
    return (
        memberships_selectors.memberships_joined_before(
            community, now - dt.timedelta(days=NEW_MEMBER_DAYS)
        )
        .annotate(introduced_at=_introduced("person_id"))
        .exclude(Exists(any_exchange))
        .order_by(F("joined_at").desc(), "-id")
    )


def broker_counts(
    community, *, now: dt.datetime | None = None, days: int | None = None
) -> dict[str, int]:
    """How long each list is. One query per list (plus the rulebook unless `days` is given)."""
    now = now or timezone.now()
    days = (
        days
        if days is not None
        else communities_selectors.rules_for(community)["broker_unanswered_days"]
    )
    return {
        "requests": unanswered_requests(community, now=now, days=days).count(),
        "unused": gifts_unused(community, now=now, days=days).count(),
        "newcomers": newcomers_without_exchange(community, now=now).count(),
    }


def broker_queue(community, *, now: dt.datetime | None = None, limit: int = ROWS) -> BrokerQueue:
    """The three lists (each at most `limit` rows) and their full lengths. Eight queries: the
    rulebook, three counts, three lists, and the request owners' member numbers."""
    now = now or timezone.now()
    days = communities_selectors.rules_for(community)["broker_unanswered_days"]
    queue = BrokerQueue(days=days, counts=broker_counts(community, now=now, days=days))
    queue.requests = list(unanswered_requests(community, now=now, days=days)[:limit])
    queue.unused = list(gifts_unused(community, now=now, days=days)[:limit])
    queue.newcomers = list(newcomers_without_exchange(community, now=now)[:limit])
    numbers = memberships_selectors.member_numbers(
        community, {listing.owner_id for listing in queue.requests}
    )
    for listing in queue.requests:
        listing.owner_number = numbers.get(listing.owner_id)
    return queue


def month_start(community, now: dt.datetime) -> dt.datetime:
    """Midnight on the first of this month where the community is."""
    local = now.astimezone(communities_selectors.community_zone(community))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def coordinator_counts(community, viewer, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The figures on the coordinators' dashboard: the broker queue's lists, messages waiting to
    be passed on, introductions this month and in all, and open concerns the viewer may read.
    Seven queries."""
    now = now or timezone.now()
    return {
        "needs": broker_counts(community, now=now),
        "pass_on": messages_waiting_count(community),
        "introductions": introduction_counts(community, since=month_start(community, now)),
        "concerns": references_selectors.concerns_open_count(community, viewer),
    }
