"""Suggested matches, both ways: for a request, ranked offers; for an offer, ranked requests.

The lexical matcher. Candidates come from the database through indexes (the same category, the
listing's words in the full-text index, the neighbourhood's bounding box), at most a few hundred,
then each is scored in Python on six signals, and the reasons are said in plain words:
"gardening, 0.8 km away, both free Tuesday mornings, 12 exchanges completed".

| signal | weight | what it is |
|---|---|---|
| text | 0.35 | share of the listing's significant words (stemmed) the other one has |
| category | 0.25 | the same category 1, the same group 0.5 |
| distance | 0.15 | 1 at the same place, 0 at 10 km or more; 0.6 when either can be done remotely |
| availability | 0.15 | share of the listing's free times the other person is also free |
| reliability | 0.05 | exchanges the owner completed, 10 or more counting fully |
| activity | 0.05 | the owner signed in within 30 days |

A candidate sharing neither words nor a category group keeps only 30% of its score: being
near and free at the same time does not make a match on its own.

The semantic matcher (`semantic.enabled()`: the optional extra installed and COPRODUCE_MATCHER
not `lexical`) changes only the text signal: the cosine similarity of the two listings' stored
sentence embeddings, read as 0 at SEMANTIC_FLOOR or below and 1 at SEMANTIC_FULL or above, so
"my PC keeps freezing" meets "help with laptops" without a shared word. Its candidates are the
lexical ones plus the SEMANTIC_CANDIDATES nearest by cosine. A listing with no embedding yet
(the background job has not run) is matched lexically, and so is a candidate without one.

`people_for` answers the other half of "both ways": for a request, members whose gift profile
fits it though they have posted no offer, for a coordinator or the asker to approach.

A reads-only module: it is a selector with a longer explanation."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS

from ..access import access_listing, listing_visibilities
from ..models import (
    ExchangeReference,
    ExchangeStatus,
    Listing,
    ListingKind,
    ListingMode,
    ListingStatus,
    Participant,
    ReferenceKind,
)
from . import semantic

WEIGHTS = {
    "text": 0.35,
    "category": 0.25,
    "distance": 0.15,
    "availability": 0.15,
    "reliability": 0.05,
    "activity": 0.05,
}
CANDIDATES_PER_SOURCE = 150
SEMANTIC_CANDIDATES = 50
SEMANTIC_FLOOR = 0.2
SEMANTIC_FULL = 0.6
NEAR_KM = 10.0
EARTH_RADIUS_KM = 6371.0088

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "get",
        "got",
        "had",
        "has",
        "have",
        "help",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "my",
        "need",
        "needs",
        "of",
        "on",
        "or",
        "our",
        "please",
        "so",
        "some",
        "someone",
        "something",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "very",
        "want",
        "was",
        "we",
        "week",
        "weekly",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yes",
        "no",
        "not",
        "one",
        "two",
        "also",
        "about",
        "after",
        "again",
        "all",
        "am",
        "being",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "own",
        "same",
        "should",
        "such",
        "only",
        "off",
        "out",
        "over",
        "under",
        "until",
        "while",
        "here",
        "how",
        "why",
        "where",
    ]
)
DAYS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
PARTS = {"am": "mornings", "pm": "afternoons", "eve": "evenings"}
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ings", "ing", "ers", "er", "ies", "es", "s", "ed", "ly")


def stem(word: str) -> str:
    """A small suffix stripper: enough that 'gardening', 'gardener' and 'garden' meet."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word


def words_of(*texts: str) -> set[str]:
    found: set[str] = set()
    for text in texts:
        for word in _WORD.findall((text or "").lower()):
            if word not in STOPWORDS and len(word) > 2:
                found.add(stem(word))
    return found


def listing_words(listing: Listing) -> set[str]:
    return words_of(
        listing.title, listing.description, " ".join(listing.tags or []), listing.category.name
    )


def _shown_words(listing: Listing, stems: set[str], *, category: bool = False) -> list[str]:
    """The other listing's own words for the shared stems, as a person would read them. With
    `category`, its category's name is read too (as `listing_words` does), so a stem shared
    only through it still has a word to show; without, only what its owner wrote."""
    shown: dict[str, str] = {}
    texts = [listing.title, " ".join(listing.tags or []), listing.description]
    for text in [*texts, listing.category.name] if category else texts:
        for word in _WORD.findall((text or "").lower()):
            key = stem(word)
            if key in stems and key not in shown and word not in STOPWORDS:
                shown[key] = word
    return [shown[k] for k in sorted(shown)]


