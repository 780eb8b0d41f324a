"""`coproduce seed`: large synthetic communities, for benchmarks and load tests.

    coproduce seed --communities 1 --members 200000 --seed 1
    coproduce seed --communities 1 --members 200000 --listings 1000000 --seed 1

`--members` and `--listings` are per community.

Each community is created through `services.community_create` (so it has its founding rulebook
and an audit row); its people, applications, checks and neighbourhoods are then written in bulk,
bypassing the services on purpose (ops/seeding/people.py says what is kept by construction).

`--listings N` adds N offers and requests per community, owned by its active members, written
by `ops.seeding.listings.listings_seed` (COPY on PostgreSQL): realistic words per category, some
closed or expired, points around the owner's neighbourhood. Then the planner's statistics are
refreshed (and, on PostgreSQL, the tables vacuumed, so a benchmark right after does not meet
autovacuum halfway).

The same --seed gives the same people, numbers, gifts and listings; dates are relative to today.
No audit rows are written for the synthetic people or listings."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from coproduce.core.errors import ApplicationError
from coproduce.ops.console import stderr_console
from coproduce.ops.seeding import listings as listing_seeding
from coproduce.ops.seeding import people


def _advancer(progress: Progress, task: TaskID) -> Callable[[int], None]:
    """`advance(n)` moves the task's bar on by n."""
    return lambda n: progress.update(task, advance=n)


class Command(BaseCommand):
    help = (
        "Fill the database with large synthetic communities for benchmarks (bulk inserts, no "
        "audit rows)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--communities", type=int, default=1, help="How many communities (default 1)."
        )
        parser.add_argument(
            "--members", type=int, default=1000, help="Members in each community (default 1000)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed gives the same data."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Members per database batch (default 5000).",
        )
        parser.add_argument(
            "--listings",
            type=int,
            default=0,
            help="Offers and requests in each community (default 0).",
        )

    def handle(self, *args, communities, members, seed, batch_size, listings, **options):
        if communities < 1:
            raise CommandError(f"--communities must be at least 1, not {communities}.")
        if members < 1:
            raise CommandError(f"--members must be at least 1, not {members}.")
        if batch_size < 100:
            raise CommandError(f"--batch-size must be at least 100, not {batch_size}.")
        if members > 10_000_000:
            raise CommandError("--members must be at most 10,000,000.")
        if listings < 0:
            raise CommandError(f"--listings must be at least 0, not {listings}.")
        if listings > 50_000_000:
            raise CommandError("--listings must be at most 50,000,000.")

        started = time.perf_counter()
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr_console(self.stderr),
            disable=options["verbosity"] == 0,
        )
        created = []
        with progress:
            for index in range(communities):
                rng = random.Random(f"{seed}:{index}")  # noqa: S311 - synthetic data, not a secret
                try:
                    community = people.create_community(rng, index)
                except ApplicationError as exc:
                    raise CommandError(exc.message) from None
                task = progress.add_task(
                    f"{community.name} ({community.member_prefix})", total=members
                )
                people.insert_members(
                    rng,
                    community,
                    members,
                    batch_size=batch_size,
                    advance=_advancer(progress, task),
                )
                people.insert_applications(rng, community, members // people.APPLICATIONS_PER)
                places = people.insert_neighbourhoods(community, index)
                if listings:
                    task = progress.add_task(f"{community.name}: listings", total=listings)
                    listing_seeding.insert_listings(
                        f"{seed}:{index}:listings",
                        community,
                        places,
                        listings,
                        _advancer(progress, task),
                    )
                created.append(community)
        people.analyze(vacuum=bool(listings))
        elapsed = time.perf_counter() - started
        for community in created:
            self.stdout.write(
                f"{community.slug}\t{community.member_prefix}\t{members} members"
                + (f"\t{listings} listings" if listings else "")
            )
        self.stdout.write(
            f"Seeded {communities * members} members"
            + (f" and {communities * listings} listings" if listings else "")
            + f" in {communities} communit{'y' if communities == 1 else 'ies'} in {elapsed:.1f} s."
        )
