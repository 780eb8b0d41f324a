"""Helpers for the API tests: bearer headers from real tokens, the error-format assertion, and a
snapshot of row counts to show that a refused request changed nothing."""

from __future__ import annotations

import pytest
from django.apps import apps

from coproduce.communities import services


def bearer(person, community=None, name="test") -> dict[str, str]:
    _, secret = services.token_create(actor=person, person=person, name=name, community=community)
    return {"Authorization": f"Bearer {secret}"}


def apply(community, **values):
    """An application built with the real service (anonymous applicant by default)."""
    data = {"full_name": "Ada Applicant", "email": "ada@example.org", "about": "I can fix bikes."}
    data.update(values)
    return services.application_submit(actor=None, community=community, **data)


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
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in error["fields"].values())
    if code is not None:
        assert error["code"] == code, error
    return error


_COUNTED = [
    "communities.Community", "communities.RulebookVersion", "communities.Person", "communities.Membership",
    "communities.MembershipRole", "communities.Gift", "communities.Application", "communities.CoordinatorNote",
    "communities.Reference", "communities.Check", "communities.AccessToken", "core.AuditEvent",
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
