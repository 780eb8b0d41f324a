"""Listings (offers and requests) and the community's categories: posting, changing, closing,
expiring, and keeping the search index in step."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from coproduce.communities import access as community_access
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from ..models import (
    Category,
    CategoryGroup,
    Listing,
    ListingKind,
    ListingMode,
    ListingStatus,
    ListingVisibility,
)
from . import embeddings, lexicon

LISTING_TITLE_MAX = 120
LISTING_DESCRIPTION_MAX = 4000
LISTING_TAGS_MAX = 10
LISTING_DEFAULT_MONTHS = 3
LISTING_MAX_MONTHS = 12
CATEGORY_NAME_MAX = 80
# Three decimal places of a degree is about 110 m of latitude (and less of longitude): enough to
# say "near the park", never enough to find a front door.
POINT_DECIMALS = 3
_TAG = re.compile(r"^[^\W_][\w-]{0,29}$")
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_LISTING_FIELDS = [
    "kind",
    "title",
    "description",
    "category",
    "tags",
    "expires_at",
    "availability",
    "neighbourhood",
    "lat",
    "lng",
    "mode",
    "is_group",
    "visibility",
]


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later, or the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def _has_controls(text: str, *, multiline: bool) -> bool:
    allowed = _ALLOWED_CONTROLS if multiline else set()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _clean_text(
    errors: dict[str, list[str]],
    name: str,
    value: Any,
    *,
    maximum: int,
    required: bool,
    multiline: bool = False,
) -> str:
    if not isinstance(value, str):
        errors[name] = ["Enter text."]
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = ["Required."]
    elif len(value) > maximum:
        errors[name] = [f"At most {maximum} characters (this is {len(value)})."]
    elif _has_controls(value, multiline=multiline):
        errors[name] = ["Remove the invisible control characters (paste it as plain text)."]
    return value


def _clean_tags(errors: dict[str, list[str]], tags: Any) -> list[str]:
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = ["Give tags as a list of words."]
        return []
    cleaned: list[str] = []
    for tag in tags:
        word = tag.strip().lower()
        if not word:
            continue
        if not _TAG.match(word):
            errors["tags"] = [
                f"'{tag[:30]}' is not a short word: use letters, digits and dashes, at most 30."
            ]
            return []
        if word not in cleaned:
            cleaned.append(word)
    if len(cleaned) > LISTING_TAGS_MAX:
        errors["tags"] = [f"At most {LISTING_TAGS_MAX} tags."]
    return cleaned


def _clean_point(
    errors: dict[str, list[str]], lat: Any, lng: Any
) -> tuple[float | None, float | None]:
    if lat is None and lng is None:
        return None, None
    try:
        lat_f, lng_f = float(lat), float(lng)
    except (TypeError, ValueError):
        errors["point"] = ["Give both latitude and longitude as numbers."]
        return None, None
    if (
        isinstance(lat, bool)
        or isinstance(lng, bool)
        or not (math.isfinite(lat_f) and math.isfinite(lng_f))
    ):
        errors["point"] = ["Give both latitude and longitude as numbers."]
    elif not -90 <= lat_f <= 90:
        errors["point"] = ["Latitude is between -90 and 90."]
    elif not -180 <= lng_f <= 180:
        errors["point"] = ["Longitude is between -180 and 180."]
    else:
        return round(lat_f, POINT_DECIMALS), round(lng_f, POINT_DECIMALS)
    return None, None


def _clean_expiry(errors: dict[str, list[str]], expires_at: Any, now: dt.datetime) -> dt.datetime:
    if expires_at is None:
        return add_months(now, LISTING_DEFAULT_MONTHS)
    if not isinstance(expires_at, dt.datetime) or timezone.is_naive(expires_at):
        errors["expires_at"] = ["Give the expiry as a date and time with its time zone."]
    elif expires_at <= now:
        errors["expires_at"] = ["The expiry must be in the future."]
    elif expires_at > add_months(now, LISTING_MAX_MONTHS):
        errors["expires_at"] = [
            f"A listing can run for at most {LISTING_MAX_MONTHS} months; renew it later."
        ]
    else:
        return expires_at
    return now


def _clean_availability(errors: dict[str, list[str]], availability: Any) -> list[str]:
    if not isinstance(availability, (list, tuple)):
        errors["availability"] = ["Give the times as a list."]
        return []
    bad = [slot for slot in availability if slot not in AVAILABILITY_SLOTS]
    if bad:
        errors["availability"] = [f"Unknown time: {', '.join(map(str, bad))}."]
        return []
    return sorted(set(availability), key=AVAILABILITY_SLOTS.index)


def availability_mask(slots: list[str]) -> int:
    """The slots as bits, in AVAILABILITY_SLOTS order."""
    return sum(
        1 << AVAILABILITY_SLOTS.index(slot) for slot in set(slots) if slot in AVAILABILITY_SLOTS
    )


def _choice(errors: dict[str, list[str]], name: str, value: Any, choices) -> str:
    if value not in choices.values:
        errors[name] = [f"Choose one of: {', '.join(choices.values)}."]
    return value


# Who may see a listing, of the visibilities that do something today. `allied` waits for
# federation (capability 8): until allied communities are connected nobody outside this community
# could see such a listing, so it is refused rather than offered (migration 0009 turned the rows
# that had it into `community`).
VISIBILITIES_OFFERED = (ListingVisibility.COMMUNITY, ListingVisibility.PUBLIC)
ALLIED_NOT_YET = (
    "Allied communities are not connected yet, so nobody outside this community could see it: "
    "choose community (members of this community) or public (everyone, on the public site)."
)


def _visibility(errors: dict[str, list[str]], value: Any) -> str:
    if value == ListingVisibility.ALLIED:
        errors["visibility"] = [ALLIED_NOT_YET]
    elif value not in VISIBILITIES_OFFERED:
        errors["visibility"] = [f"Choose one of: {', '.join(VISIBILITIES_OFFERED)}."]
    return value


def _category_for(errors: dict[str, list[str]], community, category: Any) -> Category | None:
    """A default category or one of this community's own, by id, slug or instance."""
    key = category.pk if isinstance(category, Category) else category
    usable = Category.objects.filter(Q(community=None) | Q(community=community))
    found = None
    if isinstance(key, int) and not isinstance(key, bool):
        found = usable.filter(pk=key).first()
    elif isinstance(key, str) and key:
        found = usable.filter(slug=key).order_by(F("community").asc(nulls_first=True)).first()
    if found is None:
        errors["category"] = ["Choose a category from the list."]
    return found


