"""Reads of exchanges and listings, and listing search."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from coproduce.communities import selectors as community_selectors
from coproduce.communities.services import AVAILABILITY_SLOTS
from coproduce.core.errors import NotFound, ValidationFailed

from . import lexicon
from .access import access_listing, listing_visibilities
from .models import (
    PUBLIC_REFERENCE_KINDS,
    Category,
    Exchange,
    ExchangeReference,
    ExchangeStatus,
    Listing,
    ListingKind,
    ListingStatus,
    ListingVisibility,
    Participant,
    ParticipantRole,
    ReferenceKind,
)


def _with_people(qs: QuerySet[Exchange]) -> QuerySet[Exchange]:
    return qs.select_related("community", "recorded_by", "recorded_for", "decided_by", "transfer").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("person").order_by("role", "id")),
        "expenses",
    )


def exchange_get(community, exchange_id: int) -> Exchange:
    try:
        return _with_people(Exchange.objects.filter(community=community)).get(pk=exchange_id)
    except (Exchange.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such exchange.") from None


def exchanges_to_confirm(community, person) -> list[Exchange]:
    """Recorded exchanges waiting for this person's side to answer."""
    mine = Exchange.objects.filter(
        community=community, status=ExchangeStatus.RECORDED, participants__person=person
    ).exclude(recorded_for=person)
    candidates = list(_with_people(mine).order_by("auto_confirm_at", "id"))
    result = []
    for exchange in candidates:
        roles = {p.person_id: p.role for p in exchange.participants.all()}
        if exchange.recorded_for_id is None or roles.get(exchange.recorded_for_id) != roles.get(person.pk):
            result.append(exchange)
    return result


def exchanges_of(community, person, *, status: str | None = None, before_id: int | None = None,
                 limit: int = 50) -> list[Exchange]:
    qs = Exchange.objects.filter(community=community, participants__person=person)
    if status:
        qs = qs.filter(status=status)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return list(_with_people(qs).order_by("-id")[:limit])


def exchanges_for_coordinator(community, *, status: str | None = None, before_id: int | None = None,
                              limit: int = 50) -> list[Exchange]:
    qs = Exchange.objects.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return list(_with_people(qs).order_by("-id")[:limit])


def providers_of(exchange: Exchange) -> list:
    return [p.person for p in exchange.participants.all() if p.role == ParticipantRole.PROVIDER]


def recipients_of(exchange: Exchange) -> list:
    return [p.person for p in exchange.participants.all() if p.role == ParticipantRole.RECIPIENT]


def disputed(community) -> list[Exchange]:
    return list(_with_people(Exchange.objects.filter(community=community, status=ExchangeStatus.DISPUTED)))




# References ----------------------------------------------------------------------------------


def references_about(community, person, viewer) -> list[ExchangeReference]:
    """References about `person` from this community's exchanges, newest first: positive and
    neutral ones for members (the subject included); concerns too for coordinators only."""
    from coproduce.communities import access as community_access

    if community_access.is_coordinator(viewer, community) and getattr(viewer, "pk", None) != person.pk:
        kinds = list(ReferenceKind.values)  # never concerns about oneself, coordinators included
    elif community_access.membership_of(viewer, community) is not None:
        kinds = list(PUBLIC_REFERENCE_KINDS)
    else:
        return []
    return list(
        ExchangeReference.objects.filter(exchange__community=community, subject=person, kind__in=kinds)
        .select_related("author", "subject", "exchange")
        .order_by("-created_at", "-id")[:200]
    )


def references_of_exchange(exchange: Exchange, viewer) -> list[ExchangeReference]:
    """The references left for one exchange that the viewer may read: public ones for the
    people who can see the exchange; concerns only for coordinators and their author."""
    from coproduce.communities import access as community_access

    qs = ExchangeReference.objects.filter(exchange=exchange).select_related("author", "subject")
    if not community_access.is_coordinator(viewer, exchange.community):
        qs = qs.filter(Q(kind__in=PUBLIC_REFERENCE_KINDS) | Q(author_id=getattr(viewer, "pk", None)))
    else:
        qs = qs.exclude(kind=ReferenceKind.CONCERN, subject_id=getattr(viewer, "pk", None))
    return list(qs.order_by("created_at", "id"))