@dataclass
class Match:
    listing: Listing
    score: float
    reasons: list[str]
    distance_km: float | None = None
    signals: dict[str, float] = field(default_factory=dict)


def _opposite(listing: Listing) -> str:
    return ListingKind.OFFER if listing.kind == ListingKind.REQUEST else ListingKind.REQUEST


def _candidates(listing: Listing, viewer, words: set[str]) -> QuerySet[Listing]:
    return Listing.objects.filter(
        community=listing.community,
        kind=_opposite(listing),
        status=ListingStatus.ACTIVE,
        expires_at__gt=timezone.now(),
        visibility__in=listing_visibilities(viewer, listing.community),
    ).exclude(owner_id=listing.owner_id)


def _text_ids(base: QuerySet[Listing], words: set[str]) -> list[int]:
    """Listings sharing any of the words, through the full-text index (prefix matches)."""
    if not words:
        return []
    chosen = sorted(words)[:12]
    qs: QuerySet[Any]
    if connection.vendor == "postgresql":
        # The stored vector of migration 0007 (parsing each candidate's text again cost seconds).
        query = " | ".join(f"{w}:*" for w in chosen)
        qs = base.filter(
            RawSQL(
                '"exchanges_listing"."search_vector" @@ to_tsquery(\'english\'::regconfig, %s)',
                [query],
                output_field=BooleanField(),
            )
        )
    else:
        match = " OR ".join(f'"{w}"*' for w in chosen)
        qs = base.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM exchanges_listing_fts WHERE exchanges_listing_fts MATCH %s",
                [match],
            )
        )
    return list(
        qs.order_by("-created_at", "-id").values_list("pk", flat=True)[:CANDIDATES_PER_SOURCE]
    )


def _near_ids(base: QuerySet[Listing], listing: Listing) -> list[int]:
    if listing.lat is None or listing.lng is None:
        return []
    dlat = NEAR_KM / 111.32
    dlng = NEAR_KM / (111.32 * max(math.cos(math.radians(listing.lat)), 0.01))
    box = Q(
        lat__gte=listing.lat - dlat,
        lat__lte=listing.lat + dlat,
        lng__gte=listing.lng - dlng,
        lng__lte=listing.lng + dlng,
    )
    return list(
        base.filter(box)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:CANDIDATES_PER_SOURCE]
    )


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _slot_phrase(slots: list[str]) -> str:
    ordered = sorted(slots, key=AVAILABILITY_SLOTS.index)[:2]
    names = [f"{DAYS[s.split('-')[0]]} {PARTS[s.split('-')[1]]}" for s in ordered]
    return "both free " + " and ".join(names)


def _completed(owner_ids: set[int], community) -> dict[int, int]:
    """Confirmed exchanges each owner took part in, in one query."""
    rows = (
        Participant.objects.filter(
            person_id__in=owner_ids,
            exchange__community=community,
            exchange__status=ExchangeStatus.CONFIRMED,
        )
        .values("person_id")
        .annotate(n=Count("exchange_id", distinct=True))
    )
    return {row["person_id"]: row["n"] for row in rows}


def _good_references(owner_ids: set[int], community) -> dict[int, int]:
    """Positive references about each owner, in one query (said in the reasons, not scored)."""
    rows = (
        ExchangeReference.objects.filter(
            subject_id__in=owner_ids, exchange__community=community, kind=ReferenceKind.POSITIVE
        )
        .values("subject_id")
        .annotate(n=Count("id"))
    )
    return {row["subject_id"]: row["n"] for row in rows}


def semantic_text_signal(cosine: float) -> float:
    """The text signal from a cosine similarity: 0 up to SEMANTIC_FLOOR, 1 from SEMANTIC_FULL."""
    return round(
        min(1.0, max(0.0, (cosine - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR))), 4
    )


def _similar_phrase(other: Listing, shared: set[str]) -> str:
    shown = _shown_words(other, shared)[:3]
    return "similar wording: " + ", ".join(shown) if shown else "says much the same in other words"


