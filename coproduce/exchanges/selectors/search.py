"""Listing search: words (full-text, typo-tolerant), kind, category, distance, free times and
owners' activity, sorted and paginated by keyset, one query a page; and the public listings."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import math
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from coproduce.communities.selectors import neighbourhoods as neighbourhoods_selectors
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.core.errors import ValidationFailed

from ..access import listing_visibilities
from ..models import (
    Category,
    Listing,
    ListingImage,
    ListingKind,
    ListingStatus,
    ListingVisibility,
)
from . import lexicon

SEARCH_SORTS = ("relevance", "newest", "distance")
SEARCH_MAX_KM = 200
SEARCH_MAX_LIMIT = 100
SEARCH_MAX_WORDS = 10
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.32
_WORD = re.compile(r"\w+")


@dataclass
class ListingPage:
    """One page of search results. Each listing carries `relevance` (None without words) and
    `distance_km` (None without `near`, or without a point)."""

    listings: list[Listing]
    next_cursor: str | None  # pass as `after` for the next page; None on the last page


class Named(NamedTuple):
    """A listing's category or owner as a card names them (`.name`, `.display_name`)."""

    pk: int
    name: str

    @property
    def display_name(self) -> str:
        return self.name


class Picture(NamedTuple):
    """A listing's first picture as a card shows it (no bytes)."""

    pk: int
    alt_text: str


@dataclass(frozen=True, slots=True)
class ListingCard:
    """What a page of results shows of a listing, with the names a Listing gives them (`pk`,
    `get_kind_display()`, `category.name`, `owner.display_name`), so the same template tags
    draw either."""

    pk: int
    kind: str
    title: str
    category: Named
    owner: Named
    neighbourhood: str
    created_at: dt.datetime
    expires_at: dt.datetime
    distance_km: float | None
    relevance: float | None
    picture: Picture | None

    def get_kind_display(self) -> str:
        return str(ListingKind(self.kind).label)

    @classmethod
    def of(cls, row: tuple) -> ListingCard:
        (pk, kind, title, category_id, category_name, owner_id, known_as, full_name) = row[:8]
        (neighbourhood, created_at, expires_at, distance_km, relevance) = row[8:13]
        picture_id, picture_alt = row[13:]
        return cls(
            pk=pk,
            kind=kind,
            title=title,
            category=Named(category_id, category_name),
            # Person.display_name, from the two columns it reads
            owner=Named(owner_id, known_as or full_name or f"Person {owner_id}"),
            neighbourhood=neighbourhood,
            created_at=created_at,
            expires_at=expires_at,
            distance_km=distance_km,
            relevance=relevance,
            picture=Picture(picture_id, picture_alt or "") if picture_id is not None else None,
        )


_CARD_COLUMNS = (
    "id",
    "kind",
    "title",
    "category_id",
    "category__name",
    "owner_id",
    "owner__known_as",
    "owner__full_name",
    "neighbourhood",
    "created_at",
    "expires_at",
    "distance_km",
    "relevance",
    "picture_id",
    "picture_alt",
)


@dataclass
class CardPage:
    """One page of `listing_cards`."""

    listings: list[ListingCard]
    next_cursor: str | None


@functools.cache
def _first_picture_sql() -> tuple[str, str]:
    """`(SELECT id FROM pictures WHERE listing = this one ORDER BY position, id LIMIT 1)` and
    the same for its alt text, written out once (as subqueries the ORM spent a sixth of the
    cards' time building them on every page)."""
    image, listing = ListingImage._meta, Listing._meta
    quote = connection.ops.quote_name
    table = quote(image.db_table)
    column = {f.name: f"{table}.{quote(str(f.column))}" for f in image.concrete_fields}
    this = f"{quote(listing.db_table)}.{quote(str(listing.get_field('id').column))}"
    tail = (
        f" FROM {table} WHERE {column['listing']} = {this}"
        f" ORDER BY {column['position']}, {column['id']} LIMIT 1)"
    )
    return f"(SELECT {column['id']}{tail}", f"(SELECT {column['alt_text']}{tail}"


