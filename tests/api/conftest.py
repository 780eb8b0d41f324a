"""Helpers for the API tests: bearer headers from real tokens, the error-format assertion, and a
snapshot of row counts to show that a refused request changed nothing."""

from __future__ import annotations

import pytest
from django.apps import apps

from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import tokens as tokens_services


def bearer(person, community=None, name="test") -> dict[str, str]:
    _, secret = tokens_services.token_create(
        actor=person, person=person, name=name, community=community
    )
    return {"Authorization": f"Bearer {secret}"}


def apply(community, **values):
    """An application built with the real service (anonymous applicant by default)."""
    data = {"full_name": "Ada Applicant", "email": "ada@example.org", "about": "I can fix bikes."}
    data.update(values)
    return applications_services.application_submit(actor=None, community=community, **data)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error format: {"error": {"code", "message", "fields"}}."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    assert all(
        isinstance(v, list) and all(isinstance(m, str) for m in v) for v in error["fields"].values()
    )
    if code is not None:
        assert error["code"] == code, error
    return error


_COUNTED = [
    "communities.Community",
    "communities.RulebookVersion",
    "communities.Person",
    "communities.Membership",
    "communities.MembershipRole",
    "communities.Gift",
    "communities.Application",
    "communities.CoordinatorNote",
    "communities.Reference",
    "communities.Check",
    "communities.AccessToken",
    "core.AuditEvent",
]


def row_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in _COUNTED}


@pytest.fixture
def counts():
    """`before = counts()` ... `assert counts() == before`."""
    return row_counts


@pytest.fixture
def auth_for():
    """Bearer headers for a person (optionally a token limited to one community)."""
    return bearer


# Hours -----------------------------------------------------------------------------------------

_HOURS_COUNTED = [
    "ledger.Transfer",
    "ledger.Posting",
    "exchanges.Exchange",
    "exchanges.Participant",
    "exchanges.Expense",
]


def hours_state() -> dict:
    """Row counts of the ledger and exchanges, every account's balance and held minutes, and
    each exchange's status: a refused request must leave all of it as it was."""
    from coproduce.exchanges.models import Exchange
    from coproduce.ledger.models import Account

    return {
        **{label: apps.get_model(label).objects.count() for label in _HOURS_COUNTED},
        "balances": sorted(
            Account.objects.values_list(
                "pk",
                "balance_minutes",
                "pending_debit_minutes",
                "pending_credit_minutes",
                "closed_at",
            )
        ),
        "exchanges": sorted(Exchange.objects.values_list("pk", "status", "transfer_id")),
    }


@pytest.fixture
def hours():
    """`before = hours()` ... `assert hours() == before`: nothing moved."""
    return hours_state


_keys = iter(range(10**9))


def key_header(headers: dict | None = None, key: str | None = None) -> dict[str, str]:
    """Headers with a fresh Idempotency-Key (or the one given)."""
    return {**(headers or {}), "Idempotency-Key": key or f"test-key-{next(_keys)}"}


def post(client, url: str, data, headers: dict, key: str | None = None):
    """A JSON POST with an Idempotency-Key."""
    return client.post(
        url, data=data, content_type="application/json", headers=key_header(headers, key)
    )
