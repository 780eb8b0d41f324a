from __future__ import annotations

import datetime as dt
import importlib
from unittest import mock

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Category, Listing, ListingStatus
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.exchanges.selectors import search as search_selectors
from coproduce.exchanges.services import listings as listings_services
from coproduce.ops.periodic import run_periodic_now


def post(community, actor, **values):
    values.setdefault("kind", "offer")
    values.setdefault("title", "Help with the garden")
    values.setdefault("category", "gardening")
    return listings_services.listing_create(actor=actor, community=community, **values)


def audit_actions(listing):
    return list(
        AuditEvent.objects.filter(subject_type="exchanges.listing", subject_id=str(listing.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_it_loads_the_default_taxonomy(community):
    defaults = Category.objects.filter(community=None)
    assert 35 <= defaults.count() <= 50
    assert {c.group for c in defaults} == {
        "home",
        "garden",
        "transport",
        "learning",
        "care",
        "health",
        "digital",
        "creative",
        "admin",
        "community",
    }


def test_it_creates_a_listing_with_defaults_and_an_audit_row(community, member):
    before = timezone.now()
    listing = post(
        community,
        member,
        description="<script>alert(1)</script>\nWeeding, pruning.",
        tags=["Weeding", "pruning", "weeding"],
        availability=["tue-am", "mon-am"],
        lat=51.507351,
        lng=-0.127758,
        neighbourhood="Old docks",
    )
    listing.refresh_from_db()
    assert listing.owner == member and listing.status == ListingStatus.ACTIVE
    assert listing.description.startswith("<script>")  # stored as given, escaped when shown
    assert listing.tags == ["weeding", "pruning"]
    assert listing.availability == ["mon-am", "tue-am"]
    assert (listing.lat, listing.lng) == (51.507, -0.128)  # about 100 m, never the exact address
    assert (
        listings_services.add_months(before, 3)
        <= listing.expires_at
        <= listings_services.add_months(timezone.now(), 3)
    )
    event = AuditEvent.objects.get(action="listing.create")
    assert event.actor_id == member.pk and event.changes["title"] == [None, "Help with the garden"]


def test_it_updates_and_closes_with_audit_rows(community, member, coordinator):
    listing = post(community, member)
    listings_services.listing_update(
        actor=member, listing=listing, title="Help with hedges", visibility="public"
    )
    listing.refresh_from_db()
    assert (listing.title, listing.visibility) == ("Help with hedges", "public")
    event = AuditEvent.objects.get(action="listing.update")
    assert event.changes == {
        "title": ["Help with the garden", "Help with hedges"],
        "visibility": ["community", "public"],
    }
    listings_services.listing_close(actor=coordinator, listing=listing, reason="Found help")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.CLOSED and listing.closed_at is not None
    assert audit_actions(listing) == ["listing.create", "listing.update", "listing.close"]
    with pytest.raises(Conflict):
        listings_services.listing_close(actor=member, listing=listing)
    with pytest.raises(Conflict):
        listings_services.listing_update(actor=member, listing=listing, title="Again")


def test_it_writes_no_audit_row_for_an_update_that_changes_nothing(community, member):
    listing = post(community, member)
    listings_services.listing_update(actor=member, listing=listing, title="Help with the garden")
    assert audit_actions(listing) == ["listing.create"]


def test_it_lets_only_the_owner_or_a_coordinator_change_a_listing(
    community, member, agency_staff, other_member
):
    listing = post(community, member)
    with pytest.raises(PermissionDenied):
        listings_services.listing_update(actor=agency_staff, listing=listing, title="Mine now")
    with pytest.raises(NotFound):
        listings_services.listing_close(actor=other_member, listing=listing)
    with pytest.raises(NotFound):
        post(community, other_member)
    with pytest.raises(PermissionDenied):
        post(community, agency_staff, owner=member)
    assert Listing.objects.get().title == "Help with the garden"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"category": 999_999}, "category"),
        ({"title": "x" * 121}, "title"),
        ({"title": "  "}, "title"),
        ({"description": "y" * 4001}, "description"),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "expires_at"),
        ({"expires_at": timezone.now() + dt.timedelta(days=370)}, "expires_at"),
        ({"lat": 200, "lng": 0}, "point"),
        ({"lat": 10, "lng": None}, "point"),
        ({"lat": float("nan"), "lng": 0}, "point"),
        ({"title": "Help\x00 me"}, "title"),
        ({"description": "Line one\x1b[31m red"}, "description"),
        ({"tags": ["two words"]}, "tags"),
        ({"tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"availability": ["mon-night"]}, "availability"),
        ({"kind": "swap"}, "kind"),
        ({"mode": "teleport"}, "mode"),
        ({"visibility": "secret"}, "visibility"),
    ],
)
def test_it_refuses_bad_input_and_stores_nothing(community, member, values, field):
    with pytest.raises(ValidationFailed) as exc:
        post(community, member, **values)
    assert field in exc.value.fields
    assert (
        not Listing.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="listing").exists()
    )


def test_it_refuses_allied_visibility_until_federation_works(community, member):
    with pytest.raises(ValidationFailed) as exc:
        post(community, member, visibility="allied")
    assert "Allied communities are not connected yet" in exc.value.fields["visibility"][0]
    assert not Listing.objects.exists()
    listing = post(community, member)
    with pytest.raises(ValidationFailed) as exc:
        listings_services.listing_update(actor=member, listing=listing, visibility="allied")
    assert list(exc.value.fields) == ["visibility"]
    listing.refresh_from_db()
    assert listing.visibility == "community" and audit_actions(listing) == ["listing.create"]