def matches_for(listing: Listing, viewer, *, limit: int = 10) -> list[Match]:
    """Ranked listings of the other kind for this listing, with their reasons. Raises NotFound
    when the viewer may not see the listing."""
    access_listing(viewer, listing)
    words = listing_words(listing)
    base = _candidates(listing, viewer, words)
    ids = set(
        base.filter(category_id=listing.category_id)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:CANDIDATES_PER_SOURCE]
    )
    ids |= set(_text_ids(base, words))
    ids |= set(_near_ids(base, listing))
    cosines: semantic.Cosines | dict[int, float] = {}
    own = semantic.vector_of(listing) if semantic.enabled() else None
    if own is not None:
        cosines, nearest = semantic.similarities(
            own,
            community_id=listing.community_id,
            kind=_opposite(listing),
            exclude_owner_id=listing.owner_id,
            visibilities=listing_visibilities(viewer, listing.community),
            top=SEMANTIC_CANDIDATES,
        )
        ids |= set(base.filter(pk__in=nearest).values_list("pk", flat=True))
    group_ids = set(
        base.filter(category__group=listing.category.group)
        .exclude(pk__in=ids)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:50]
    )
    candidates = list(
        Listing.objects.filter(pk__in=ids | group_ids).select_related("category", "owner")
    )
    completed = _completed({c.owner_id for c in candidates}, listing.community)
    good = _good_references({c.owner_id for c in candidates}, listing.community)
    recent = timezone.now() - dt.timedelta(days=30)
    mine = set(listing.availability or [])
    scored = []
    for other in candidates:
        signals: dict[str, float] = {}
        reasons: list[str] = []
        shared = words & listing_words(other)
        cosine = cosines.get(other.pk)
        if cosine is None:
            signals["text"] = len(shared) / max(1, min(len(words), 8))
        else:
            signals["text"] = semantic_text_signal(cosine)
        if other.category_id == listing.category_id:
            signals["category"] = 1.0
            reasons.append(other.category.name.lower())
        elif other.category.group == listing.category.group:
            signals["category"] = 0.5
            reasons.append(f"{other.category.name.lower()} (related)")
        else:
            signals["category"] = 0.0
            # Other categories: the shared words may come from the other's category name.
            shown = _shown_words(other, shared, category=True)[:3] if cosine is None else []
            if shown:
                reasons.append("mentions " + ", ".join(shown))
        if cosine is not None and signals["text"] >= 0.5:
            reasons.append(_similar_phrase(other, shared))
        distance = None
        if ListingMode.REMOTE in (listing.mode, other.mode):
            signals["distance"] = 0.6
            reasons.append("can be done remotely")
        elif None not in (listing.lat, listing.lng, other.lat, other.lng):
            distance = haversine_km(listing.lat, listing.lng, other.lat, other.lng)  # type: ignore[arg-type]
            signals["distance"] = max(0.0, 1 - distance / NEAR_KM)
            reasons.append(f"{distance:.1f} km away")
        else:
            place = other.neighbourhood.strip()
            signals["distance"] = 0.3 if place and listing.neighbourhood.strip() == place else 0.0
            if signals["distance"]:
                reasons.append(f"both in {place}")
        overlap = sorted(mine & set(other.availability or []), key=AVAILABILITY_SLOTS.index)
        signals["availability"] = len(overlap) / len(mine) if mine else 0.0
        if overlap:
            reasons.append(_slot_phrase(overlap))
        done = completed.get(other.owner_id, 0)
        signals["reliability"] = min(done, 10) / 10
        if done:
            reasons.append(f"{done} exchange{'s' if done != 1 else ''} completed")
        if good.get(other.owner_id):
            count = good[other.owner_id]
            reasons.append(f"{count} good reference{'s' if count != 1 else ''}")
        last = other.owner.last_login
        signals["activity"] = 1.0 if last and last >= recent else 0.0
        score = sum(WEIGHTS[name] * value for name, value in signals.items())
        if not signals["text"] and not signals["category"]:
            score *= 0.3  # near and free at the same time, but about something else
        scored.append(
            Match(
                listing=other,
                score=round(score, 4),
                reasons=reasons,
                distance_km=distance,
                signals=signals,
            )
        )
    scored.sort(key=lambda m: (-m.score, -m.listing.created_at.timestamp(), -m.listing.pk))
    return scored[:limit]