@dataclass
class _Search:
    listings: QuerySet[Listing]
    order: list[str]
    key: str  # the value a cursor carries
    sort: str  # the order's name ("relevance" without words is "newest")
    limit: int


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _encode_cursor(sort: str, value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return base64.urlsafe_b64encode(json.dumps([sort, value, pk]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        name, value, pk = raw
        if name != sort or isinstance(pk, bool) or not isinstance(pk, int):
            raise ValueError
        if sort == "newest":
            value = dt.datetime.fromisoformat(value)
            if timezone.is_naive(value):
                raise ValueError
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _bad("after", "This page link is out of date; start the search again.") from None


def _check_point(near: Any) -> tuple[float, float]:
    try:
        lat, lng = (float(v) for v in near)
    except (TypeError, ValueError):
        raise _bad("near", "Give a point as latitude and longitude.") from None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise _bad("near", "Latitude is between -90 and 90, longitude between -180 and 180.")
    return lat, lng


_POINT_TEXT = re.compile(
    r"^\s*(-?[0-9]{1,3}(?:\.[0-9]{1,12})?)\s*,\s*(-?[0-9]{1,3}(?:\.[0-9]{1,12})?)\s*$"
)


def near_point(community, near: Any) -> tuple[float, float] | None:
    """Where to measure distance from: a (lat, lng) pair, a "lat,lng" text, or the slug or name of
    one of the community's neighbourhoods (its centre). Raises ValidationFailed naming an
    unknown neighbourhood."""
    if near is None or (isinstance(near, str) and not near.strip()):
        return None
    if not isinstance(near, str):
        return _check_point(near)
    match = _POINT_TEXT.match(near)
    if match:
        return _check_point((match.group(1), match.group(2)))
    text = near.strip()
    if len(text) > 80:
        raise _bad("near", "Give a neighbourhood's name or a point as latitude,longitude.")
    neighbourhood = neighbourhoods_selectors.neighbourhood_named(community, text)
    if neighbourhood is None:
        raise _bad(
            "near",
            f"There is no neighbourhood called \u201c{text}\u201d in {community.name}. "
            "Choose one from the list, or give a point as latitude,longitude.",
        )
    return neighbourhood.lat, neighbourhood.lng


# PostgreSQL, one term per word: the word as a prefix through the English stemmer ("garde" ->
# gard:*), or'ed, when no listing has ever used that very word, with the three words most like it
# that listings have used, found through the trigram index on the lexicon of migration 0007: a
# typo still finds ("gardning" -> gardening; "weedin" -> weeding, which the stemmer keeps as
# "weed"), and a real word is not widened ("booking" does not also find "cooking").
_WORD_TERM = (
    "(to_tsquery('english'::regconfig, %s) || COALESCE(to_tsquery('english'::regconfig, ("
    "SELECT string_agg(alike.word, ' | ') FROM (SELECT word FROM exchanges_listing_word"
    " WHERE word %% %s AND similarity(word, %s) >= 0.5"
    " AND NOT EXISTS (SELECT 1 FROM exchanges_listing_word WHERE word = %s)"
    " ORDER BY similarity(word, %s) DESC, word LIMIT 3) AS alike)), ''::tsquery))"
)


def _text_filter(qs: QuerySet[Listing], words: list[str], q: str) -> QuerySet[Listing]:
    """Keep listings matching the words and annotate `relevance` (higher is better)."""
    if connection.vendor == "postgresql":
        # Every word's term must match the stored vector (GIN index, migration 0007); ranked by
        # ts_rank on the stored vector, so no row's text is parsed again.
        query = " && ".join([_WORD_TERM] * len(words))
        params: list[Any] = []
        for w in words:
            params += [f"{w}:*", w, w, w, w]
        # Constant SQL: the words go in as parameters. ts_rank is `real`; as double, the value a
        # cursor carries compares equal again.
        matches = RawSQL(  # noqa: S611
            f'"exchanges_listing"."search_vector" @@ ({query})',
            params,
            output_field=BooleanField(),
        )
        rank = RawSQL(  # noqa: S611
            f'ts_rank("exchanges_listing"."search_vector", ({query}))::double precision',
            params,
            output_field=FloatField(),
        )
        return qs.filter(matches).annotate(relevance=rank)
    # SQLite: the FTS5 table (porter stemmer), every word as a prefix ("garde"* finds "gardening")
    # or'ed with the known words most like it (lexicon.py), the MATCH string built inside the
    # query (SQLite computes it once). bm25() is lower for better matches, so relevance is its
    # negation. The ranks come from one pass over the matches, looked up by listing id: `LIMIT -1`
    # keeps SQLite from folding that pass into a search per listing (MATCH and rowid together),
    # which re-read the words' whole posting lists for every match (37 s instead of 0.07 s for
    # two common words at 100,000 listings; docs/benchmarks.md).
    # Constant SQL: the words go in as parameters.
    match, params = lexicon.fts_match(words)
    found_sql = (
        f"SELECT rowid FROM exchanges_listing_fts WHERE exchanges_listing_fts MATCH ({match})"  # noqa: S608
    )
    rank_sql = (
        "(SELECT ranked.r FROM (SELECT rowid AS id, -bm25(exchanges_listing_fts) AS r"  # noqa: S608
        f" FROM exchanges_listing_fts WHERE exchanges_listing_fts MATCH ({match}) LIMIT -1) AS "
        "ranked WHERE ranked.id = exchanges_listing.id)"
    )
    found = RawSQL(found_sql, params)  # noqa: S611
    rank = RawSQL(rank_sql, params, output_field=FloatField())  # noqa: S611
    return qs.filter(pk__in=found).annotate(relevance=rank)


def _distance_km(lat: float, lng: float) -> Any:
    """Great-circle distance from (lat, lng) to the listing's point, in SQL (haversine)."""
    half_dlat = Radians(F("lat") - Value(lat)) / Value(2.0)
    half_dlng = Radians(F("lng") - Value(lng)) / Value(2.0)
    a = Power(Sin(half_dlat), Value(2)) + Value(math.cos(math.radians(lat))) * Cos(
        Radians(F("lat"))
    ) * Power(Sin(half_dlng), Value(2))
    return ExpressionWrapper(
        Value(2 * EARTH_RADIUS_KM) * ASin(Least(Sqrt(a), Value(1.0))), output_field=FloatField()
    )


def _bounding_box(lat: float, lng: float, km: float) -> Q:
    """A box around the point that holds every point within `km`: the indexed first cut."""
    dlat = km / KM_PER_DEGREE
    box = Q(lat__gte=lat - dlat, lat__lte=lat + dlat)
    cos_lat = math.cos(math.radians(lat))
    if abs(lat) + dlat >= 89 or cos_lat < 0.01:
        return box  # near a pole every longitude may be close
    dlng = km / (KM_PER_DEGREE * cos_lat)
    low, high = lng - dlng, lng + dlng
    if low < -180:
        return box & (Q(lng__gte=low + 360) | Q(lng__lte=high))
    if high > 180:
        return box & (Q(lng__gte=low) | Q(lng__lte=high - 360))
    return box & Q(lng__gte=low, lng__lte=high)


# What the search's callers show of each owner (`display_name`, on the page and in the API):
# the rest of a person's row (about 30 columns, four of them JSON to decode) stays unread,
# about a quarter of the search's time on the demo's page of 20 (docs/benchmarks.md).
_OWNER_SHOWN = frozenset({"id", "known_as", "full_name"})


@functools.cache
def _owner_fields_unread() -> tuple[str, ...]:
    person = Listing._meta.get_field("owner").related_model._meta
    return tuple(f"owner__{f.name}" for f in person.concrete_fields if f.name not in _OWNER_SHOWN)


def listing_search(
    community,
    viewer,
    *,
    q: str = "",
    kind: str | None = None,
    category: Any = None,
    near: tuple[float, float] | str | None = None,
    within_km: float | None = None,
    available: list[str] | None = None,
    active_since_days: int | None = None,
    sort: str = "relevance",
    after: str | None = None,
    limit: int = 20,
    public_only: bool = False,
) -> ListingPage:
    """Active, unexpired listings of the community that the viewer may see, filtered, sorted
    and paginated by keyset (`after` is the previous page's `next_cursor`). One query per
    page, however many listings there are. `relevance` without words sorts newest first;
    `distance` needs `near` and leaves out listings without a point. `near` is a (lat, lng)
    pair, "lat,lng", or a neighbourhood's slug or name (see `near_point`). `public_only`: the
    public listings whoever looks (the public page: the viewer is not consulted). Raises
    ValidationFailed."""
    found = _searched(
        community,
        viewer,
        q=q,
        kind=kind,
        category=category,
        near=near,
        within_km=within_km,
        available=available,
        active_since_days=active_since_days,
        sort=sort,
        after=after,
        limit=limit,
        public_only=public_only,
    )
    rows = list(
        found.listings.select_related("owner", "category")
        .defer(*_owner_fields_unread())
        .order_by(*found.order)[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return ListingPage(
        listings=rows,
        next_cursor=_encode_cursor(found.sort, getattr(last, found.key), last.pk)
        if more and last is not None
        else None,
    )


def listing_cards(community, viewer, **criteria: Any) -> CardPage:
    """`listing_search` as a list of cards (`ListingCard`): what a page of results shows of
    each listing, with its first picture, read as plain values in one query (no models are
    built for the listings, their owners, categories or pictures: about half the time of the
    search and the pictures' query together, on the page that members open most). The same
    criteria, order, cursors and errors as `listing_search`."""
    found = _searched(community, viewer, **criteria)
    picture_id, picture_alt = _first_picture_sql()
    rows = list(
        found.listings.annotate(
            picture_id=RawSQL(picture_id, ()),  # noqa: S611 - names only, built once
            picture_alt=RawSQL(picture_alt, ()),  # noqa: S611
        )
        .order_by(*found.order)
        .values_list(*_CARD_COLUMNS)[: found.limit + 1]
    )
    cards = [ListingCard.of(row) for row in rows[: found.limit]]
    last = cards[-1] if cards else None
    return CardPage(
        listings=cards,
        next_cursor=_encode_cursor(found.sort, getattr(last, found.key), last.pk)
        if len(rows) > found.limit and last is not None
        else None,
    )


def _searched(
    community,
    viewer,
    *,
    q: str = "",
    kind: str | None = None,
    category: Any = None,
    near: tuple[float, float] | str | None = None,
    within_km: float | None = None,
    available: list[str] | None = None,
    active_since_days: int | None = None,
    sort: str = "relevance",
    after: str | None = None,
    limit: int = 20,
    public_only: bool = False,
) -> _Search:
    """The checks and filters of `listing_search`. Raises ValidationFailed."""
    if sort not in SEARCH_SORTS:
        raise _bad("sort", f"Sort by one of: {', '.join(SEARCH_SORTS)}.")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= SEARCH_MAX_LIMIT:
        raise _bad("limit", f"Ask for 1 to {SEARCH_MAX_LIMIT} results at a time.")
    if kind is not None and kind not in ListingKind.values:
        raise _bad("kind", f"Choose one of: {', '.join(ListingKind.values)}.")
    if not isinstance(q, str) or len(q) > 200:
        raise _bad("q", "Search for at most 200 characters.")
    words = _WORD.findall(q.lower())[:SEARCH_MAX_WORDS]
    point = near_point(community, near)
    if within_km is not None:
        if (
            isinstance(within_km, bool)
            or not isinstance(within_km, (int, float))
            or not math.isfinite(within_km)
        ):
            raise _bad("within_km", "Give the distance in kilometres.")
        if not 0 < within_km <= SEARCH_MAX_KM:
            raise _bad("within_km", f"Search within more than 0 and at most {SEARCH_MAX_KM} km.")
        if point is None:
            raise _bad("near", "Say where to measure the distance from.")
    if sort == "distance" and point is None:
        raise _bad("near", "Say where to measure the distance from.")
    mask = 0
    if available:
        bad = [slot for slot in available if slot not in AVAILABILITY_SLOTS]
        if bad:
            raise _bad("available", f"Unknown time: {', '.join(map(str, bad))}.")
        mask = sum(1 << AVAILABILITY_SLOTS.index(slot) for slot in set(available))
    if active_since_days is not None and (
        isinstance(active_since_days, bool)
        or not isinstance(active_since_days, int)
        or not 1 <= active_since_days <= 3650
    ):
        raise _bad("active_since_days", "Give a number of days from 1 to 3650.")

    now = timezone.now()
    visibilities = (
        [ListingVisibility.PUBLIC] if public_only else listing_visibilities(viewer, community)
    )
    qs = Listing.objects.filter(
        community=community,
        status=ListingStatus.ACTIVE,
        expires_at__gt=now,
        visibility__in=visibilities,
    )
    if kind:
        qs = qs.filter(kind=kind)
    if isinstance(category, Category):
        qs = qs.filter(category_id=category.pk)
    elif isinstance(category, int) and not isinstance(category, bool):
        qs = qs.filter(category_id=category)
    elif isinstance(category, str) and category:
        qs = qs.filter(category__slug=category)
    if mask:
        qs = qs.alias(slot_overlap=F("availability_mask").bitand(mask)).filter(slot_overlap__gt=0)
    if active_since_days:
        qs = qs.filter(owner__last_login__gte=now - dt.timedelta(days=active_since_days))
    if point is not None:
        qs = qs.annotate(distance_km=_distance_km(*point))
        if within_km is not None:
            qs = qs.filter(_bounding_box(*point, within_km), distance_km__lte=within_km)
        elif sort == "distance":
            qs = qs.filter(lat__isnull=False, lng__isnull=False)
    else:
        qs = qs.annotate(distance_km=Value(None, output_field=FloatField()))
    if words:
        qs = _text_filter(qs, words, q)
    else:
        qs = qs.annotate(relevance=Value(None, output_field=FloatField()))
        if sort == "relevance":
            sort = "newest"

    cursor = _decode_cursor(after, sort) if after else None
    if sort == "relevance":
        order, key = ["-relevance", "-id"], "relevance"
        if cursor:
            qs = qs.filter(Q(relevance__lt=cursor[0]) | Q(relevance=cursor[0], id__lt=cursor[1]))
    elif sort == "distance":
        order, key = ["distance_km", "id"], "distance_km"
        if cursor:
            qs = qs.filter(
                Q(distance_km__gt=cursor[0]) | Q(distance_km=cursor[0], id__gt=cursor[1])
            )
    else:
        order, key = ["-created_at", "-id"], "created_at"
        if cursor:
            qs = qs.filter(Q(created_at__lt=cursor[0]) | Q(created_at=cursor[0], id__lt=cursor[1]))
    return _Search(qs, order, key, sort, limit)


PUBLIC_SORTS = ("relevance", "newest")


def listings_public(
    community,
    *,
    q: str = "",
    kind: str | None = None,
    category: Any = None,
    sort: str = "relevance",
    after: str | None = None,
    limit: int = 20,
) -> ListingPage:
    """The community's public listings (marked "Everyone"), active and unexpired, for anyone,
    signed in or not, the same for all: words, kind and category only (no distance, times or
    owners' activity, which say something about people; the page and the API offer words and
    kind). One query a page. The caller checks
    `access_public_listings` and shows no owner, point or picture. Raises ValidationFailed."""
    if sort not in PUBLIC_SORTS:
        raise _bad("sort", f"Sort by one of: {', '.join(PUBLIC_SORTS)}.")
    return listing_search(
        community,
        None,
        q=q,
        kind=kind,
        category=category,
        sort=sort,
        after=after,
        limit=limit,
        public_only=True,
    )
