"""Listing search and matches benchmark: `selectors.listing_search` and `matching.matches_for`
against hand-written SQL, at a million listings. PostgreSQL only.

    DATABASE_URL=postgres://... python bench/bench_listings.py      # an EMPTY PostgreSQL database
    ... --communities 10 --members 20000 --listings 100000          # the defaults: 200,000 members
                                                                    # and 1,000,000 listings in all

Seeds with `coproduce seed --listings` (timed), then, as a member of the first community:

- search: --queries varied searches (words, typos, a category, near a point within a distance,
  free times and kind, browsing newest or recently active), each through the selector the API
  and the search page call (the viewer's membership look-up, the page query, model instances),
  and as raw SQL over psycopg with the same parameters returning the same ids (checked equal);
- matches: the top 10 for --matches active listings through `matching.matches_for` (candidate
  queries, scoring in Python, reasons), and as raw SQL sending the same candidate queries and
  fetching the candidates (no scoring).

Each case runs once to warm up, then --runs times alternating selector and SQL; p50 and p95 are
over all timed runs. Targets (issue 4): search p95 under 100 ms, top-10 matches p95 under 200 ms.
Prints markdown tables with PASS or MISS; the exit code does not depend on them.

Run through `make bench` (scripts/bench.sh), which starts a throwaway PostgreSQL."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEARCH_TARGET_MS = 100
MATCHES_TARGET_MS = 200
PAGE = 20  # the API's default page size
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.32
# The selector's per-word term (selectors._WORD_TERM), written out again on purpose: this is the SQL
# a person would write by hand for the same search.
WORD_TERM = (
    "(to_tsquery('english'::regconfig, %s) || COALESCE(to_tsquery('english'::regconfig, ("
    "SELECT string_agg(alike.word, ' | ') FROM (SELECT word FROM exchanges_listing_word"
    " WHERE word %% %s AND similarity(word, %s) >= 0.5"
    " AND NOT EXISTS (SELECT 1 FROM exchanges_listing_word WHERE word = %s)"
    " ORDER BY similarity(word, %s) DESC, word LIMIT 3) AS alike)), ''::tsquery))"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=10)
    parser.add_argument("--members", type=int, default=20_000, help="Members per community.")
    parser.add_argument("--listings", type=int, default=100_000, help="Listings per community.")
    parser.add_argument("--queries", type=int, default=200, help="Search cases.")
    parser.add_argument("--matches", type=int, default=100, help="Listings to find matches for.")
    parser.add_argument(
        "--runs", type=int, default=3, help="Timed runs of each case (after one warm-up run)."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Time the communities a previous run seeded in this database instead of seeding.",
    )
    args = parser.parse_args()
    if (
        min(args.communities, args.members, args.listings, args.queries, args.matches, args.runs)
        < 1
    ):
        parser.error("every size must be at least 1")
    return args


def coproduce(*argv: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "coproduce.cli", *argv],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (5 min {five:.2f})"


def main() -> None:
    args = parse_args()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-not-a-secret",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="ERROR",
    )
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        print("bench_listings: PostgreSQL only (give DATABASE_URL); skipped.")
        return
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.db import connection

    from coproduce.communities.models import Community, Membership
    from coproduce.exchanges.models import Listing

    coproduce("migrate", "--skip-checks", "-v", "0", env=env)
    load_before = load()
    seed_seconds = None
    if args.reuse:
        args.communities = Community.objects.filter(slug__startswith="seed-").count()
        args.members = Membership.objects.filter(community__slug="seed-1").count()
        args.listings = Listing.objects.filter(community__slug="seed-1").count()
    elif Community.objects.exists():
        sys.exit(
            "The benchmark database must be empty: it seeds its own communities. Give an empty "
            "DATABASE_URL."
        )
    else:
        seed_seconds = coproduce(
            "seed",
            "--communities",
            str(args.communities),
            "--members",
            str(args.members),
            "--listings",
            str(args.listings),
            "--seed",
            str(args.seed),
            "--skip-checks",
            "-v",
            "0",
            env=env,
        )
    community = Community.objects.get(slug="seed-1")
    viewer = Membership.objects.select_related("person").get(community=community, number=2).person
    rng = random.Random(args.seed)  # noqa: S311 - benchmark data, not a secret
    load_start = load()

    searches = search_cases(rng, community, args.queries)
    search_rows = run_searches(connection, community, viewer, searches, args.runs)
    match_rows = run_matches(connection, community, viewer, rng, args.matches, args.runs)
    load_end = load()

    connection.ensure_connection()
    number = connection.connection.info.server_version
    members, listings = args.communities * args.members, args.communities * args.listings
    print()
    print(
        f"Database: PostgreSQL {number // 10000}.{number % 10000}; {members:,} members and "
        f"{listings:,} listings in {args.communities} "
        f"communit{'y' if args.communities == 1 else 'ies'} ({args.members:,} members and "
        f"{args.listings:,} listings each; seed {args.seed}); searches and matches in the first; "
        f"{args.runs} timed runs per case after one warm-up."
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Load average: {load_before} before seeding, {load_start} "
        f"after, {load_end} at the end."
    )
    if seed_seconds is not None:
        print(
            f"Seed time (`coproduce seed --communities {args.communities} --members {args.members} "
            f"--listings {args.listings}`): {seed_seconds:.1f} s."
        )
    else:
        print("Seeded by an earlier run (--reuse).")
    print()
    print(
        "| measure | cases | selector p50 ms | selector p95 ms | raw SQL p50 ms | raw SQL p95 ms | "
        "ratio (p50) | target p95 | |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, rows, target in (
        ("search, page of 20", search_rows, SEARCH_TARGET_MS),
        ("top-10 matches", match_rows, MATCHES_TARGET_MS),
    ):
        sel = [t for r in rows for t in r[2]]
        raw = [t for r in rows for t in r[3]]
        p95 = percentile(sel, 95) * 1000
        print(
            f"| {label} | {len(rows)} | {statistics.median(sel) * 1000:.1f} | {p95:.1f} | "
            f"{statistics.median(raw) * 1000:.1f} | {percentile(raw, 95) * 1000:.1f} | "
            f"{statistics.median(sel) / statistics.median(raw):.2f} | < {target} | "
            f"{'PASS' if p95 < target else 'MISS'} |"
        )
    print()
    print("Search by kind of query:")
    print()
    print(
        "| kind | cases | results (median) | selector p50 ms | selector p95 ms | raw SQL p50 ms | "
        "raw SQL p95 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in dict.fromkeys(r[0] for r in search_rows):
        rows = [r for r in search_rows if r[0] == kind]
        sel = [t for r in rows for t in r[2]]
        raw = [t for r in rows for t in r[3]]
        print(
            f"| {kind} | {len(rows)} | {statistics.median(r[1] for r in rows):.0f} | "
            f"{statistics.median(sel) * 1000:.1f} | {percentile(sel, 95) * 1000:.1f} | "
            f"{statistics.median(raw) * 1000:.1f} | {percentile(raw, 95) * 1000:.1f} |"
        )
    slow = sorted(search_rows, key=lambda r: -max(r[2]))[:5]
    print()
    print(
        "Slowest searches (selector, worst run): "
        + "; ".join(f"{describe(r[4])} {max(r[2]) * 1000:.0f} ms" for r in slow)
    )


# Search ------------------------------------------------------------------------------------------


def describe(kw: dict) -> str:
    return "{" + ", ".join(f"{k}={v!r}" for k, v in kw.items()) + "}"


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(["drop", "swap", "double"])
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i] + word[i:]


def search_cases(rng: random.Random, community, how_many: int) -> list[tuple[str, dict]]:
    from coproduce.communities.models import Neighbourhood
    from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
    from coproduce.exchanges.selectors.matching import STOPWORDS
    from coproduce.ops.seeding.listings import VOCABULARY

    words = sorted(
        {
            w.lower().strip("?,.")
            for phrases, tags in VOCABULARY.values()
            for text in phrases + tags
            for w in text.split()
            if len(w) >= 4 and w.lower() not in STOPWORDS and w.isalpha()
        }
    )
    long_words = [w for w in words if len(w) >= 6]
    slugs = sorted(VOCABULARY)
    places = [(n.lat, n.lng) for n in Neighbourhood.objects.filter(community=community)]
    cases: list[tuple[str, dict]] = []
    kinds = ["words", "words", "typo", "category", "near", "available", "browse"]
    for i in range(how_many):
        kind = kinds[i % len(kinds)]
        kw: dict = {}
        if kind == "words":
            kw["q"] = " ".join(rng.sample(words, rng.choice([1, 1, 2])))
        elif kind == "typo":
            kw["q"] = typo(rng, rng.choice(long_words))
        elif kind == "category":
            kw["category"] = rng.choice(slugs)
            if rng.random() < 0.5:
                phrases, _ = VOCABULARY[kw["category"]]
                kw["q"] = rng.choice(
                    [w for w in rng.choice(phrases).split() if len(w) >= 4] or ["help"]
                )
        elif kind == "near":
            lat, lng = rng.choice(places)
            kw["near"] = (
                round(lat + rng.uniform(-0.01, 0.01), 4),
                round(lng + rng.uniform(-0.01, 0.01), 4),
            )
            kw["within_km"] = rng.choice([1, 2, 3, 5])
            if rng.random() < 0.5:
                kw["q"] = rng.choice(words)
            if rng.random() < 0.3:
                kw["sort"] = "distance"
        elif kind == "available":
            kw["available"] = rng.sample(AVAILABILITY_SLOTS, rng.randint(1, 3))
            kw["kind"] = rng.choice(["offer", "request"])
            if rng.random() < 0.5:
                kw["q"] = rng.choice(words)
        else:
            kw["sort"] = "newest"
            if rng.random() < 0.5:
                kw["active_since_days"] = 30
        cases.append((kind, kw))
    return cases


def run_searches(connection, community, viewer, cases, runs: int):
    from django.utils import timezone

    from coproduce.exchanges.access import listing_visibilities
    from coproduce.exchanges.selectors import search as search_selectors

    rows = []
    mismatches = []
    visibilities = listing_visibilities(viewer, community)  # the selector reads them in each call
    for kind, kw in cases:

        def selector(kw=kw):
            return [
                x.pk
                for x in search_selectors.listing_search(
                    community, viewer, limit=PAGE, **kw
                ).listings
            ]

        def raw(kw=kw):
            return raw_search(connection, community.pk, visibilities, timezone.now(), **kw)

        expected = selector()
        if raw() != expected:
            mismatches.append(kw)
        sel_times, raw_times = timed(selector, raw, runs)
        rows.append((kind, len(expected), sel_times, raw_times, kw))
    if mismatches:
        print(
            f"WARNING: raw SQL and the selector disagree for {len(mismatches)} searches, e.g. "
            f"{describe(mismatches[0])}"
        )
    return rows


def timed(selector, raw, runs: int) -> tuple[list[float], list[float]]:
    sel_times: list[float] = []
    raw_times: list[float] = []
    for i in range(runs + 1):
        # Alternate, so neither side always runs with a warmer cache.
        pairs = (
            ((selector, sel_times), (raw, raw_times))
            if i % 2
            else ((raw, raw_times), (selector, sel_times))
        )
        for fn, times in pairs:
            started = time.perf_counter()
            fn()
            if i:
                times.append(time.perf_counter() - started)
    return sel_times, raw_times


def raw_search(
    connection,
    community_id: int,
    visibilities: list[str],
    now: dt.datetime,
    *,
    q: str = "",
    kind: str | None = None,
    category: str | None = None,
    near=None,
    within_km=None,
    available=None,
    active_since_days=None,
    sort: str = "relevance",
) -> list[int]:
    from coproduce.communities.services.profiles import AVAILABILITY_SLOTS

    where = [
        "l.community_id = %s",
        "l.status = 'active'",
        "l.expires_at > %s",
        "l.visibility = ANY(%s)",
    ]
    params: list = [community_id, now, visibilities]
    key, key_params = "NULL", []  # what the page is sorted by
    if kind:
        where.append("l.kind = %s")
        params.append(kind)
    if category:
        where.append("c.slug = %s")
        params.append(category)
    if available:
        where.append("(l.availability_mask & %s) > 0")
        params.append(sum(1 << AVAILABILITY_SLOTS.index(s) for s in set(available)))
    if active_since_days:
        where.append("p.last_login >= %s")
        params.append(now - dt.timedelta(days=active_since_days))
    distance = ""
    if near is not None:
        lat, lng = near
        distance = (
            "(%s * ASIN(LEAST(SQRT((POWER(SIN((RADIANS((l.lat - %s)) / %s)), %s) + ((%s * "
            "COS(RADIANS(l.lat))) * POWER(SIN((RADIANS((l.lng - %s)) / %s)), %s)))), %s)))"
        )
        distance_params = [
            2 * EARTH_RADIUS_KM,
            lat,
            2.0,
            2,
            math.cos(math.radians(lat)),
            lng,
            2.0,
            2,
            1.0,
        ]
        if sort == "distance":
            key, key_params = distance, distance_params
        if within_km is not None:
            dlat = within_km / KM_PER_DEGREE
            dlng = within_km / (KM_PER_DEGREE * math.cos(math.radians(lat)))
            where += [
                "l.lat >= %s",
                "l.lat <= %s",
                "l.lng >= %s",
                "l.lng <= %s",
                f"{distance} <= %s",
            ]
            params += [lat - dlat, lat + dlat, lng - dlng, lng + dlng, *distance_params, within_km]
        elif sort == "distance":
            where.append("l.lat IS NOT NULL AND l.lng IS NOT NULL")
    words = re.findall(r"\w+", q.lower())[:10]
    if words:
        query = " && ".join([WORD_TERM] * len(words))
        query_params = [p for w in words for p in (f"{w}:*", w, w, w, w)]
        where.append(f"l.search_vector @@ ({query})")
        params += query_params
        if sort == "relevance":
            key, key_params = f"ts_rank(l.search_vector, ({query}))::double precision", query_params
    elif sort == "relevance":
        sort = "newest"
    order = {
        "relevance": "2 DESC, l.id DESC",
        "distance": "2 ASC, l.id ASC",
        "newest": "l.created_at DESC, l.id DESC",
    }
    sql = (
        f"SELECT l.id, {key}, l.*, p.*, c.* FROM exchanges_listing l "  # noqa: S608 - constant SQL
        "JOIN communities_person p ON p.id = l.owner_id JOIN exchanges_category c ON c.id = "
        f"l.category_id WHERE {' AND '.join(where)} ORDER BY {order[sort]} LIMIT {PAGE + 1}"
    )
    with connection.connection.cursor() as cursor:
        cursor.execute(sql, [*key_params, *params])
        return [row[0] for row in cursor.fetchall()][:PAGE]


# Matches -----------------------------------------------------------------------------------------


def run_matches(connection, community, viewer, rng: random.Random, how_many: int, runs: int):
    from django.utils import timezone

    from coproduce.exchanges.access import listing_visibilities
    from coproduce.exchanges.models import Listing
    from coproduce.exchanges.selectors import listings as listings_selectors
    from coproduce.exchanges.selectors import matching

    ids = list(
        Listing.objects.filter(community=community, status="active", expires_at__gt=timezone.now())
        .order_by("id")
        .values_list("id", flat=True)
    )
    rows = []
    visibilities = listing_visibilities(viewer, community)
    for listing_id in sorted(rng.sample(ids, min(how_many, len(ids)))):
        listing = listings_selectors.listing_get(community, viewer, listing_id)

        def selector(listing=listing):
            return matching.matches_for(listing, viewer, limit=10)

        def raw(listing=listing):
            words = matching.listing_words(listing)
            return raw_candidates(
                connection, listing, visibilities, sorted(words)[:12], timezone.now()
            )

        found = selector()
        sel_times, raw_times = timed(selector, raw, runs)
        rows.append(("matches", len(found), sel_times, raw_times, {"listing": listing_id}))
    return rows


def raw_candidates(connection, listing, visibilities, words: list[str], now: dt.datetime) -> int:
    """The candidate queries `matches_for` sends, as SQL: by category, by words, nearby, by
    category group; then the candidates with their owners and categories, and the owners'
    completed exchanges and good references. Returns how many candidates."""
    opposite = "offer" if listing.kind == "request" else "request"
    base = (
        "FROM exchanges_listing l WHERE l.community_id = %s AND l.kind = %s AND l.status = "
        "'active' AND l.expires_at > %s AND l.visibility = ANY(%s) AND l.owner_id <> %s"
    )
    base_params = [listing.community_id, opposite, now, visibilities, listing.owner_id]
    newest = "ORDER BY l.created_at DESC, l.id DESC"
    ids: set[int] = set()
    with connection.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id {base} AND l.category_id = %s {newest} LIMIT 150",  # noqa: S608
            [*base_params, listing.category_id],
        )
        ids |= {r[0] for r in cursor.fetchall()}
        if words:
            cursor.execute(
                f"SELECT l.id {base} AND l.search_vector @@ to_tsquery('english'::regconfig, %s) "  # noqa: S608
                f"{newest} LIMIT 150",
                [*base_params, " | ".join(f"{w}:*" for w in words)],
            )
            ids |= {r[0] for r in cursor.fetchall()}
        if listing.lat is not None and listing.lng is not None:
            dlat = 10 / 111.32
            dlng = 10 / (111.32 * max(math.cos(math.radians(listing.lat)), 0.01))
            cursor.execute(
                f"SELECT l.id {base} AND l.lat >= %s AND l.lat <= %s"  # noqa: S608
                f" AND l.lng >= %s AND l.lng <= %s {newest} LIMIT 150",
                [
                    *base_params,
                    listing.lat - dlat,
                    listing.lat + dlat,
                    listing.lng - dlng,
                    listing.lng + dlng,
                ],
            )
            ids |= {r[0] for r in cursor.fetchall()}
        cursor.execute(
            f"SELECT l.id {base} AND l.category_id IN (SELECT id FROM exchanges_category "  # noqa: S608
            f'WHERE "group" = %s) AND NOT (l.id = ANY(%s)) {newest} LIMIT 50',
            [*base_params, listing.category.group, list(ids)],
        )
        ids |= {r[0] for r in cursor.fetchall()}
        cursor.execute(
            "SELECT l.owner_id, l.*, c.*, p.* FROM exchanges_listing l JOIN exchanges_category c "
            "ON c.id = l.category_id JOIN communities_person p ON p.id = l.owner_id WHERE l.id = "
            "ANY(%s)",
            [list(ids)],
        )
        candidates = cursor.fetchall()
        owners = list({row[0] for row in candidates})
        cursor.execute(
            "SELECT pa.person_id, COUNT(DISTINCT pa.exchange_id) FROM exchanges_participant pa "
            "JOIN exchanges_exchange e ON e.id = pa.exchange_id WHERE pa.person_id = ANY(%s) "
            "AND e.community_id = %s AND e.status = 'confirmed' GROUP BY pa.person_id",
            [owners, listing.community_id],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT r.subject_id, COUNT(*) FROM exchanges_exchangereference r "
            "JOIN exchanges_exchange e ON e.id = r.exchange_id WHERE r.subject_id = ANY(%s) "
            "AND e.community_id = %s AND r.kind = 'positive' GROUP BY r.subject_id",
            [owners, listing.community_id],
        )
        cursor.fetchall()
    return len(candidates)


if __name__ == "__main__":
    main()
