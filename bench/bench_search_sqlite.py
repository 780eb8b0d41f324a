"""Listing search on SQLite (the embedded default): `selectors.listing_search` with words and
with typos, and the typo widening of exchanges/lexicon.py on its own.

    python bench/bench_search_sqlite.py                      # a temporary SQLite file, seeded here
    python bench/bench_search_sqlite.py --listings 20000     # smaller
    python bench/bench_search_sqlite.py --extra-words 40000  # a lexicon as large as a big town's

Seeds one community with `coproduce seed --listings` (timed), then, as member 2, runs --queries
searches (a page of 20, as the API's default): one or two words of the seeder's vocabulary, a
typo of a word (a letter dropped, doubled or two swapped, as bench_listings.py makes them), and a
word nothing has. Each case runs once to warm up, then --runs times; p50 and p95 are over the
timed runs. Then the MATCH string alone (the lexicon's part: which known words a typo is widened
to), with the seeded lexicon and again after --extra-words made-up words are added to it (the
seeder's vocabulary is a few hundred words; a real town's listings use tens of thousands).
Prints markdown tables; docs/benchmarks.md has the figures."""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_listings import percentile, typo  # noqa: E402 - the same typos as the PostgreSQL benchmark


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--extra-words", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    folder = tempfile.mkdtemp(prefix="coproduce-bench-search-")
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-not-a-secret",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="ERROR",
    )
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "-m", "coproduce.cli", "migrate", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coproduce.cli",
            "seed",
            "--communities",
            "1",
            "--members",
            str(args.members),
            "--listings",
            str(args.listings),
            "--seed",
            str(args.seed),
            "--skip-checks",
            "-v",
            "0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seeded = time.perf_counter() - started
    sys.path.insert(0, str(ROOT))
    import sqlite3

    import django

    django.setup()
    from django.db import connection

    from coproduce.communities.models import Community, Membership
    from coproduce.exchanges.selectors import lexicon as lexicon_selectors
    from coproduce.exchanges.selectors import search as search_selectors
    from coproduce.exchanges.selectors.matching import STOPWORDS
    from coproduce.exchanges.services import lexicon as lexicon_services
    from coproduce.ops.seeding.listings import VOCABULARY

    community = Community.objects.get(slug="seed-1")
    viewer = Membership.objects.select_related("person").get(community=community, number=2).person
    rng = random.Random(args.seed)  # noqa: S311 - benchmark data, not a secret
    words = sorted(
        {
            w.lower().strip("?,.")
            for phrases, tags in VOCABULARY.values()
            for text in phrases + tags
            for w in text.split()
            if len(w) >= 4 and w.lower() not in STOPWORDS and w.isalpha()
        }
    )
    cases = []
    for i in range(args.queries):
        kind = ("words", "words", "typo", "nothing")[i % 4]
        if kind == "words":
            q = " ".join(rng.sample(words, rng.choice([1, 1, 2])))
        elif kind == "typo":
            q = typo(rng, rng.choice([w for w in words if len(w) >= 6]))
        else:
            q = "zq" + "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(5))
        cases.append((kind, q))

    timings: dict[str, list[float]] = {}
    found: dict[str, list[int]] = {}
    for kind, q in cases:
        page = search_selectors.listing_search(community, viewer, q=q, limit=20)
        for _ in range(args.runs):
            t = time.perf_counter()
            page = search_selectors.listing_search(community, viewer, q=q, limit=20)
            timings.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        found.setdefault(kind, []).append(len(page.listings))

    def widening(label: str) -> list[str]:
        samples = []
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM exchanges_listing_word")
            size = cursor.fetchone()[0]
            for kind, q in cases:
                if kind == "words":
                    continue
                sql, params = lexicon_selectors.fts_match(q.split())
                for _ in range(args.runs):
                    t = time.perf_counter()
                    cursor.execute(f"SELECT {sql}", params)  # noqa: S608 - the selector's own SQL
                    cursor.fetchone()
                    samples.append((time.perf_counter() - t) * 1000)
        return [
            f"| widening a typo or unknown word alone, {label} ({size:,} words) | {len(samples)} | "
            f"{statistics.median(samples):.2f} | {percentile(samples, 95):.2f} |"
        ]

    rows = widening("the seeded lexicon")
    made: set[str] = set()
    syllables = [w[i : i + 3] for w in words for i in range(0, len(w) - 2, 2)]
    while len(made) < args.extra_words:
        made.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))[:40])
    with connection.cursor() as cursor:
        lexicon_services.words_add(cursor, [" ".join(sorted(made))])
    rows += widening("with made-up words added")

    print(
        f"SQLite {sqlite3.sqlite_version}; {args.members:,} members and {args.listings:,} listings "
        f"in one community (seed {args.seed}, {seeded:.1f} s); {args.runs} timed runs per case "
        "after one warm-up."
    )
    one, five, _ = os.getloadavg()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {one:.2f} (5 min {five:.2f}) at the end."
    )
    print()
    print("| search (page of 20) | cases | p50 ms | p95 ms | results per page (median) |")
    print("|---|---:|---:|---:|---:|")
    for kind, samples in timings.items():
        print(
            f"| {kind} | {len(found[kind])} | {statistics.median(samples):.1f} | "
            f"{percentile(samples, 95):.1f} | {statistics.median(found[kind]):.0f} |"
        )
    print()
    print("| measure | runs | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