@dataclass
class PersonMatch:
    """A member whose gift profile fits a listing: who, how well, and why in plain words. No
    contact details: the page links to their member page and to "Send a message"."""

    person: Any
    member_number: int
    score: float
    reasons: list[str]


PEOPLE_CANDIDATES = 200
GIFT_DETAIL_WEIGHT = 0.34  # a word shared only with the request's description counts a third
TEACH_GIFT = "teach"


# Who a viewer does not want suggested: person -> ids. Messaging (which owns blocks and reads
# listings, so exchanges may not import it) hands over its `blocked_by` at start-up
# (messaging/apps.py).
PeopleHiddenFrom = Callable[[Any], set[int]]
_hidden_from: list[PeopleHiddenFrom] = []


def people_hidden_from_set(source: PeopleHiddenFrom) -> None:
    """Where people_for finds the people a viewer has blocked (set once, at start-up)."""
    _hidden_from[:] = [source]


def people_for(listing: Listing, viewer, *, limit: int = 5) -> list[PersonMatch]:
    """For an active request, members of its community with a gift that shares a word of what
    the request is about (its title, tags or category) and who have no active offer there (those are
    among the matches already), best first. Only for viewers who may read the member directory
    (members and operators; others get an empty list). For an offer the list is empty: a gift
    profile records what people give, not what they need, and the requests it could answer are its
    matches. Raises NotFound when the viewer may not see the listing."""
    access_listing(viewer, listing)
    community = listing.community
    if listing.kind != ListingKind.REQUEST or listing.status != ListingStatus.ACTIVE:
        return []
    if community_access.membership_of(viewer, community) is None and not getattr(
        viewer, "is_operator", False
    ):
        return []
    # What the request is about (title, tags, category) must meet a gift; words of the
    # description only add to the score, as they are often incidental ("I don't know where...").
    focus = words_of(listing.title, " ".join(listing.tags or []), listing.category.name)
    words = listing_words(listing)
    if not focus:
        return []
    mentions = Q()
    for word in sorted(focus)[:12]:
        mentions |= Q(gifts__description__icontains=word)
    offering = Listing.objects.filter(
        community=community,
        kind=ListingKind.OFFER,
        status=ListingStatus.ACTIVE,
        expires_at__gt=timezone.now(),
    ).values("owner_id")
    unwanted = {listing.owner_id, viewer.pk, *(_hidden_from[0](viewer) if _hidden_from else ())}
    people = list(
        get_user_model()
        .objects.filter(
            memberships__community=community,
            memberships__status="active",
            is_active=True,
            pseudonymised_at__isnull=True,
        )
        .filter(mentions)
        .exclude(pk__in=offering)
        .exclude(pk__in=unwanted)
        .distinct()
        .order_by(F("last_login").desc(nulls_last=True), "pk")
        .prefetch_related("gifts")[:PEOPLE_CANDIDATES]
    )
    numbers = memberships_selectors.member_numbers(community, {p.pk for p in people})
    recent = timezone.now() - dt.timedelta(days=30)
    found = []
    for person in people:
        fitting = []
        for gift in person.gifts.all():
            shared = words & words_of(gift.description)
            if shared & focus:
                fitting.append(
                    (len(shared & focus) + GIFT_DETAIL_WEIGHT * len(shared - focus), gift)
                )
        if not fitting or person.pk not in numbers:
            continue
        fitting.sort(key=lambda item: (-item[0], item[1].pk))
        reasons = [f'their gifts include "{fitting[0][1].description}"']
        score = 0.6 * min(1.0, fitting[0][0] / min(len(focus), 3))
        if any(g.kind == TEACH_GIFT for _, g in fitting):
            score += 0.1
            reasons.append("willing to teach")
        if listing.neighbourhood.strip() and (
            person.neighbourhood.strip().lower() == listing.neighbourhood.strip().lower()
        ):
            score += 0.2
            reasons.append(f"also in {person.neighbourhood.strip()}")
        if person.last_login and person.last_login >= recent:
            score += 0.1
        found.append(
            PersonMatch(
                person=person,
                member_number=numbers[person.pk],
                score=round(score, 4),
                reasons=reasons,
            )
        )
    found.sort(key=lambda m: (-m.score, m.member_number))
    return found[:limit]


def match_summary(match: Match) -> str:
    return ", ".join(match.reasons) if match.reasons else "a possible match"
