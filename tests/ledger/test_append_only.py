from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from coproduce.ledger.models import AppendOnlyError, Posting, Transfer


@pytest.fixture
def transfer(community, coordinator, accounts, give):
    return give(community, coordinator, accounts["member"], accounts["staff"], 30)


def test_it_refuses_updates_and_deletes_through_the_orm(transfer):
    with pytest.raises(AppendOnlyError):
        transfer.memo = "changed"
        transfer.save()
    with pytest.raises(AppendOnlyError):
        Transfer.objects.filter(pk=transfer.pk).update(memo="changed")
    with pytest.raises(AppendOnlyError):
        Posting.objects.filter(transfer=transfer).delete()
    with pytest.raises(AppendOnlyError):
        transfer.postings.first().delete()


def test_it_refuses_raw_sql_updates_in_the_database(transfer):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE ledger_posting SET amount_minutes = 999 WHERE transfer_id = %s", [transfer.pk]
        )
    assert sorted(Posting.objects.values_list("amount_minutes", flat=True)) == [-30, 30]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's test runner empties tables with DELETE, so only PostgreSQL refuses deletes in "
    "SQL",
)
def test_it_refuses_raw_sql_deletes_on_postgresql(transfer):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM ledger_posting WHERE transfer_id = %s", [transfer.pk])
    assert Posting.objects.count() == 2


def test_it_offers_no_change_in_the_admin(transfer, operator):
    request = RequestFactory().get("/admin/")
    request.user = operator
    for model in (Transfer, Posting):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(request, transfer)
        assert not model_admin.has_delete_permission(request, transfer)
        assert not model_admin.has_add_permission(request)
