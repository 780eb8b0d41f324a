"""Reads of listings: one, a member's own, the categories, the requests nobody has answered (for
the broker queue in messaging) and the new listings that fit a person's weekly digest. Search
is selectors/search.py; suggested matches selectors/matching.py."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from coproduce.core.errors import NotFound

from ..access import access_listing
from ..models import (
    Category,
    Exchange,
    Listing,
    ListingKind,
    ListingStatus,
)
from .matching import listing_words, words_of


def categories_for(community) -> list[Category]:
    """The default taxonomy and the community's own categories, by group and name (`community`:
    the community or its id)."""
    return list(
        Category.objects.filter(Q(community=None) | Q(community=community)).order_by(
            "group", "name", "id"
        )
    )


def categories_kept(community) -> tuple[Category, ...]:
    """`categories_for`, kept in this process's memory under the community's catalogue stamp
    (renewed by every change to a category: `Community.catalogue_changed`), so a page that
    shows them asks the database once per change rather than on every request. Read only: the
    same objects are handed to every caller."""
    return _categories_kept(community.pk, community.catalogue_stamp)


@functools.lru_cache(maxsize=512)
def _categories_kept(community_id: int, stamp: str) -> tuple[Category, ...]:
    return tuple(categories_for(community_id))


def listing_get(community, viewer, listing_id: int) -> Listing:
    """A listing of this community the viewer may see (any status). Raises NotFound."""
    try:
        listing = Listing.objects.select_related("community", "owner", "category").get(
            pk=listing_id, community=community
        )
    except (Listing.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such listing.") from None
    access_listing(viewer, listing)
    return listing


def listings_of(community, owner, *, limit: int = 100) -> list[Listing]:
    """A member's own listings in the community, any status: active first, then newest."""
    return list(
        Listing.objects.filter(community=community, owner=owner)
        .select_related("category")
        .order_by("status", "-created_at", "-id")[:limit]
    )


def requests_without_exchange(community, *, posted_before: dt.datetime) -> QuerySet[Listing]:
    """Active requests posted before the time that no exchange has been arranged or recorded
    from, with owner and category. Messaging narrows it by conversations and introductions."""
    linked = Exchange.objects.filter(community=community, listing_id=OuterRef("pk"))
    return (
        Listing.objects.filter(
            community=community,
            kind=ListingKind.REQUEST,
            status=ListingStatus.ACTIVE,
            created_at__lte=posted_before,
        )
        .exclude(Exists(linked))
        .select_related("owner", "category")
    )


def offers_active(community) -> QuerySet[Listing]:
    return Listing.objects.filter(
        community=community, kind=ListingKind.OFFER, status=ListingStatus.ACTIVE
    )


def listings_for_digest(
    person, *, since: dt.datetime, per_community: int = 10, scan: int = 500
) -> list[tuple[Any, list[Listing]]]:
    """New listings for a person's weekly digest: made after `since` in each community where
    they are an active member (so they may see every listing there), active, not their own, and
    fitting them: requests that their gift profile or their own offers could answer (a shared
    word or the category of one of their offers), and offers that answer one of their own
    requests. Up to `per_community` in each community, best fit then newest first, as
    (community, listings) in the order of the communities' names. Three queries at most."""
    gifts = [g.description for g in person.gifts.all()]
    own = list(
        Listing.objects.filter(owner=person, status=ListingStatus.ACTIVE).select_related("category")
    )
    give = words_of(*gifts)
    need: set[str] = set()
    give_categories: set[int] = set()
    need_categories: set[int] = set()
    for listing in own:
        if listing.kind == ListingKind.OFFER:
            give |= listing_words(listing)
            give_categories.add(listing.category_id)
        else:
            need |= listing_words(listing)
            need_categories.add(listing.category_id)
    if not (give or need or give_categories or need_categories):
        return []
    candidates = (
        Listing.objects.filter(
            community__memberships__person=person,
            community__memberships__status="active",
            status=ListingStatus.ACTIVE,
            expires_at__gt=timezone.now(),
            created_at__gt=since,
        )
        .exclude(owner=person)
        .select_related("category", "community")
        .order_by("-created_at", "-id")[:scan]
    )
    fitting: dict[int, list[tuple[int, Listing]]] = {}
    communities: dict[int, Any] = {}
    for listing in candidates:
        words, categories = (
            (give, give_categories)
            if listing.kind == ListingKind.REQUEST
            else (need, need_categories)
        )
        score = len(listing_words(listing) & words) + (
            2 if listing.category_id in categories else 0
        )
        if score:
            fitting.setdefault(listing.community_id, []).append((score, listing))
            communities[listing.community_id] = listing.community
    found = []
    for community_id, scored in fitting.items():
        # Stable sort: equal fits stay newest first, as they came.
        best = [listing for _score, listing in sorted(scored, key=lambda pair: -pair[0])][
            :per_community
        ]
        found.append((communities[community_id], best))
    return sorted(found, key=lambda pair: pair[0].name)
