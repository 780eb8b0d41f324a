"""Member directory benchmark: `selectors.member_directory` against hand-written SQL.

    python bench/bench_directory.py --members 200000 --runs 30        # SQLite in a temp dir
    DATABASE_URL=postgres://... python bench/bench_directory.py ...   # an EMPTY PostgreSQL database

Seeds one community with `coproduce seed` (timed), then times four directory reads, each as the
selector (queryset, select_related, two prefetches, model instances) and as raw SQL over a cursor
returning the same members, roles and gifts (checked equal). The ratio (selector p50 / SQL p50)
is the ORM's overhead plus any difference in query shape: the SQL matches gifts with EXISTS where
the selector joins and uses DISTINCT. Prints a markdown table.

Run through `make bench` (scripts/bench.sh), which also starts a throwaway PostgreSQL."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument(
        "--runs", type=int, default=30, help="Timed runs of each case (after 3 warm-up runs)."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search", default="knit", help="The search term for the search cases.")
    args = parser.parse_args()
    if args.members < PAGE * 2 or args.runs < 1:
        parser.error("--members must be at least 100 and --runs at least 1")
    return args


def coproduce(*argv: str, env: dict[str, str]) -> float:
    """Run a `coproduce` command in a child process, as a user would; returns seconds taken."""
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


def main() -> None:
    args = parse_args()
    env = dict(os.environ)
    # Timing without DEBUG's query log; the key is only for this throwaway process.
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-not-a-secret",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="ERROR",
    )
    tmp = None
    if not env.get("DATABASE_URL"):
        tmp = tempfile.TemporaryDirectory(prefix="coproduce-bench-")
        env["COPRODUCE_VAR_DIR"] = tmp.name
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.db import connection

    from coproduce.communities.models import Community

    coproduce("migrate", "--skip-checks", "-v", "0", env=env)
    if Community.objects.exists():
        sys.exit(
            "The benchmark database must be empty: it seeds its own community. Give an empty "
            "DATABASE_URL."
        )
    seed_seconds = coproduce(
        "seed",
        "--communities",
        "1",
        "--members",
        str(args.members),
        "--seed",
        str(args.seed),
        "--skip-checks",
        "-v",
        "0",
        env=env,
    )
    community = Community.objects.get(slug="seed-1")

    deep = int(args.members * 0.9)
    cases = [
        ("first page", {}),
        (f"deep page (after {deep:,})", {"after_number": deep}),
        (f"search {args.search!r}, first page", {"q": args.search}),
        (f"search {args.search!r}, deep page", {"q": args.search, "after_number": deep}),
    ]
    rows = []
    for label, kwargs in cases:
        selector_times, sql_times, count = compare(connection, community, args.runs, **kwargs)
        rows.append((label, selector_times, sql_times, count))

    vendor = connection.vendor
    connection.ensure_connection()
    if vendor == "sqlite":
        version = connection.connection.execute("select sqlite_version()").fetchone()[0]
    else:
        number = connection.connection.info.server_version
        version = f"{number // 10000}.{number % 10000}"
    print()
    print(
        f"Database: {'PostgreSQL' if vendor == 'postgresql' else 'SQLite'} {version}; "
        f"{args.members:,} members in one community (seed {args.seed}); {args.runs} timed runs per "
        f"case; page size {PAGE}."
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}."
    )
    print(
        f"Seed time (`coproduce seed --members {args.members}`): {seed_seconds:.1f} s "
        f"({args.members / seed_seconds:,.0f} members/s)."
    )
    print()
    print(
        "| case | rows | selector p50 ms | selector p95 ms | raw SQL p50 ms | raw SQL p95 ms | "
        "ratio (p50) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, sel, raw, count in rows:
        print(
            f"| {label} | {count} | {statistics.median(sel) * 1000:.2f} | "
            f"{percentile(sel, 95) * 1000:.2f} | {statistics.median(raw) * 1000:.2f} | "
            f"{percentile(raw, 95) * 1000:.2f} | "
            f"{statistics.median(sel) / statistics.median(raw):.2f} |"
        )
    if tmp is not None:
        connection.close()
        tmp.cleanup()


def compare(connection, community, runs: int, *, q: str = "", after_number: int | None = None):
    from coproduce.communities.selectors import directory as directory_selectors

    def selector():
        page = directory_selectors.member_directory(
            community, q=q, after_number=after_number, limit=PAGE
        )
        return [
            (
                m.number,
                sorted(r.role for r in m.roles.all()),
                [g.description for g in m.person.gifts.all()],
            )
            for m in page
        ]

    def raw():
        return raw_directory(connection, community.pk, q=q, after_number=after_number)

    expected = selector()
    if raw() != expected:
        raise SystemExit(f"raw SQL and the selector disagree for q={q!r} after={after_number}")
    selector_times, sql_times = [], []
    for i in range(runs + 3):
        # Alternate, so neither side always runs with a warmer cache.
        for fn, times in (
            ((selector, selector_times), (raw, sql_times))
            if i % 2
            else ((raw, sql_times), (selector, selector_times))
        ):
            started = time.perf_counter()
            fn()
            if i >= 3:
                times.append(time.perf_counter() - started)
    return selector_times, sql_times, len(expected)


def raw_directory(connection, community_id: int, *, q: str, after_number: int | None):
    """The same members, roles and gifts as the selector, in three plain queries."""
    from coproduce.communities.models import Gift, Membership, MembershipRole, Person

    m, p, g, r = (
        Membership._meta.db_table,
        Person._meta.db_table,
        Gift._meta.db_table,
        MembershipRole._meta.db_table,
    )
    like = (
        "{} LIKE %s ESCAPE '\\'"
        if connection.vendor == "sqlite"
        else "UPPER({}::text) LIKE UPPER(%s)"
    )
    where = [f"{m}.community_id = %s", f"{m}.status = 'active'"]
    params: list = [community_id]
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            "("
            + " OR ".join(
                [
                    like.format(f"{p}.full_name"),
                    like.format(f"{p}.known_as"),
                    like.format(f"{p}.neighbourhood"),
                    f"EXISTS (SELECT 1 FROM {g} WHERE {g}.person_id = {p}.id AND "
                    f"{like.format(f'{g}.description')})",
                ]
            )
            + ")"
        )
        params += [pattern] * 4
    if after_number is not None:
        where.append(f"{m}.number > %s")
        params.append(after_number)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {m}.id, {m}.number, {m}.status, {m}.joined_at, {p}.* FROM {m} "  # noqa: S608 - table names only
            f"JOIN {p} ON {p}.id = {m}.person_id WHERE {' AND '.join(where)} ORDER BY {m}.number "
            f"LIMIT {PAGE}",
            params,
        )
        members = cursor.fetchall()
        if not members:
            return []
        membership_ids = [row[0] for row in members]
        person_ids = [row[4] for row in members]
        cursor.execute(
            f"SELECT membership_id, role FROM {r} WHERE membership_id IN "  # noqa: S608
            f"({', '.join(['%s'] * len(membership_ids))}) ORDER BY role",
            membership_ids,
        )
        roles: dict[int, list[str]] = {}
        for membership_id, role in cursor.fetchall():
            roles.setdefault(membership_id, []).append(role)
        cursor.execute(
            f"SELECT person_id, description FROM {g} WHERE person_id IN "  # noqa: S608
            f"({', '.join(['%s'] * len(person_ids))}) ORDER BY kind, id",
            person_ids,
        )
        gifts: dict[int, list[str]] = {}
        for person_id, description in cursor.fetchall():
            gifts.setdefault(person_id, []).append(description)
    return [(row[1], sorted(roles.get(row[0], [])), gifts.get(row[4], [])) for row in members]


if __name__ == "__main__":
    main()