def reference_get(reference_id: int) -> ExchangeReference:
    return ExchangeReference.objects.select_related("author", "subject", "exchange").get(pk=reference_id)


def references_count(community, person, kind: str = ReferenceKind.POSITIVE) -> int:
    return ExchangeReference.objects.filter(exchange__community=community, subject=person, kind=kind).count()


def reference_subjects(exchange: Exchange, person) -> list:
    """Who `person` may still leave a reference about for this exchange: the people on the
    other side they have not written about, once it is confirmed and not reversed."""
    if exchange.status != ExchangeStatus.CONFIRMED or exchange.transfer_id is None:
        return []
    if Exchange.objects.filter(pk=exchange.pk, transfer__reversal__isnull=False).exists():
        return []
    parts = list(exchange.participants.all())
    mine = next((p for p in parts if p.person_id == getattr(person, "pk", None)), None)
    if mine is None:
        return []
    done = set(ExchangeReference.objects.filter(exchange=exchange, author=person).values_list("subject_id", flat=True))
    return [p.person for p in parts if p.role != mine.role and p.person_id not in done]


def references_waiting(person, community) -> list[tuple[Exchange, list]]:
    """Confirmed exchanges in which `person` may still leave a reference, each with the people
    it could be about, newest first."""
    qs = (
        Exchange.objects.filter(community=community, status=ExchangeStatus.CONFIRMED, participants__person=person,
                                transfer__isnull=False)
        .exclude(transfer__reversal__isnull=False)
        .order_by("-id")
    )
    exchanges = list(_with_people(qs)[:100])
    done: dict[int, set[int]] = {}
    for exchange_id, subject_id in ExchangeReference.objects.filter(
        exchange__in=[e.pk for e in exchanges], author=person
    ).values_list("exchange_id", "subject_id"):
        done.setdefault(exchange_id, set()).add(subject_id)
    result = []
    for exchange in exchanges:
        parts = list(exchange.participants.all())
        role = next(p.role for p in parts if p.person_id == person.pk)
        others = [p.person for p in parts if p.role != role and p.person_id not in done.get(exchange.pk, set())]
        if others:
            result.append((exchange, others))
    return result


def concerns_open(community) -> list[ExchangeReference]:
    """Every concern raised in this community, newest first: for coordinators only (the caller
    checks)."""
    return list(
        ExchangeReference.objects.filter(exchange__community=community, kind=ReferenceKind.CONCERN)
        .select_related("author", "subject", "exchange")
        .order_by("-created_at", "-id")[:500]
    )


def _concerns_for(community, viewer) -> QuerySet[ExchangeReference]:
    # Nobody reads a concern about themselves, coordinators included.
    return ExchangeReference.objects.filter(exchange__community=community, kind=ReferenceKind.CONCERN).exclude(
        subject_id=getattr(viewer, "pk", None)
    )


def concerns_for(community, viewer, *, closed: bool = False, limit: int = 200) -> list[ExchangeReference]:
    """Open concerns (oldest first: they have waited longest), or closed ones (most recently
    closed first), that this coordinator may read: never one about themselves. The caller
    checks that the viewer coordinates. One query."""
    qs = _concerns_for(community, viewer).select_related("author", "subject", "exchange", "concern_closed_by")
    if closed:
        qs = qs.filter(concern_closed_at__isnull=False).order_by("-concern_closed_at", "-id")
    else:
        qs = qs.filter(concern_closed_at__isnull=True).order_by("created_at", "id")
    return list(qs[:limit])


def concerns_open_count(community, viewer) -> int:
    return _concerns_for(community, viewer).filter(concern_closed_at__isnull=True).count()


