"""Synthetic listings in bulk, for `coproduce seed` and the listing benchmark
(bench/bench_listings.py).

Like the seeded members (people.py), these listings bypass `listing_create` on purpose: a million
listings one service call at a time would take hours. What the services guarantee is kept here
instead: the search text is built by the exchanges services' own `listing_search_document`, the
availability mask by `availability_mask`, map points are rounded to `POINT_DECIMALS` as
`_clean_point` rounds them, and on SQLite every listing gets its FTS5 row, as `_search_index_sync`
writes it. No audit rows are written (synthetic listings have no history worth auditing).

Titles and descriptions come from a vocabulary per default category, so full-text search and
matching meet the words people use ("lifts to the hospital", "dog walking", "setting up a
laptop"). About 85% of listings are active (expiring within six months), 8% closed and 7%
expired; 55% are offers. PostgreSQL loads them with COPY, SQLite with batched inserts."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coproduce.communities.models import Community, Membership, MembershipStatus
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.exchanges.models import (
    Category,
    Listing,
    ListingKind,
    ListingMode,
    ListingStatus,
    ListingVisibility,
)
from coproduce.exchanges.services import lexicon
from coproduce.exchanges.services.listings import (
    POINT_DECIMALS,
    availability_mask,
    listing_search_document,
)

# Per default category: what people offer or ask for (lower case, read inside a sentence), and tags.
VOCABULARY: dict[str, tuple[list[str], list[str]]] = {
    "cleaning-and-tidying": (
        [
            "cleaning the kitchen",
            "tidying a spare room",
            "spring cleaning",
            "clearing clutter",
            "washing windows",
            "ironing",
        ],
        ["cleaning", "tidying", "ironing", "declutter"],
    ),
    "diy-and-small-repairs": (
        [
            "putting up shelves",
            "fixing a dripping tap",
            "hanging curtain rails",
            "assembling flat-pack furniture",
            "changing light bulbs",
            "fixing a squeaky door",
        ],
        ["diy", "shelves", "drill", "repairs", "flatpack"],
    ),
    "decorating": (
        [
            "painting a bedroom",
            "wallpapering",
            "painting the fence",
            "filling cracks before painting",
        ],
        ["painting", "wallpaper", "decorating"],
    ),
    "cooking-and-meals": (
        [
            "batch cooking for the freezer",
            "a hot meal once a week",
            "baking bread",
            "cooking on a budget",
            "making soup",
        ],
        ["cooking", "meals", "baking", "soup"],
    ),
    "sewing-and-mending": (
        [
            "taking up trousers",
            "mending a torn coat",
            "sewing on buttons",
            "altering a dress",
            "darning jumpers",
        ],
        ["sewing", "mending", "alterations"],
    ),
    "gardening": (
        [
            "weeding the borders",
            "pruning roses",
            "clearing an overgrown garden",
            "planting bulbs",
            "raking leaves",
            "trimming a hedge",
        ],
        ["gardening", "weeding", "pruning", "hedge"],
    ),
    "lawn-mowing": (
        ["mowing the lawn", "cutting the grass", "strimming the edges"],
        ["lawn", "mowing", "grass"],
    ),
    "allotment-and-growing-food": (
        [
            "digging the allotment",
            "growing vegetables",
            "sowing seeds",
            "sharing an allotment plot",
            "growing tomatoes",
        ],
        ["allotment", "vegetables", "seeds", "growing"],
    ),
    "houseplants": (
        ["repotting houseplants", "watering plants while you are away", "rescuing a sad cactus"],
        ["houseplants", "plants", "watering"],
    ),
    "lifts-to-appointments": (
        [
            "lifts to the hospital",
            "a lift to the surgery",
            "driving to the dentist",
            "lifts to the eye clinic",
            "a lift to physiotherapy",
        ],
        ["lifts", "hospital", "driving", "car", "appointments"],
    ),
    "shopping-trips": (
        [
            "a lift to the supermarket",
            "carrying heavy shopping",
            "weekly shopping",
            "picking up prescriptions",
        ],
        ["shopping", "supermarket", "prescriptions"],
    ),
    "moving-and-carrying": (
        [
            "carrying boxes",
            "moving furniture",
            "helping with a house move",
            "taking things to the tip",
        ],
        ["moving", "boxes", "furniture", "van"],
    ),
    "bike-repair": (
        ["fixing punctures", "adjusting bike brakes", "a bike service", "setting up gears"],
        ["bikes", "cycling", "puncture", "repairs"],
    ),
    "languages-and-conversation": (
        [
            "English conversation practice",
            "learning Spanish",
            "French for beginners",
            "Polish conversation",
            "Urdu conversation",
        ],
        ["english", "spanish", "french", "polish", "urdu", "languages"],
    ),
    "homework-help": (
        [
            "maths homework",
            "reading with children",
            "GCSE science revision",
            "help with times tables",
        ],
        ["maths", "homework", "gcse", "reading", "school"],
    ),
    "music-lessons": (
        ["beginner guitar lessons", "piano practice", "learning the ukulele", "singing together"],
        ["guitar", "piano", "ukulele", "music", "singing"],
    ),
    "reading-and-writing": (
        ["reading practice for adults", "improving spelling", "writing a CV"],
        ["reading", "writing", "spelling", "cv"],
    ),
    "befriending-and-company": (
        [
            "a cup of tea and a chat",
            "company in the afternoons",
            "a friendly visit",
            "playing cards together",
            "talking things over",
        ],
        ["company", "befriending", "chat", "tea"],
    ),
    "phone-calls": (
        ["a friendly phone call", "a weekly check-in call", "a morning phone chat"],
        ["phone", "calls", "check-in"],
    ),
    "walks-and-outings": (
        [
            "a walk round the park",
            "trips to the seaside",
            "going to the library together",
            "a walk by the canal",
        ],
        ["walks", "outings", "park", "canal"],
    ),
    "pet-care": (
        [
            "dog walking",
            "feeding cats while you are away",
            "looking after a rabbit",
            "taking the dog to the vet",
        ],
        ["dogs", "cats", "pets", "walking"],
    ),
    "childminding": (
        ["school pick-ups", "babysitting for an evening", "looking after toddlers"],
        ["childcare", "babysitting", "school"],
    ),
    "exercise-and-movement": (
        ["gentle exercise", "chair yoga", "a walking group", "stretching after an operation"],
        ["exercise", "yoga", "fitness", "walking"],
    ),
    "relaxation-and-wellbeing": (
        ["relaxation and breathing", "mindfulness", "hand massage"],
        ["relaxation", "mindfulness", "wellbeing"],
    ),
    "hairdressing-and-beauty": (
        ["a haircut at home", "setting hair", "cutting nails"],
        ["haircut", "hairdressing", "nails"],
    ),
    "accompanying-to-hospital": (
        [
            "company at hospital appointments",
            "sitting with you at outpatients",
            "visiting on the ward",
        ],
        ["hospital", "appointments", "company"],
    ),
    "computer-help": (
        [
            "computer help",
            "setting up a laptop",
            "fixing a slow computer",
            "setting up a printer",
            "backing up photos",
            "online banking safely",
        ],
        ["computer", "laptop", "printer", "windows", "scams"],
    ),
    "phones-and-tablets": (
        ["smartphone basics", "setting up a tablet", "using WhatsApp", "sending photos by text"],
        ["smartphone", "tablet", "whatsapp", "iphone", "android"],
    ),
    "internet-and-email": (
        [
            "setting up email",
            "shopping online",
            "using the internet safely",
            "booking tickets online",
        ],
        ["email", "internet", "online", "scams"],
    ),
    "video-calls": (
        ["video calls to family", "using Zoom", "setting up Skype"],
        ["video", "zoom", "skype"],
    ),
    "arts-and-crafts": (
        ["card making", "painting with watercolours", "making Christmas decorations", "pottery"],
        ["crafts", "painting", "cards", "art"],
    ),
    "photography": (
        ["taking better photos", "sorting old photographs", "scanning family photos"],
        ["photography", "photos", "camera"],
    ),
    "knitting-and-crochet": (
        ["knitting for beginners", "crochet blankets", "knitting hats for the hospital"],
        ["knitting", "crochet", "wool"],
    ),
    "writing-and-storytelling": (
        ["writing life stories", "a creative writing group", "recording family memories"],
        ["writing", "stories", "memoir"],
    ),
    "form-filling": (
        [
            "filling in benefit forms",
            "a blue badge application",
            "council tax forms",
            "a housing application",
        ],
        ["forms", "benefits", "council", "housing"],
    ),
    "letter-writing": (
        ["reading post together", "writing letters", "letters to the council"],
        ["letters", "post", "writing"],
    ),
    "budgeting": (
        ["making a household budget", "sorting out bills", "saving on energy bills"],
        ["budgeting", "bills", "money", "energy"],
    ),
    "translation-and-interpreting": (
        [
            "interpreting at the GP",
            "translating letters",
            "Bengali interpreting",
            "Arabic translation",
        ],
        ["interpreting", "translation", "bengali", "arabic"],
    ),
    "event-help": (
        ["setting up community events", "running a tea stall", "putting out chairs"],
        ["events", "volunteering", "tea"],
    ),
    "litter-picking": (
        ["litter picking in the park", "a canal clean-up", "tidying the street"],
        ["litter", "clean-up", "canal"],
    ),
    "befriending-newcomers": (
        ["welcoming new neighbours", "showing newcomers around", "a welcome walk"],
        ["newcomers", "welcome", "neighbours"],
    ),
    "group-activities": (
        ["a board games afternoon", "a lunch club", "a community choir", "a walking group"],
        ["group", "games", "lunch", "choir"],
    ),
}

OFFER_TITLES = [
    "{P}",
    "Happy to help with {p}",
    "{P} for neighbours",
    "Offering {p}",
    "{P}, at your pace",
]
REQUEST_TITLES = [
    "Help with {p}",
    "Looking for help with {p}",
    "Could someone help with {p}?",
    "{P} needed",
    "Wanted: {p}",
]
OFFER_OPENINGS = [
    "I enjoy {p} and would be glad to help.",
    "I have done a lot of {p} over the years.",
    "Retired and happy to help with {p}.",
    "I can help with {p}, no fuss.",
]
REQUEST_OPENINGS = [
    "I am looking for someone to help with {p}.",
    "Since my operation I need help with {p}.",
    "I live alone and could do with help with {p}.",
    "I would love some help with {p}.",
]
MORE = ["I can also help with {q}.", "Also {q}, if that is useful.", "{Q} too, if needed."]
CLOSINGS = [
    "Weekday mornings suit me best.",
    "Evenings are easiest for me.",
    "I live near {n}.",
    "Happy to meet at the library first.",
    "No experience needed.",
    "Short notice is fine.",
    "Once a week or as a one-off.",
    "",
]
STATUS_WEIGHTS = [(ListingStatus.ACTIVE, 85), (ListingStatus.CLOSED, 8), (ListingStatus.EXPIRED, 7)]
VISIBILITY_WEIGHTS = [
    (ListingVisibility.COMMUNITY, 90),
    (ListingVisibility.PUBLIC, 10),
]  # no "allied" before federation
MODE_WEIGHTS = [(ListingMode.IN_PERSON, 75), (ListingMode.REMOTE, 15), (ListingMode.AT_HOME, 10)]
WITH_POINT = 0.8
COLUMNS = [
    "community_id",
    "owner_id",
    "kind",
    "title",
    "description",
    "category_id",
    "tags",
    "expires_at",
    "availability",
    "availability_mask",
    "neighbourhood",
    "lat",
    "lng",
    "mode",
    "is_group",
    "visibility",
    "status",
    "search_document",
    "created_at",
    "updated_at",
    "closed_at",
]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _weighted(rng: random.Random, weights: list[tuple[Any, int]], n: int) -> list[Any]:
    return rng.choices([w[0] for w in weights], weights=[w[1] for w in weights], k=n)


def _rows(
    *,
    community,
    owners: Sequence[tuple[int, str]],
    places: dict[str, tuple[float, float]],
    count: int,
    rng: random.Random,
    now: dt.datetime,
) -> Iterator[list[Any]]:
    categories = {
        c.slug: c for c in Category.objects.filter(community=None, slug__in=list(VOCABULARY))
    }
    slugs = sorted(categories)
    kinds = [ListingKind.OFFER] * 11 + [ListingKind.REQUEST] * 9
    slots = list(AVAILABILITY_SLOTS)
    statuses = _weighted(rng, STATUS_WEIGHTS, count)
    visibilities = _weighted(rng, VISIBILITY_WEIGHTS, count)
    modes = _weighted(rng, MODE_WEIGHTS, count)
    for i in range(count):
        owner_id, hood = owners[rng.randrange(len(owners))]
        category = categories[rng.choice(slugs)]
        phrases, tag_pool = VOCABULARY[category.slug]
        kind = rng.choice(kinds)
        phrase, other = rng.choice(phrases), rng.choice(phrases)
        offer = kind == ListingKind.OFFER
        title = rng.choice(OFFER_TITLES if offer else REQUEST_TITLES).format(
            p=phrase, P=_cap(phrase)
        )
        sentences = [rng.choice(OFFER_OPENINGS if offer else REQUEST_OPENINGS).format(p=phrase)]
        if other != phrase:
            sentences.append(rng.choice(MORE).format(q=other, Q=_cap(other)))
        sentences.append(rng.choice(CLOSINGS).format(n=hood))
        description = " ".join(s for s in sentences if s)
        tags = rng.sample(tag_pool, rng.randint(1, min(3, len(tag_pool))))
        availability = sorted(rng.sample(slots, rng.randint(1, 6)), key=slots.index)
        lat = lng = None
        if rng.random() < WITH_POINT and hood in places:
            centre = places[hood]
            lat = round(centre[0] + rng.gauss(0, 0.012), POINT_DECIMALS)
            lng = round(centre[1] + rng.gauss(0, 0.018), POINT_DECIMALS)
        status = statuses[i]
        closed_at = None
        if status == ListingStatus.ACTIVE:
            created = now - dt.timedelta(minutes=rng.randint(1, 180 * 24 * 60))
            expires = now + dt.timedelta(minutes=rng.randint(60, 180 * 24 * 60))
        else:
            created = now - dt.timedelta(minutes=rng.randint(30 * 24 * 60, 365 * 24 * 60))
            expires = created + dt.timedelta(days=rng.randint(7, 28))
            if status == ListingStatus.CLOSED:
                closed_at = expires - dt.timedelta(days=rng.randint(1, 6))
        updated = closed_at or (expires if status == ListingStatus.EXPIRED else created)
        document = listing_search_document(
            title=title, description=description, tags=tags, category_name=category.name
        )
        yield [
            community.pk,
            owner_id,
            kind,
            title,
            description,
            category.pk,
            tags,
            expires,
            availability,
            availability_mask(availability),
            hood,
            lat,
            lng,
            modes[i],
            rng.random() < 0.05,
            visibilities[i],
            status,
            document,
            created,
            updated,
            closed_at,
        ]


def listings_seed(
    *,
    community,
    owners: Sequence[tuple[int, str]],
    places: dict[str, tuple[float, float]],
    count: int,
    rng: random.Random,
    batch_size: int = 20_000,
    advance: Callable[[int], None] | None = None,
) -> int:
    """Write `count` synthetic listings for the community, owned by `owners` ((person id,
    neighbourhood) pairs, the people's own neighbourhoods), with points scattered around the
    neighbourhood centres in `places`. Returns how many were written. The same `rng` state gives
    the same listings; dates are relative to now."""
    if count <= 0 or not owners:
        return 0
    rows = _rows(
        community=community, owners=owners, places=places, count=count, rng=rng, now=timezone.now()
    )
    done = 0
    while done < count:
        batch = [row for _, row in zip(range(min(batch_size, count - done)), rows, strict=False)]
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _copy(batch)
            else:
                _insert(batch)
        done += len(batch)
        if advance:
            advance(len(batch))
    return done


def insert_listings(
    seed: str,
    community: Community,
    places: dict[str, tuple[float, float]],
    count: int,
    advance: Callable[[int], None] | None = None,
) -> None:
    """`count` listings owned by the community's active members, from the seed (a string)."""
    owners = list(
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE)
        .order_by("number")
        .values_list("person_id", "person__neighbourhood")
    )
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
    listings_seed(
        community=community, owners=owners, places=places, count=count, rng=rng, advance=advance
    )


def _copy(batch: list[list[Any]]) -> None:
    """PostgreSQL: one COPY per batch, the fastest way in (the indexes are kept up as it goes)."""
    sql = f"COPY {Listing._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
    tags, availability = COLUMNS.index("tags"), COLUMNS.index("availability")
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in batch:
            row[tags], row[availability] = json.dumps(row[tags]), json.dumps(row[availability])
            copy.write_row(row)


def _insert(batch: list[list[Any]]) -> None:
    """SQLite: batched inserts, then the FTS5 rows and the lexicon's words the services would
    have written one by one."""
    listings = Listing.objects.bulk_create(
        [Listing(**dict(zip(COLUMNS, row, strict=True))) for row in batch], batch_size=500
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO exchanges_listing_fts (rowid, document) VALUES (%s, %s)",
            [(listing.pk, listing.search_document) for listing in listings],
        )
        lexicon.words_add(cursor, (listing.search_document for listing in listings))
