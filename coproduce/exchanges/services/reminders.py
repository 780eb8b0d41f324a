"""Telling owners before their listings lapse, and renewing them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff
from coproduce.core.errors import Conflict

from ..models import (
    Listing,
    ListingStatus,
)
from .exchanges import _notify
from .listings import (
    LISTING_DEFAULT_MONTHS,
    _check_listing_actor,
    _lock_listing,
    _search_index_sync,
    add_months,
)

LISTING_REMIND_DAYS = 7


def listing_renew(*, actor: Actor, listing: Listing, now: dt.datetime | None = None) -> Listing:
    """The owner or a coordinator keeps a listing up for another LISTING_DEFAULT_MONTHS from
    now (an expired one comes back). Clears the reminder, so the owner is told again before
    the new date. Raises PermissionDenied, NotFound, Conflict (`listing_closed`)."""
    _check_listing_actor(actor, listing)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = _lock_listing(listing)
        if locked.status == ListingStatus.CLOSED:
            raise Conflict("This listing is closed; post a new one instead.", code="listing_closed")
        old = {"status": locked.status, "expires_at": locked.expires_at}
        locked.expires_at = max(add_months(now, LISTING_DEFAULT_MONTHS), locked.expires_at)
        locked.status = ListingStatus.ACTIVE
        locked.reminded_at = None
        locked.updated_at = now
        locked.save(update_fields=["expires_at", "status", "reminded_at", "updated_at"])
        if old["status"] != ListingStatus.ACTIVE:
            _search_index_sync(locked)
        audit_record(
            actor=actor,
            on_behalf_of=locked.owner,
            action="listing.renew",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.owner_id,
            changes=diff(old, {"status": locked.status, "expires_at": locked.expires_at}),
        )
    return locked


def listings_remind(now: dt.datetime | None = None) -> int:
    """The periodic job: tell the owner of each active listing that lapses within
    LISTING_REMIND_DAYS, once (until it is renewed). Returns how many were reminded."""
    now = now or timezone.now()
    done = 0
    due = Listing.objects.filter(
        status=ListingStatus.ACTIVE,
        reminded_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + dt.timedelta(days=LISTING_REMIND_DAYS),
    ).order_by("pk")
    for listing_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic(durable=True):
            locked = _lock_listing(Listing(pk=listing_id))
            if (
                locked.status != ListingStatus.ACTIVE
                or locked.reminded_at is not None
                or not now < locked.expires_at <= now + dt.timedelta(days=LISTING_REMIND_DAYS)
            ):
                continue
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            audit_record(
                actor=None,
                action="listing.remind",
                subject=locked,
                community_id=locked.community_id,
                person_id=locked.owner_id,
                changes={"reminded_at": [None, now.isoformat()]},
            )
            _remind_owner(locked)
            done += 1
    return done


def _remind_owner(listing: Listing) -> None:
    """Tell the owner in their notification centre (and by email if they want each one)."""
    community = listing.community
    until = communities_selectors.local_now(community, listing.expires_at)
    kind = listing.get_kind_display().lower()
    _notify(
        [listing.owner],
        f"Your {kind} \u201c{listing.title}\u201d ends on {until:%-d %B}",
        f"Your {kind} \u201c{listing.title}\u201d in {community.name} is shown until "
        f"{until:%-d %B %Y}. If you still want it up, renew it for three months from its page; if "
        "not, there is nothing to do.",
        kind="listing_expiring",
        community=community,
        url=f"/c/{community.slug}/listings/{listing.pk}/",
    )
