"""8 threads posting 500 random transfers each among 50 accounts held near their limits, with
replayed requests, on a real PostgreSQL server: the audit stays clean, no limit is breached and
nothing is posted twice."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection, connections

from coproduce.communities.models import Person
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import ApplicationError
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises all writers; concurrency is proven on PostgreSQL, which `make "
        "test` also runs",
    ),
]

THREADS = 8
PER_THREAD = 500
ACCOUNTS = 50
FLOOR = -120
CEILING = 120


def test_it_stays_consistent_under_concurrent_transfers_and_replays():
    community = communities_services.community_create(
        actor=None,
        name="Busy",
        slug="busy",
        member_prefix="BSY",
        rules={"credit_floor_minutes": FLOOR, "credit_ceiling_minutes": CEILING},
    )
    people = [Person.objects.create_user(email=None, full_name=f"P{i}") for i in range(ACCOUNTS)]
    ids = [accounts_services.member_account(community, p).pk for p in people]
    # Start every account near a limit: half near the floor, half near the ceiling.
    issuance = accounts_services.issuance_account(community)
    for i, account_id in enumerate(ids[: ACCOUNTS // 2]):
        transfers_services.transfer_create(
            actor=None,
            community=community,
            idempotency_key=f"seed-{i}",
            legs=[Leg(account_id, -100), Leg(ids[ACCOUNTS // 2 + i], 100)],
        )
    del issuance
    outcomes: dict[str, list] = {"ok": [], "refused": [], "errors": []}
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        rng = random.Random(n)
        sent: list[tuple[str, list[Leg]]] = []
        barrier.wait()
        try:
            for i in range(PER_THREAD):
                if sent and rng.random() < 0.15:
                    key, legs = rng.choice(sent)  # a client retrying a request it already sent
                else:
                    a, b = rng.sample(ids, 2)
                    minutes = rng.randint(1, 60)
                    key, legs = f"w{n}-{i}", [Leg(a, -minutes), Leg(b, minutes)]
                    sent.append((key, legs))
                try:
                    t = transfers_services.transfer_create(
                        actor=None, community=community, idempotency_key=key, legs=legs
                    )
                    with lock:
                        outcomes["ok"].append((key, t.pk))
                except ApplicationError as exc:
                    with lock:
                        outcomes["refused"].append((key, exc.code))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            with lock:
                outcomes["errors"].append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes["errors"] == []
    # A replayed key always maps to one transfer.
    by_key: dict[str, set[int]] = {}
    for key, pk in outcomes["ok"]:
        by_key.setdefault(key, set()).add(pk)
    assert all(len(pks) == 1 for pks in by_key.values())
    assert Transfer.objects.filter(
        community=community, idempotency_key__startswith="client:w"
    ).count() == len(by_key)
    assert {code for _, code in outcomes["refused"]} <= {"limit_exceeded"}
    assert len(outcomes["refused"]) > 0 and len(by_key) > 1000  # the limits were really in play
    for account in Account.objects.filter(pk__in=ids):
        assert FLOOR <= account.balance_minutes <= CEILING
    report = ledger_audit([community.pk])
    assert report.clean, report.violations[:10]
