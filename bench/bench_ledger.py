"""Ledger benchmark.

    DATABASE_URL=postgres://... PGBENCH=/usr/lib/postgresql/15/bin/pgbench \\
        python bench/bench_ledger.py
    python bench/bench_ledger.py            # SQLite in a temp dir: single-writer throughput only

1. Transfers per second through the service layer (`ledger.services.transfer_create`: idempotency
   record, rulebook read, account row locks, limit checks, chain head lock, hash, transfer,
   postings, balance updates) with N concurrent worker processes, on PostgreSQL.
2. pgbench running the same SQL statements per transfer (the same reads, locks, inserts and
   updates, with the hash computed by sha256() in SQL) with the same number of clients, in the
   same run against the same database. The ratio service/pgbench is the cost of Python and Django.
   The two alternate for --rounds rounds, so that a change in the machine's load between them
   shows as a spread between rounds rather than as a false ratio; the ratio is of the medians.
3. The statement page of an account with 100,000 postings: p50/p95 of the full page through
   Django's test client (view, template and its queries), beside its two ledger selectors
   alone: the page of lines and the given/received totals.
4. On SQLite: single-writer transfers per second through the service layer.

Prints a markdown table. Run through `make bench` (scripts/bench.sh)."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ACCOUNTS = 50


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--per-worker", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10, help="pgbench duration per round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="service and pgbench rounds, alternating"
    )
    parser.add_argument("--statement-postings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    return parser.parse_args()


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.update(
        DEBUG="false",
        SECRET_KEY="bench-only-not-a-secret",
        ALLOWED_HOSTS="testserver",
        COPRODUCE_VAR_DIR=str(tmp),
        SECURE_SSL_REDIRECT="false",
        COPRODUCE_TESTING="0",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # DEBUG is off, as in production: the statement page's templates need the static manifest.
    call_command("collectstatic", interactive=False, verbosity=0)


def make_community():
    from coproduce.communities.models import Person
    from coproduce.communities.services import communities as communities_services
    from coproduce.ledger.services import accounts as accounts_services
    from coproduce.ledger.services import postings as postings_services
    from coproduce.ledger.services import transfers as transfers_services

    suffix = random.randint(10_000, 99_999)
    community = communities_services.community_create(
        actor=None,
        name=f"Bench {suffix}",
        slug=f"bench-{suffix}",
        member_prefix="B" + "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3)),
        rules={"credit_floor_minutes": -6000},
    )
    people = [
        Person.objects.create_user(email=None, full_name=f"Bench {i}") for i in range(ACCOUNTS)
    ]
    accounts = [accounts_services.member_account(community, p).pk for p in people]
    # One transfer creates the chain head.
    transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key="warm",
        legs=[postings_services.Leg(accounts[0], -1), postings_services.Leg(accounts[1], 1)],
    )
    return community, accounts


def service_worker(args):
    community_id, accounts, n, worker, prefix = args
    from django.db import connections

    connections.close_all()
    from coproduce.communities.models import Community
    from coproduce.ledger.services import postings as postings_services
    from coproduce.ledger.services import transfers as transfers_services

    community = Community.objects.get(pk=community_id)
    rng = random.Random(worker)
    refused = 0
    for i in range(n):
        a, b = rng.sample(accounts, 2)
        try:
            transfers_services.transfer_create(
                actor=None,
                community=community,
                idempotency_key=f"{prefix}-{worker}-{i}",
                legs=[postings_services.Leg(a, -1), postings_services.Leg(b, 1)],
            )
        except Exception:  # noqa: BLE001 - counted; a limit refusal is still work done
            refused += 1
    connections.close_all()
    return refused


def service_throughput(
    community, accounts, workers: int, per_worker: int, prefix: str
) -> tuple[float, int]:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with ctx.Pool(workers) as pool:
        refused = sum(
            pool.map(
                service_worker,
                [(community.pk, accounts, per_worker, w, prefix) for w in range(workers)],
            )
        )
    elapsed = time.perf_counter() - started
    return workers * per_worker / elapsed, refused


# The statements transfer_create sends for a two-leg transfer, in the same order and with the
# same locks (coproduce/ledger/services.py `_write`, coproduce/core/idempotency.py, and
# communities.selectors.rules_for). What Python computes between them is done here in SQL:
# sha256() stands in for the chain hash and the new balances are computed by the UPDATE (the
# service computes them from the locked rows, checks the limits, and sends the values).
PGBENCH_SCRIPT = """
\\set a random(1, {n})
\\set d random(1, {n1})
\\set k random(1, 2000000000)
SELECT request_hash, outcome, result FROM core_idempotencyrecord
  WHERE scope = 'ledger:{c}' AND "key" = 'pgb-' || :client_id || '-' || :k;
BEGIN;
SELECT "values" FROM communities_rulebookversion
  WHERE community_id = {c} ORDER BY number DESC LIMIT 1;