def test_it_refuses_an_update_with_bad_input_and_changes_nothing(community, member):
    listing = post(community, member)
    with pytest.raises(ValidationFailed):
        listings_services.listing_update(actor=member, listing=listing, title="New", lat=0, lng=999)
    listing.refresh_from_db()
    assert listing.title == "Help with the garden" and audit_actions(listing) == ["listing.create"]


def test_it_refuses_another_communitys_category(
    community, other_community, member, coordinator, operator
):
    theirs = Category.objects.create(
        community=other_community, group="home", slug="boat-repair", name="Boat repair"
    )
    with pytest.raises(ValidationFailed) as exc:
        post(community, member, category=theirs.pk)
    assert "category" in exc.value.fields


def test_it_needs_the_vetting_level_for_listings_at_home(community, member, coordinator):
    with pytest.raises(PermissionDenied) as exc:
        post(community, member, mode="at_home")
    assert exc.value.code == "vetting_required"
    listing = post(community, member, mode="remote")
    with pytest.raises(PermissionDenied):
        listings_services.listing_update(actor=member, listing=listing, mode="at_home")
    assert Listing.objects.get().mode == "remote"
    communities_services.rulebook_change(
        actor=coordinator, community=community, changes={"vetting_home_visit": 0}, reason="Trial"
    )
    assert (
        listings_services.listing_update(actor=member, listing=listing, mode="at_home").mode
        == "at_home"
    )


def test_it_lets_coordinators_add_categories(
    community, other_community, coordinator, member, other_member
):
    category = listings_services.category_add(
        actor=coordinator, community=community, group="community", name="Repair café"
    )
    assert category.slug == "repair-cafe"
    assert AuditEvent.objects.filter(action="category.add", subject_id=str(category.pk)).exists()
    assert category in listings_selectors.categories_for(community)
    assert category not in listings_selectors.categories_for(other_community)
    assert post(community, member, category="repair-cafe").category == category
    with pytest.raises(ValidationFailed):
        listings_services.listing_create(
            actor=other_member,
            community=other_community,
            kind="offer",
            title="Fix",
            category=category.pk,
        )
    with pytest.raises(Conflict):
        listings_services.category_add(
            actor=coordinator, community=community, group="home", name="repair CAFÉ"
        )
    with pytest.raises(Conflict):
        listings_services.category_add(
            actor=coordinator, community=community, group="garden", name="Gardening"
        )
    with pytest.raises(PermissionDenied):
        listings_services.category_add(
            actor=member, community=community, group="home", name="Ironing"
        )
    with pytest.raises(ValidationFailed):
        listings_services.category_add(
            actor=coordinator, community=community, group="nowhere", name="Ironing"
        )


def test_it_expires_listings_past_their_date_with_the_periodic_job(community, member):
    soon = post(community, member, expires_at=timezone.now() + dt.timedelta(days=1))
    later = post(community, member, title="Lifts to the surgery", category="lifts-to-appointments")
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(days=2)
    ):
        ran = {name.split(".")[-1]: count for name, count in run_periodic_now().items()}
        assert ran["expire_listings"] == 1
        assert listings_services.listings_expire() == 0
        page = search_selectors.listing_search(community, member)
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, later.status) == (ListingStatus.EXPIRED, ListingStatus.ACTIVE)
    assert audit_actions(soon) == ["listing.create", "listing.expire"]
    assert [x.pk for x in page.listings] == [later.pk]
    with pytest.raises(Conflict):
        listings_services.listing_update(actor=member, listing=soon, title="Back")


def test_it_hides_listings_from_people_who_may_not_see_them(
    community, member, other_member, outsider
):
    private = post(community, member)
    public = post(
        community, member, title="Lifts", category="lifts-to-appointments", visibility="public"
    )
    assert listings_selectors.listing_get(community, member, private.pk) == private
    with pytest.raises(NotFound):
        listings_selectors.listing_get(community, other_member, private.pk)
    assert listings_selectors.listing_get(community, outsider, public.pk) == public


def test_it_turns_allied_listings_into_members_only_with_an_audit_row(
    client, community, member, outsider
):
    # Listings left with "Allied communities too" (the seeder made them) by migration 0009.
    allied = post(community, member, title="Allied one")
    kept = post(community, member, title="Public one", visibility="public")
    Listing.objects.filter(pk=allied.pk).update(visibility="allied")  # as the older code stored it
    migration = importlib.import_module(
        "coproduce.exchanges.migrations.0009_allied_listings_to_community"
    )
    migration.up(apps, None)
    allied.refresh_from_db()
    kept.refresh_from_db()
    assert (allied.visibility, kept.visibility) == ("community", "public")
    event = AuditEvent.objects.get(
        subject_type="exchanges.listing", subject_id=str(allied.pk), action="listing.update"
    )
    assert event.changes == {"visibility": ["allied", "community"]} and event.person_id == member.pk
    assert "not connected yet" in event.note
    assert audit_actions(kept) == ["listing.create"]
    client.force_login(member)
    page = client.get(reverse("web:listing_detail", args=[community.slug, allied.pk]))
    assert page.status_code == 200 and "Members of this community" in page.content.decode()
    assert search_selectors.listing_search(community, outsider).listings == [kept]
