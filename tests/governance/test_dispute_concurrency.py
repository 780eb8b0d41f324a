"""Disputes opened at once, on a real PostgreSQL server (make test runs it there): distinct
numbers, and one open dispute per exchange."""

from __future__ import annotations

import pytest
from django.db import connection

from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.services import answers as answers_services
from coproduce.governance.models import Dispute
from coproduce.governance.services import disputes as disputes_services
from tests.communities.test_concurrency import run_threads
from tests.governance.test_disputes import recorded

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises all writers; concurrency is proven on PostgreSQL, which `make "
        "test` also runs",
    ),
]


def test_disputes_at_once_take_distinct_numbers(community, member, agency_staff):
    exchanges = [recorded(community, member, agency_staff) for _ in range(6)]
    errors = run_threads(
        6,
        lambda i: disputes_services.dispute_open(
            actor=agency_staff,
            community=community,
            subject="exchange",
            exchange=exchanges_selectors.exchange_get(community, exchanges[i].pk),
            summary=f"Wrong {i}",
        ),
    )
    assert errors == []
    numbers = sorted(Dispute.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 7))


def test_one_open_dispute_per_posted_exchange(community, member, agency_staff):
    exchange = recorded(community, member, agency_staff)
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    people = [member, agency_staff]
    errors = run_threads(
        2,
        lambda i: disputes_services.dispute_open(
            actor=people[i],
            community=community,
            subject="exchange",
            exchange=exchanges_selectors.exchange_get(community, exchange.pk),
            summary="It never happened",
        ),
    )
    assert len(errors) == 1 and getattr(errors[0], "code", "") == "already_disputed"
    assert Dispute.objects.count() == 1