SELECT id, kind, name, balance_minutes, pending_debit_minutes, pending_credit_minutes, closed_at
  FROM ledger_account
  WHERE community_id = {c} AND id IN ({base} + :a - 1, {base} + ((:a - 1 + :d) % {n}))
  ORDER BY id FOR NO KEY UPDATE;
UPDATE ledger_account SET balance_minutes = balance_minutes + v.column2,
  pending_debit_minutes = pending_debit_minutes + v.column3,
  pending_credit_minutes = pending_credit_minutes + v.column4,
  given_minutes = ledger_account.given_minutes + v.column5,
  received_minutes = ledger_account.received_minutes + v.column6
  FROM (VALUES ({base} + :a - 1, -1, 0, 0, 1, 0), ({base} + ((:a - 1 + :d) % {n}), 1, 0, 0, 0, 1))
  AS v WHERE ledger_account.id = v.column1;
SELECT id, last_sequence, last_hash FROM ledger_ledgerhead WHERE community_id = {c} FOR UPDATE
\\gset head_
INSERT INTO ledger_transfer (community_id, sequence, idempotency_key, reason, status, resolves_id,
  reverses_id, expires_at, memo, related_type, related_id, actor_id, on_behalf_of_id,
  effective_at, created_at, prev_hash, hash)
  VALUES ({c}, :head_last_sequence + 1, 'client:pgb-' || :client_id || '-' || :k, 'transfer',
  'posted', NULL, NULL, NULL, '', '', '', NULL, NULL, now(), now(), ':head_last_hash',
  encode(sha256(convert_to(':head_last_hash' || '|' || :k, 'UTF8')), 'hex'))
  ON CONFLICT (community_id, idempotency_key) DO NOTHING RETURNING id, hash
\\gset t_
INSERT INTO ledger_posting (community_id, transfer_id, account_id, amount_minutes, pending,
  balance_after_minutes, floor_minutes, ceiling_minutes)
  VALUES ({c}, :t_id, {base} + :a - 1, -1, false, 0, -6000, NULL),
  ({c}, :t_id, {base} + ((:a - 1 + :d) % {n}), 1, false, 0, -6000, NULL);
UPDATE ledger_ledgerhead SET last_sequence = :head_last_sequence + 1, last_hash = ':t_hash'
  WHERE id = :head_id;
INSERT INTO core_idempotencyrecord (scope, "key", request_hash, outcome, result, created_at)
  VALUES ('ledger:{c}', 'pgb-' || :client_id || '-' || :k, ':t_hash', 'succeeded',
  ('{{"transfer_id": ' || :t_id || '}}')::jsonb, now());
