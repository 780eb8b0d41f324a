from __future__ import annotations

import pytest

from coproduce.core.errors import ApplicationError, Conflict, ValidationFailed
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg


def test_it_returns_the_original_transfer_for_a_replayed_key(
    community, coordinator, accounts, give
):
    first = give(community, coordinator, accounts["member"], accounts["staff"], 30, key="same")
    again = give(community, coordinator, accounts["member"], accounts["staff"], 30, key="same")
    assert again.pk == first.pk
    assert Transfer.objects.count() == 1
    assert Account.objects.get(pk=accounts["staff"].pk).balance_minutes == 30


def test_it_refuses_a_replayed_key_with_a_different_request(community, coordinator, accounts, give):
    give(community, coordinator, accounts["member"], accounts["staff"], 30, key="same")
    with pytest.raises(Conflict) as exc:
        give(community, coordinator, accounts["member"], accounts["staff"], 45, key="same")
    assert exc.value.code == "idempotency_key_reused"
    assert Transfer.objects.count() == 1


def test_it_keeps_a_failed_attempt_failed(community, coordinator, accounts, give):
    give(community, coordinator, accounts["member"], accounts["staff"], 600)
    with pytest.raises(ApplicationError) as first:
        give(
            community, coordinator, accounts["member"], accounts["coordinator"], 60, key="retry-me"
        )
    # Now there would be room, but the same key answers with the same failure.
    give(community, coordinator, accounts["staff"], accounts["member"], 300)
    with pytest.raises(ApplicationError) as second:
        give(
            community, coordinator, accounts["member"], accounts["coordinator"], 60, key="retry-me"
        )
    assert (
        (second.value.code, second.value.status)
        == (first.value.code, first.value.status)
        == ("limit_exceeded", 409)
    )
    assert not Transfer.objects.filter(idempotency_key="client:retry-me").exists()


def test_it_needs_a_key(community, coordinator, accounts):
    with pytest.raises(ValidationFailed):
        transfers_services.transfer_create(
            actor=coordinator,
            community=community,
            idempotency_key=" ",
            legs=[Leg(accounts["member"].pk, -1), Leg(accounts["staff"].pk, 1)],
        )


def test_it_scopes_keys_to_the_community(
    community, other_community, coordinator, other_member, accounts, give
):
    give(community, coordinator, accounts["member"], accounts["staff"], 30, key="shared")
    other_issuance = accounts_services.issuance_account(other_community)
    theirs = accounts_services.member_account(other_community, other_member)
    give(other_community, None, other_issuance, theirs, 30, key="shared")
    assert Transfer.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_answers_requests_racing_with_one_key_with_one_transfer(
    community, coordinator, accounts
):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises all writers; the race needs PostgreSQL")
    barrier = threading.Barrier(4)
    results: list = []

    def send():
        barrier.wait()
        try:
            results.append(
                transfers_services.transfer_create(
                    actor=coordinator,
                    community=community,
                    idempotency_key="racing",
                    legs=[Leg(accounts["member"].pk, -30), Leg(accounts["staff"].pk, 30)],
                ).pk
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The losers find the key taken when they insert, and answer with the winner's transfer.
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert Transfer.objects.filter(idempotency_key="client:racing").count() == 1
    assert Account.objects.get(pk=accounts["staff"].pk).balance_minutes == 30