def concern_get(community, viewer, reference_id: int) -> ExchangeReference:
    """A concern of this community the viewer may read (not one about themselves). Raises NotFound."""
    found = _concerns_for(community, viewer).select_related(
        "exchange__community", "subject", "author", "concern_closed_by").filter(pk=reference_id).first()
    if found is None:
        raise NotFound("No such concern.")
    return found


# The broker queue (read by messaging.broker) ----------------------------------------------------


def requests_without_exchange(community, *, posted_before: dt.datetime) -> QuerySet[Listing]:
    """Active requests posted before the time that no exchange has been arranged or recorded
    from, with owner and category. Messaging narrows it by conversations and introductions."""
    linked = Exchange.objects.filter(community=community, listing_id=OuterRef("pk"))
    return (
        Listing.objects.filter(community=community, kind=ListingKind.REQUEST, status=ListingStatus.ACTIVE,
                               created_at__lte=posted_before)
        .exclude(Exists(linked))
        .select_related("owner", "category")
    )


def offers_active(community) -> QuerySet[Listing]:
    return Listing.objects.filter(community=community, kind=ListingKind.OFFER, status=ListingStatus.ACTIVE)


def participations(community, *, role: str | None = None) -> QuerySet[Participant]:
    """People's places in the community's exchanges that were not declined or cancelled."""
    qs = Participant.objects.filter(exchange__community=community).exclude(
        exchange__status__in=[ExchangeStatus.DECLINED, ExchangeStatus.CANCELLED])
    return qs.filter(role=role) if role else qs


# Web pages -----------------------------------------------------------------------------------
# Each reads a fixed number of queries, however many exchanges it shows.


@dataclass
class ExchangeActions:
    """What one person may do with an exchange: the rules the services enforce, asked in
    advance so a page offers only the buttons that will work."""

    answer: bool  # confirm or decline: the side that did not record it
    dispute: bool  # either side, while it waits for an answer
    settle: bool  # coordinators, once disputed
    reverse: bool  # coordinators, once posted and not yet reversed


@dataclass
class ExchangeDetail:
    exchange: Exchange
    providers: list
    recipients: list
    reversal: Any  # the reversing ledger transfer, if there is one
    actions: ExchangeActions


def _reversal(exchange: Exchange) -> Any:
    if exchange.transfer is None:
        return None
    try:
        return exchange.transfer.reversal
    except ObjectDoesNotExist:
        return None


