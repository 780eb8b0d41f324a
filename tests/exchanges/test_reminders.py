"""Reminding owners before a listing lapses, once, and renewing it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.core.errors import Conflict, PermissionDenied
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import ListingStatus
from coproduce.exchanges.services import listings as listings_services
from coproduce.exchanges.services import reminders as reminders_services
from coproduce.notifications.models import Notification
from coproduce.ops.periodic import run_periodic_now


def post(community, actor, days: float, **values):
    values.setdefault("kind", "request")
    values.setdefault("title", "Help with the garden")
    values.setdefault("category", "gardening")
    return listings_services.listing_create(
        actor=actor,
        community=community,
        expires_at=timezone.now() + dt.timedelta(days=days),
        **values,
    )


def reminders(person):
    return Notification.objects.filter(person=person, kind="listing_expiring")


def test_it_reminds_the_owner_once_not_twice(community, member):
    soon = post(community, member, days=3)
    later = post(community, member, days=30, title="Later")
    assert reminders_services.listings_remind() == 1
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminded_at is not None and later.reminded_at is None
    note = reminders(member).get()
    assert (
        "Help with the garden" in note.title
        and note.url == f"/c/{community.slug}/listings/{soon.pk}/"
    )
    assert note.community_id == community.pk
    assert reminders_services.listings_remind() == 0
    assert reminders(member).count() == 1
    assert AuditEvent.objects.filter(action="listing.remind", subject_id=str(soon.pk)).count() == 1


def test_it_leaves_out_closed_expired_and_far_off_listings(community, member):
    closed = post(community, member, days=2)
    listings_services.listing_close(actor=member, listing=closed)
    post(community, member, days=9.5)  # 7.5 days away then
    lapsed = post(community, member, days=1)
    in_two_days = timezone.now() + dt.timedelta(days=2)
    listings_services.listings_expire(now=in_two_days)
    lapsed.refresh_from_db()
    assert lapsed.status == ListingStatus.EXPIRED
    assert reminders_services.listings_remind(now=in_two_days) == 0
    assert not reminders(member).exists()


def test_it_reminds_again_after_a_renewal(community, member):
    listing = post(community, member, days=3)
    reminders_services.listings_remind()
    listing = reminders_services.listing_renew(actor=member, listing=listing)
    assert listing.reminded_at is None
    assert listing.expires_at >= listings_services.add_months(timezone.now(), 3) - dt.timedelta(
        minutes=1
    )
    assert reminders_services.listings_remind() == 0  # three months away now
    almost = listing.expires_at - dt.timedelta(days=2)
    assert reminders_services.listings_remind(now=almost) == 1
    assert reminders(member).count() == 2
    event = AuditEvent.objects.get(action="listing.renew")
    assert event.actor_id == member.pk and "expires_at" in event.changes


def test_it_clears_the_reminder_when_the_expiry_is_moved_later(community, member):
    listing = post(community, member, days=3)
    reminders_services.listings_remind()
    listings_services.listing_update(
        actor=member, listing=listing, title="Still need help with the garden"
    )
    listing.refresh_from_db()
    assert listing.reminded_at is not None  # another change is not a renewal
    listings_services.listing_update(
        actor=member, listing=listing, expires_at=timezone.now() + dt.timedelta(days=40)
    )
    listing.refresh_from_db()
    assert listing.reminded_at is None


def test_it_renews_an_expired_listing_but_not_a_closed_one(
    community, member, agency_staff, coordinator
):
    listing = post(community, member, days=1)
    listings_services.listings_expire(now=timezone.now() + dt.timedelta(days=2))
    with pytest.raises(PermissionDenied):
        reminders_services.listing_renew(actor=agency_staff, listing=listing)
    renewed = reminders_services.listing_renew(actor=coordinator, listing=listing)
    assert renewed.status == ListingStatus.ACTIVE and renewed.expires_at > timezone.now()
    listings_services.listing_close(actor=member, listing=listing)
    with pytest.raises(Conflict) as refused:
        reminders_services.listing_renew(actor=member, listing=listing)
    assert refused.value.code == "listing_closed"


def test_it_runs_as_a_timed_job(community, member):
    post(community, member, days=2)
    assert run_periodic_now()["remind_listings"] == 1
    assert run_periodic_now()["remind_listings"] == 0
