"""Match query time on the demo data with the semantic matcher off and on.

    .venv/bin/python bench/bench_matching_semantic.py --runs 5

Builds the Riverside demo (`coproduce demo --no-serve`) in SQLite in a temporary directory, runs
the embedding job once (timed: it loads the model and embeds every active listing), then times
`matching.matches_for(listing, coordinator, limit=10)` for every active listing of the demo,
`--runs` times each, with COPRODUCE_MATCHER=lexical and then with the semantic matcher. Prints a
markdown table. Needs the `semantic` extra (`make install-semantic`).

    .venv/bin/python bench/bench_matching_semantic.py --seeded 20000 --runs 1

adds `coproduce seed --listings N` (one synthetic community) and stores a random unit vector
for each of its listings, to time the cosine scan at that size (the figures of quality come
from the labelled set in tests/exchanges, not from here); 100 of its listings are timed."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="Timed runs over every listing (after one warm-up)."
    )
    parser.add_argument(
        "--seeded", type=int, default=0, help="Also time a seeded community of this many listings."
    )
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="coproduce-bench-match-")
    try:
        run(args, var)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def run(args: argparse.Namespace, var: str) -> None:
    env = {**os.environ, "COPRODUCE_VAR_DIR": var, "COPRODUCE_MATCHER": "auto"}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "coproduce.cli", "demo", "--no-serve"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"demo built in {time.perf_counter() - started:.1f} s")
    if args.seeded:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "coproduce.cli",
                "seed",
                "--members",
                "2000",
                "--listings",
                str(args.seeded),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    os.environ.update(
        COPRODUCE_VAR_DIR=var, COPRODUCE_MATCHER="auto", DJANGO_SETTINGS_MODULE="config.settings"
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from coproduce.communities.selectors import communities as communities_selectors
    from coproduce.communities.selectors import directory as directory_selectors
    from coproduce.exchanges.models import Listing, ListingEmbedding, ListingStatus
    from coproduce.exchanges.selectors import matching as matching_selectors
    from coproduce.exchanges.selectors import semantic as semantic_selectors
    from coproduce.exchanges.services import embeddings as embeddings_services

    if not semantic_selectors.available():
        sys.exit("the semantic extra is not installed: make install-semantic")
    community = communities_selectors.community_get("riverside")
    if args.seeded:
        import numpy as np
        from django.db.models import Count

        busiest = (
            Listing.objects.exclude(community=community)
            .values("community_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if busiest is None:
            sys.exit("coproduce seed made no listings")
        seeded = (
            Listing.objects.filter(community_id=busiest["community_id"])
            .select_related("community")
            .first()
            .community
        )
        rng = np.random.default_rng(1)
        ids = list(Listing.objects.filter(community=seeded).values_list("pk", flat=True))
        for start in range(0, len(ids), 5000):
            vectors = rng.standard_normal(
                (len(ids[start : start + 5000]), semantic_selectors.DIMENSIONS)
            ).astype("<f4")
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            ListingEmbedding.objects.bulk_create(
                ListingEmbedding(
                    listing_id=pk,
                    model_name=semantic_selectors.MODEL_NAME,
                    dimensions=semantic_selectors.DIMENSIONS,
                    vector=semantic_selectors.vector_bytes(v),
                    text_hash="x",
                )
                for pk, v in zip(ids[start : start + 5000], vectors, strict=True)
            )
    started = time.perf_counter()
    semantic_selectors.model()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    embedded = embeddings_services.listings_embed_pending(limit=100_000)
    took = time.perf_counter() - started
    print(
        f"model loaded in {loaded:.1f} s; {embedded} listings embedded in {took:.1f} s "
        f"({ListingEmbedding.objects.count()} stored)"
    )
    cases = [
        (
            community,
            list(
                Listing.objects.filter(
                    community=community, status=ListingStatus.ACTIVE
                ).select_related("category", "community", "owner")
            ),
        )
    ]
    if args.seeded:
        sample = Listing.objects.filter(community=seeded, status=ListingStatus.ACTIVE).order_by(
            "?"
        )[:100]
        cases.append((seeded, list(sample.select_related("category", "community", "owner"))))
    rows = []
    for case_community, listings in cases:
        rows += time_case(
            case_community, listings, args.runs, settings, matching_selectors, directory_selectors
        )
    print("\n| community | active listings | matcher | queries | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| {} | {} | {} | {} | {:.1f} | {:.1f} | {:.1f} |".format(*row))


def time_case(community, listings, runs, settings, matching, directory) -> list[tuple]:
    from coproduce.communities import access
    from coproduce.exchanges.models import Listing, ListingStatus

    viewer = next(
        m.person
        for m in directory.member_directory(community, limit=100)
        if access.membership_of(m.person, community)
    )
    size = Listing.objects.filter(community=community, status=ListingStatus.ACTIVE).count()
    rows = []
    for mode in ("lexical", "auto"):
        settings.COPRODUCE_MATCHER = mode
        for listing in listings:  # warm-up
            matching.matches_for(listing, viewer, limit=10)
        samples = []
        for _ in range(runs):
            for listing in listings:
                t = time.perf_counter()
                matching.matches_for(listing, viewer, limit=10)
                samples.append((time.perf_counter() - t) * 1000)
        rows.append(
            (
                community.name,
                size,
                "lexical" if mode == "lexical" else "semantic",
                len(samples),
                statistics.median(samples),
                percentile(samples, 95),
                max(samples),
            )
        )
    return rows


if __name__ == "__main__":
    main()