def exchange_detail(community, exchange_id: int, *, person, coordinates: bool) -> ExchangeDetail:
    """An exchange with its people, expenses, transfer and reversal, and what `person` (the
    viewer, or the member a coordinator acts for) may do with it. Raises NotFound."""
    try:
        exchange = (
            _with_people(Exchange.objects.filter(community=community))
            .select_related("transfer__reversal__actor")
            .get(pk=exchange_id)
        )
    except (Exchange.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such exchange.") from None
    reversal = _reversal(exchange)
    roles = {p.person_id: p.role for p in exchange.participants.all()}
    waiting = exchange.status == ExchangeStatus.RECORDED
    side = roles.get(person.pk)
    recorder_side = roles.get(exchange.recorded_for_id) if exchange.recorded_for_id else None
    return ExchangeDetail(
        exchange=exchange,
        providers=providers_of(exchange),
        recipients=recipients_of(exchange),
        reversal=reversal,
        actions=ExchangeActions(
            answer=waiting and side is not None and side != recorder_side,
            dispute=waiting and side is not None,
            settle=coordinates and exchange.status == ExchangeStatus.DISPUTED,
            reverse=coordinates and exchange.transfer_id is not None and reversal is None,
        ),
    )


@dataclass
class ExchangeRow:
    exchange: Exchange
    gave: bool  # the person was on the giving side
    others: list  # the people on the other side


@dataclass
class ExchangePage:
    rows: list[ExchangeRow]
    older_before: int | None  # the exchange id to continue before, when there are older ones


def exchange_page(community, person, *, before_id: int | None = None, limit: int = 50) -> ExchangePage:
    """A person's exchanges, newest first, keyset-paginated on the id."""
    exchanges = exchanges_of(community, person, before_id=before_id, limit=limit + 1)
    more = len(exchanges) > limit
    exchanges = exchanges[:limit]
    rows = []
    for exchange in exchanges:
        parts = list(exchange.participants.all())
        mine = next((p.role for p in parts if p.person_id == person.pk), None)
        rows.append(ExchangeRow(
            exchange=exchange, gave=mine == ParticipantRole.PROVIDER,
            others=[p.person for p in parts if p.role != mine],
        ))
    return ExchangePage(rows=rows, older_before=exchanges[-1].pk if more and exchanges else None)


def recipient_shares(total: int, recipient_ids) -> dict[int, int]:
    """How the people helped split what a group exchange costs them: equal shares, the remainder
    a minute each to the first by id (what `services.exchange_legs` posts)."""
    ids = sorted(recipient_ids)
    share, remainder = divmod(total, len(ids))
    return {pk: share + (1 if i < remainder else 0) for i, pk in enumerate(ids)}


@dataclass
class WaitingLine:
    """Hours recorded but not posted: what they would change the person's balance by once
    confirmed, who is on the other side, and whose answer they wait for."""

    exchange: Exchange
    amount_minutes: int  # + earned, - paid; 0 for someone helped when the community fund pays
    others: list  # the people on the other side
    to_answer: bool  # waiting for the person's own side to confirm (not the other side's)
    disputed: bool  # a coordinator is looking into it


@dataclass
class HoursWaiting:
    lines: list[WaitingLine]
    more: bool  # there are more than the lines shown
    incoming_minutes: int  # of the lines shown, what would come in
    outgoing_minutes: int  # and what would go out (positive)


def hours_waiting(community, person, *, limit: int = 50) -> HoursWaiting:
    """The person's exchanges whose hours are recorded but not posted (waiting for confirmation,
    or disputed), newest first: never part of the balance, shown beside it on the statement.
    Two queries however many there are."""
    qs = (Exchange.objects.filter(community=community, participants__person=person,
                                  status__in=[ExchangeStatus.RECORDED, ExchangeStatus.DISPUTED])
          .prefetch_related(Prefetch("participants",
                                     queryset=Participant.objects.select_related("person").order_by("role", "id")))
          .order_by("-id"))
    found = list(qs[:limit + 1])
    lines = []
    for exchange in found[:limit]:
        parts = list(exchange.participants.all())
        mine = next(p.role for p in parts if p.person_id == person.pk)
        providers = [p.person_id for p in parts if p.role == ParticipantRole.PROVIDER]
        recipients = [p.person_id for p in parts if p.role == ParticipantRole.RECIPIENT]
        minutes = exchange.minutes or 0
        if mine == ParticipantRole.PROVIDER:
            amount = minutes
        elif exchange.payer == "fund":
            amount = 0
        else:
            amount = -recipient_shares(minutes * len(providers), recipients)[person.pk]
        recorder_role = next((p.role for p in parts if p.person_id == exchange.recorded_for_id), None)
        lines.append(WaitingLine(
            exchange=exchange, amount_minutes=amount, others=[p.person for p in parts if p.role != mine],
            to_answer=exchange.status == ExchangeStatus.RECORDED and recorder_role is not None and recorder_role != mine,
            disputed=exchange.status == ExchangeStatus.DISPUTED,
        ))
    return HoursWaiting(
        lines=lines, more=len(found) > limit,
        incoming_minutes=sum(line.amount_minutes for line in lines if line.amount_minutes > 0),
        outgoing_minutes=-sum(line.amount_minutes for line in lines if line.amount_minutes < 0),
    )


def to_confirm_counts(person) -> dict[int, int]:
    """How many recorded exchanges wait for this person's answer, per community id: the rule of
    `exchanges_to_confirm` (the other side answers) in one query."""
    recorder_role = Participant.objects.filter(
        exchange_id=OuterRef("exchange_id"), person_id=OuterRef("exchange__recorded_for_id")
    ).values("role")[:1]
    rows = (
        Participant.objects.filter(person=person, exchange__status=ExchangeStatus.RECORDED)
        .annotate(recorder_role=Subquery(recorder_role))
        .filter(
            Q(role=ParticipantRole.PROVIDER, recorder_role=ParticipantRole.RECIPIENT)
            | Q(role=ParticipantRole.RECIPIENT, recorder_role=ParticipantRole.PROVIDER)
        )
        .values("exchange__community_id")
        .annotate(waiting=Count("id"))
        .order_by()
    )
    return {row["exchange__community_id"]: row["waiting"] for row in rows}


# Listings and search -------------------------------------------------------------------------

SEARCH_SORTS = ("relevance", "newest", "distance")
SEARCH_MAX_KM = 200
SEARCH_MAX_LIMIT = 100
SEARCH_MAX_WORDS = 10
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.32
_WORD = re.compile(r"\w+")


def categories_for(community) -> list[Category]:
    """The default taxonomy and the community's own categories, by group and name."""
    return list(Category.objects.filter(Q(community=None) | Q(community=community)).order_by("group", "name", "id"))


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


@dataclass
class ListingPage:
    """One page of search results. Each listing carries `relevance` (None without words) and
    `distance_km` (None without `near`, or without a point)."""

    listings: list[Listing]
    next_cursor: str | None  # pass as `after` for the next page; None on the last page


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


_POINT_TEXT = re.compile(r"^\s*(-?[0-9]{1,3}(?:\.[0-9]{1,12})?)\s*,\s*(-?[0-9]{1,3}(?:\.[0-9]{1,12})?)\s*$")


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
    neighbourhood = community_selectors.neighbourhood_named(community, text)
    if neighbourhood is None:
        raise _bad("near", f"There is no neighbourhood called \u201c{text}\u201d in {community.name}. "
                           "Choose one from the list, or give a point as latitude,longitude.")
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
        matches = RawSQL(f'"exchanges_listing"."search_vector" @@ ({query})', params,  # noqa: S611
                         output_field=BooleanField())
        rank = RawSQL(f'ts_rank("exchanges_listing"."search_vector", ({query}))::double precision',  # noqa: S611
                      params, output_field=FloatField())
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
    found_sql = f"SELECT rowid FROM exchanges_listing_fts WHERE exchanges_listing_fts MATCH ({match})"  # noqa: S608
    rank_sql = ("(SELECT ranked.r FROM (SELECT rowid AS id, -bm25(exchanges_listing_fts) AS r"  # noqa: S608
                f" FROM exchanges_listing_fts WHERE exchanges_listing_fts MATCH ({match}) LIMIT -1) AS ranked"
                " WHERE ranked.id = exchanges_listing.id)")
    return qs.filter(pk__in=RawSQL(found_sql, params)).annotate(  # noqa: S611
        relevance=RawSQL(rank_sql, params, output_field=FloatField()))  # noqa: S611


def _distance_km(lat: float, lng: float) -> Any:
    """Great-circle distance from (lat, lng) to the listing's point, in SQL (haversine)."""
    half_dlat = Radians(F("lat") - Value(lat)) / Value(2.0)
    half_dlng = Radians(F("lng") - Value(lng)) / Value(2.0)
    a = Power(Sin(half_dlat), Value(2)) + Value(math.cos(math.radians(lat))) * Cos(Radians(F("lat"))) * Power(
        Sin(half_dlng), Value(2)
    )
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
        if isinstance(within_km, bool) or not isinstance(within_km, (int, float)) or not math.isfinite(within_km):
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
        isinstance(active_since_days, bool) or not isinstance(active_since_days, int)
        or not 1 <= active_since_days <= 3650
    ):
        raise _bad("active_since_days", "Give a number of days from 1 to 3650.")

    now = timezone.now()
    visibilities = [ListingVisibility.PUBLIC] if public_only else listing_visibilities(viewer, community)
    qs = Listing.objects.filter(
        community=community, status=ListingStatus.ACTIVE, expires_at__gt=now, visibility__in=visibilities,
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
            qs = qs.filter(Q(distance_km__gt=cursor[0]) | Q(distance_km=cursor[0], id__gt=cursor[1]))
    else:
        order, key = ["-created_at", "-id"], "created_at"
        if cursor:
            qs = qs.filter(Q(created_at__lt=cursor[0]) | Q(created_at=cursor[0], id__lt=cursor[1]))
    rows = list(qs.select_related("owner", "category").order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return ListingPage(
        listings=rows,
        next_cursor=_encode_cursor(sort, getattr(last, key), last.pk) if more and last is not None else None,
    )


PUBLIC_SORTS = ("relevance", "newest")


def listings_public(community, *, q: str = "", kind: str | None = None, category: Any = None,
                    sort: str = "relevance", after: str | None = None, limit: int = 20) -> ListingPage:
    """The community's public listings (marked "Everyone"), active and unexpired, for anyone,
    signed in or not, the same for all: words, kind and category only (no distance, times or
    owners' activity, which say something about people; the page and the API offer words and
    kind). One query a page. The caller checks
    `access_public_listings` and shows no owner, point or picture. Raises ValidationFailed."""
    if sort not in PUBLIC_SORTS:
        raise _bad("sort", f"Sort by one of: {', '.join(PUBLIC_SORTS)}.")
    return listing_search(community, None, q=q, kind=kind, category=category, sort=sort, after=after, limit=limit,
                          public_only=True)


def listings_of(community, owner, *, limit: int = 100) -> list[Listing]:
    """A member's own listings in the community, any status: active first, then newest."""
    return list(
        Listing.objects.filter(community=community, owner=owner)
        .select_related("category")
        .order_by("status", "-created_at", "-id")[:limit]
    )


def listings_for_digest(person, *, since: dt.datetime, per_community: int = 10,
                        scan: int = 500) -> list[tuple[Any, list[Listing]]]:
    """New listings for a person's weekly digest: made after `since` in each community where
    they are an active member (so they may see every listing there), active, not their own, and
    fitting them: requests that their gift profile or their own offers could answer (a shared
    word or the category of one of their offers), and offers that answer one of their own
    requests. Up to `per_community` in each community, best fit then newest first, as
    (community, listings) in the order of the communities' names. Three queries at most."""
    from .matching import listing_words, words_of

    gifts = [g.description for g in person.gifts.all()]
    own = list(Listing.objects.filter(owner=person, status=ListingStatus.ACTIVE).select_related("category"))
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
            community__memberships__person=person, community__memberships__status="active",
            status=ListingStatus.ACTIVE, expires_at__gt=timezone.now(), created_at__gt=since,
        )
        .exclude(owner=person)
        .select_related("category", "community")
        .order_by("-created_at", "-id")[:scan]
    )
    fitting: dict[int, list[tuple[int, Listing]]] = {}
    communities: dict[int, Any] = {}
    for listing in candidates:
        words, categories = (give, give_categories) if listing.kind == ListingKind.REQUEST else (need, need_categories)
        score = len(listing_words(listing) & words) + (2 if listing.category_id in categories else 0)
        if score:
            fitting.setdefault(listing.community_id, []).append((score, listing))
            communities[listing.community_id] = listing.community
    found = []
    for community_id, scored in fitting.items():
        # Stable sort: equal fits stay newest first, as they came.
        best = [listing for _score, listing in sorted(scored, key=lambda pair: -pair[0])][:per_community]
        found.append((communities[community_id], best))
    return sorted(found, key=lambda pair: pair[0].name)