def _listing_values(community, values: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Validate a full set of listing values. Raises ValidationFailed naming every bad field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {
        "kind": _choice(errors, "kind", values.get("kind"), ListingKind),
        "title": _clean_text(
            errors, "title", values.get("title"), maximum=LISTING_TITLE_MAX, required=True
        ),
        "description": _clean_text(
            errors,
            "description",
            values.get("description") or "",
            maximum=LISTING_DESCRIPTION_MAX,
            required=False,
            multiline=True,
        ),
        "category": _category_for(errors, community, values.get("category")),
        "tags": _clean_tags(errors, values.get("tags") or []),
        "expires_at": _clean_expiry(errors, values.get("expires_at"), now),
        "availability": _clean_availability(errors, values.get("availability") or []),
        "neighbourhood": _clean_text(
            errors, "neighbourhood", values.get("neighbourhood") or "", maximum=80, required=False
        ),
        "mode": _choice(errors, "mode", values.get("mode") or ListingMode.IN_PERSON, ListingMode),
        "is_group": bool(values.get("is_group")),
        "visibility": _visibility(errors, values.get("visibility") or ListingVisibility.COMMUNITY),
    }
    cleaned["lat"], cleaned["lng"] = _clean_point(errors, values.get("lat"), values.get("lng"))
    if errors:
        raise ValidationFailed("Please correct the listing.", fields=errors)
    return cleaned


def listing_search_document(
    *, title: str, description: str, tags: list[str], category_name: str
) -> str:
    """The text the search indexes cover, as the services write it: also for bulk loaders."""
    return " ".join([title, description, " ".join(tags), category_name]).strip()


def _search_document(listing: Listing) -> str:
    return listing_search_document(
        title=listing.title,
        description=listing.description,
        tags=listing.tags,
        category_name=listing.category.name,
    )


def _search_index_sync(listing: Listing) -> None:
    """Keep the search text (and, on SQLite, the FTS5 row and the word lexicon) in step with the
    listing. PostgreSQL's generated column and trigger do the rest there."""
    listing.search_document = _search_document(listing)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM exchanges_listing_fts WHERE rowid = %s", [listing.pk])
            cursor.execute(
                "INSERT INTO exchanges_listing_fts (rowid, document) VALUES (%s, %s)",
                [listing.pk, listing.search_document],
            )
            if listing.status == ListingStatus.ACTIVE:
                lexicon.words_add(cursor, [listing.search_document])


def _check_owner_may(actor: Actor, owner, community, mode: str, is_group: bool) -> None:
    """The owner must hold the check level the community's rule asks for what the listing offers
    or asks for (`listing_activity`). Raises PermissionDenied `vetting_required`."""
    activity = listing_activity(mode, is_group)
    if activity is not None:
        community_access.access_activity(owner, community, activity, viewer=actor)


def _check_listing_actor(actor: Actor, listing: Listing) -> None:
    community_access.access_community(actor, listing.community)
    community_access.access_not_suspended(actor, listing.community)
    if listing.owner_id != actor.pk and not community_access.is_coordinator(
        actor, listing.community
    ):
        raise PermissionDenied(
            "Only the member who posted it and the coordinators can change a listing.",
            code="not_owner",
        )


def _lock_listing(listing: Listing) -> Listing:
    qs = Listing.objects.select_related("community", "owner", "category").filter(pk=listing.pk)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(no_key=connection.features.has_select_for_no_key_update)
    return qs.get()


def category_add(*, actor: Actor, community, group: str, name: str) -> Category:
    """A coordinator adds a category of the community's own. Raises PermissionDenied,
    ValidationFailed (bad group or name), Conflict (the name is taken here or by a default)."""
    community_access.access_coordinate(actor, community)
    errors: dict[str, list[str]] = {}
    _choice(errors, "group", group, CategoryGroup)
    name = _clean_text(errors, "name", name, maximum=CATEGORY_NAME_MAX, required=True)
    slug = slugify(name)
    if name and not errors and not slug:
        errors["name"] = ["Use some letters or digits in the name."]
    if errors:
        raise ValidationFailed("Please correct the category.", fields=errors)
    taken = Category.objects.filter(Q(community=None) | Q(community=community))
    if taken.filter(Q(name__iexact=name) | Q(slug=slug)).exists():
        raise Conflict(
            f"There is already a category called '{name}'.",
            code="category_exists",
            fields={"name": ["Already in the list."]},
        )
    try:
        with transaction.atomic(durable=True):
            category = Category.objects.create(
                community=community, group=group, slug=slug, name=name
            )
            audit_record(
                actor=actor,
                action="category.add",
                subject=category,
                community_id=community.pk,
                changes={"group": [None, group], "name": [None, name]},
            )
    except IntegrityError:
        raise Conflict(
            f"There is already a category called '{name}'.",
            code="category_exists",
            fields={"name": ["Already in the list."]},
        ) from None
    return category


def listing_create(*, actor: Actor, community, owner=None, **values: Any) -> Listing:
    """Post an offer or a request. `owner` defaults to the actor; a coordinator may post for a
    member. Values: kind, title, description, category (id, slug or Category), tags,
    expires_at, availability, neighbourhood, lat, lng, mode, is_group, visibility.
    Raises NotFound (not a member), PermissionDenied (posting for someone else without
    coordinating; `vetting_required` when the owner lacks the check level the community's rule
    asks for what the listing offers or asks for: `listing_activity`), ValidationFailed."""
    owner = owner or actor
    community_access.access_community(actor, community)
    community_access.access_not_suspended(actor, community)
    community_access.access_not_suspended(owner, community, viewer=actor)
    if owner.pk != actor.pk and not community_access.is_coordinator(actor, community):
        raise PermissionDenied(
            "Only a coordinator can post a listing for another member.", code="forbidden"
        )
    if community_access.membership_of(owner, community) is None:
        raise NotFound("No such member.", code="not_a_member")
    unknown = set(values) - set(_LISTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown listing fields: {sorted(unknown)}")
    now = timezone.now()
    cleaned = _listing_values(community, values, now)
    _check_owner_may(actor, owner, community, cleaned["mode"], cleaned["is_group"])
    with transaction.atomic(durable=True):
        listing = Listing(
            community=community,
            owner=owner,
            created_at=now,
            updated_at=now,
            availability_mask=availability_mask(cleaned["availability"]),
            **cleaned,
        )
        listing.search_document = _search_document(listing)
        listing.save()
        _search_index_sync(listing)
        audit_record(
            actor=actor,
            on_behalf_of=owner,
            action="listing.create",
            subject=listing,
            community_id=community.pk,
            person_id=owner.pk,
            changes={
                name: [None, value] for name, value in snapshot(listing, _LISTING_FIELDS).items()
            },
        )
        embeddings.embed_after_commit(listing)
    return listing


def listing_update(*, actor: Actor, listing: Listing, **values: Any) -> Listing:
    """Change an active listing; fields not given stay as they are. Raises PermissionDenied
    (not the owner or a coordinator; `vetting_required`), NotFound, Conflict (closed or
    expired), ValidationFailed."""
    unknown = set(values) - set(_LISTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown listing fields: {sorted(unknown)}")
    _check_listing_actor(actor, listing)
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = _lock_listing(listing)
        if locked.status != ListingStatus.ACTIVE:
            raise Conflict(
                f"This listing is {locked.get_status_display().lower()}; post a new one instead.",
                code=f"listing_{locked.status}",
            )
        old = snapshot(locked, _LISTING_FIELDS)
        old_expires_at = locked.expires_at
        merged = {name: getattr(locked, name) for name in _LISTING_FIELDS}
        if "expires_at" not in values and merged["expires_at"] <= now:
            values["expires_at"] = None
        merged.update(values)
        cleaned = _listing_values(locked.community, merged, now)
        # What an existing listing offers was checked when it was posted; a change to it is checked
        # again.
        if listing_activity(cleaned["mode"], cleaned["is_group"]) != listing_activity(
            old["mode"], old["is_group"]
        ):
            _check_owner_may(
                actor, locked.owner, locked.community, cleaned["mode"], cleaned["is_group"]
            )
        for name, value in cleaned.items():
            setattr(locked, name, value)
        changes = diff(old, snapshot(locked, _LISTING_FIELDS))
        if changes:
            locked.availability_mask = availability_mask(locked.availability)
            locked.updated_at = now
            # A later expiry is a renewal: the owner is reminded again before the new date.
            if locked.expires_at > old_expires_at:
                locked.reminded_at = None
            _search_index_sync(locked)
            locked.save(
                update_fields=[
                    *cleaned,
                    "availability_mask",
                    "updated_at",
                    "search_document",
                    "reminded_at",
                ]
            )
            audit_record(
                actor=actor,
                on_behalf_of=locked.owner,
                action="listing.update",
                subject=locked,
                community_id=locked.community_id,
                person_id=locked.owner_id,
                changes=changes,
            )
            if changes.keys() & {"title", "description", "tags", "category"}:
                embeddings.embed_after_commit(locked)
    return locked


def listing_close(*, actor: Actor, listing: Listing, reason: str = "") -> Listing:
    """The owner or a coordinator closes a listing (found help, no longer needed). Raises
    PermissionDenied, NotFound, ValidationFailed (reason too long), Conflict (not active)."""
    errors: dict[str, list[str]] = {}
    reason = _clean_text(
        errors, "reason", reason or "", maximum=500, required=False, multiline=True
    )
    if errors:
        raise ValidationFailed("Please correct the reason.", fields=errors)
    _check_listing_actor(actor, listing)
    with transaction.atomic(durable=True):
        locked = _lock_listing(listing)
        if locked.status != ListingStatus.ACTIVE:
            raise Conflict(
                f"This listing is already {locked.get_status_display().lower()}.",
                code=f"already_{locked.status}",
            )
        locked.status = ListingStatus.CLOSED
        locked.closed_at = locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        _search_index_sync(locked)
        audit_record(
            actor=actor,
            on_behalf_of=locked.owner,
            action="listing.close",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.owner_id,
            note=reason,
            changes={"status": [ListingStatus.ACTIVE, ListingStatus.CLOSED]},
        )
    return locked


def listings_expire(*, now: dt.datetime | None = None) -> int:
    """The periodic job: active listings past their expiry become expired. Returns how many."""
    now = now or timezone.now()
    done = 0
    due = Listing.objects.filter(status=ListingStatus.ACTIVE, expires_at__lte=now).order_by("pk")
    for listing_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic(durable=True):
            locked = _lock_listing(Listing(pk=listing_id))
            if locked.status != ListingStatus.ACTIVE or locked.expires_at > now:
                continue
            locked.status = ListingStatus.EXPIRED
            locked.updated_at = now
            locked.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=None,
                action="listing.expire",
                subject=locked,
                community_id=locked.community_id,
                person_id=locked.owner_id,
                changes={"status": [ListingStatus.ACTIVE, ListingStatus.EXPIRED]},
            )
            done += 1
    return done


def listing_activity(mode: str, is_group: bool) -> str | None:
    """The kind of activity (communities.rules.ACTIVITY_TYPES) a listing offers or asks for, for
    the community's check rules: a visit to a member's home for one at the member's home; none for
    help by phone or online (no rule describes it); a group activity for a group; one-to-one help
    in a public place otherwise."""
    if mode == ListingMode.AT_HOME:
        return "home_visit"
    if mode == ListingMode.REMOTE:
        return None
    return "group_activity" if is_group else "one_to_one"