COMMIT;
"""


def pgbench_throughput(community, accounts, clients: int, seconds: int, tmp: Path) -> float:
    from django.db import connection

    settings = connection.settings_dict
    assert accounts == list(range(accounts[0], accounts[0] + len(accounts))), (
        "accounts must have consecutive ids"
    )
    script = tmp / "transfer.sql"
    script.write_text(
        PGBENCH_SCRIPT.format(
            n=len(accounts), n1=len(accounts) - 1, c=community.pk, base=accounts[0]
        )
    )
    pgbench = os.environ.get("PGBENCH", "pgbench")
    out = subprocess.run(
        [
            pgbench,
            "-n",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            "-f",
            str(script),
            "-h",
            settings["HOST"],
            "-p",
            str(settings["PORT"]),
            "-U",
            settings["USER"],
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
    out = out.stdout
    match = re.search(r"tps = ([0-9.]+)", out)
    assert match, out
    return float(match.group(1))


def build_statement_account(community, postings: int):
    """An account with many postings, written in bulk (the chain and audit are not the point
    here)."""
    from django.db import transaction
    from django.utils import timezone

    from coproduce.communities.models import Person
    from coproduce.ledger.models import Posting, Transfer
    from coproduce.ledger.services import accounts as accounts_services

    holder = Person.objects.create_user(
        email=f"statement{community.pk}@bench.example",
        password="bench-password-1",
        full_name="Statement Holder",
    )
    from coproduce.communities.services import memberships as memberships_services

    memberships_services.membership_add(actor=None, community=community, person=holder)
    account = accounts_services.member_account(community, holder)
    other = accounts_services.issuance_account(community)
    now = timezone.now()
    balance = 0
    batch = 5000
    with transaction.atomic():
        for start in range(0, postings, batch):
            transfers = [
                Transfer(
                    community=community,
                    sequence=10_000_000 + start + i,
                    idempotency_key=f"stmt-{start + i}",
                    reason="exchange",
                    status="posted",
                    memo="Gardening",
                    effective_at=now,
                    created_at=now,
                    prev_hash="0" * 64,
                    hash="0" * 64,
                )
                for i in range(min(batch, postings - start))
            ]
            Transfer.objects.bulk_create(transfers)
            rows = []
            for i, t in enumerate(transfers):
                amount = 60 if (start + i) % 2 == 0 else -45
                balance += amount
                rows += [
                    Posting(
                        community=community,
                        transfer=t,
                        account=account,
                        amount_minutes=amount,
                        balance_after_minutes=balance,
                    ),
                    Posting(community=community, transfer=t, account=other, amount_minutes=-amount),
                ]
            Posting.objects.bulk_create(rows)
    return holder, account


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def time_it(fn, runs):
    for _ in range(3):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 50), percentile(samples, 95)


def statement_timings(community, holder, account, runs):
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from coproduce.ledger.selectors import accounts as accounts_selectors
    from coproduce.ledger.selectors import statements as statements_selectors

    selector = time_it(lambda: statements_selectors.account_statement(account, limit=50), runs)
    totals = time_it(lambda: accounts_selectors.account_totals(account), runs)
    try:
        url = reverse("web:statement", args=[community.slug])
    except NoReverseMatch:
        return selector, totals, None
    client = Client()
    client.force_login(holder)

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    return selector, totals, time_it(page, runs)


def main():
    args = parse_args()
    # The SQLite database, static files and pgbench script of this run, removed afterwards.
    tmp = Path(tempfile.mkdtemp(prefix="coproduce-bench-"))
    try:
        measure(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args, tmp: Path) -> None:
    setup_django(tmp)
    from django.db import connection

    vendor = connection.vendor
    load_before = os.getloadavg()
    community, accounts = make_community()
    rows = []
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            rows.append(("PostgreSQL version", cursor.fetchone()[0]))
        service, pgbench, refused = [], [], 0
        for n in range(args.rounds):
            tps, no = service_throughput(
                community, accounts, args.workers, args.per_worker, f"round{n}"
            )
            service.append(tps)
            refused += no
            pgbench.append(pgbench_throughput(community, accounts, args.workers, args.seconds, tmp))
        rows.append(
            (
                "PostgreSQL: transfers/s, service layer, "
                f"{args.workers} worker processes x {args.per_worker}, median of {args.rounds} "
                "rounds (each)",
                f"{statistics.median(service):.0f} ({', '.join(f'{t:.0f}' for t in service)})",
            )
        )
        rows.append(
            (
                f"PostgreSQL: transfers/s, pgbench same SQL, {args.workers} clients x "
                f"{args.seconds}s, median of {args.rounds} rounds (each)",
                f"{statistics.median(pgbench):.0f} ({', '.join(f'{t:.0f}' for t in pgbench)})",
            )
        )
        rows.append(
            (
                "ratio service / pgbench, of the medians (each round's)",
                f"{statistics.median(service) / statistics.median(pgbench):.2f} "
                f"({', '.join(f'{a / b:.2f}' for a, b in zip(service, pgbench, strict=True))})",
            )
        )
        if refused:
            rows.append(("service transfers refused (limits; still work done)", str(refused)))
    else:
        import sqlite3

        rows.append(("SQLite version", sqlite3.sqlite_version))
        from coproduce.ledger.services import postings as postings_services
        from coproduce.ledger.services import transfers as transfers_services

        n = args.per_worker * 2
        started = time.perf_counter()
        for i in range(n):
            a, b = random.sample(accounts, 2)
            transfers_services.transfer_create(
                actor=None,
                community=community,
                idempotency_key=f"single-{i}",
                legs=[postings_services.Leg(a, -1), postings_services.Leg(b, 1)],
            )
        rows.append(
            (
                f"SQLite: transfers/s, service layer, one writer, {n} transfers",
                f"{n / (time.perf_counter() - started):.0f}",
            )
        )
    holder, account = build_statement_account(community, args.statement_postings)
    selector, totals, page = statement_timings(community, holder, account, args.runs)
    rows.append(
        (
            f"{vendor}: statement lines (selectors.account_statement, 50 lines), "
            f"{args.statement_postings:,} postings, p50 / p95 ms",
            f"{selector[0]:.1f} / {selector[1]:.1f}",
        )
    )
    rows.append(
        (
            f"{vendor}: statement totals (selectors.account_totals), p50 / p95 ms",
            f"{totals[0]:.1f} / {totals[1]:.1f}",
        )
    )
    if page:
        rows.append(
            (
                f"{vendor}: statement page (view + template), p50 / p95 ms (target p95 < 50)",
                f"{page[0]:.1f} / {page[1]:.1f}",
            )
        )
    load_after = os.getloadavg()
    rows.append(
        (
            "load average (1, 5, 15 min) before / after",
            f"{' '.join(f'{x:.2f}' for x in load_before)} / "
            f"{' '.join(f'{x:.2f}' for x in load_after)}",
        )
    )
    print(
        f"\n| measure ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} "
        "cores) | value |\n|---|---|"
    )
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
