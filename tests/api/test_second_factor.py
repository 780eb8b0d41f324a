"""One two-factor rule for every way in: pages, the API through the browser session, and tokens.

Coordinators and operators must set up two-factor sign-in before they act. A personal access
token used to let them skip it (and read applicants' contact details)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.communities import access
from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from tests.conftest import make_person
from tests.two_factor import set_up_totp

from .conftest import apply, assert_error, bearer

APPLICATIONS = "/api/v1/communities/riverside/applications"


@pytest.fixture
def new_coordinator(community):
    person = make_person("newcoord@riverside.example", "Nia New")  # not MFA-exempt
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=[Role.COORDINATOR]
    )
    return person


def test_it_refuses_a_coordinators_token_until_two_factor_is_set_up(
    client, community, new_coordinator
):
    apply(community, email="ada@example.org", phone="07700 900123")
    headers = bearer(new_coordinator)
    response = client.get(APPLICATIONS, headers=headers)
    assert_error(response, 403, "mfa_required")
    assert b"ada@example.org" not in response.content and b"07700" not in response.content
    assert_error(client.get("/api/v1/me", headers=headers), 403, "mfa_required")

    set_up_totp(new_coordinator)
    response = client.get(APPLICATIONS, headers=headers)
    assert response.status_code == 200
    assert response.json()["items"][0]["email"] == "ada@example.org"


def test_it_refuses_an_operators_token_until_two_factor_is_set_up(client, community):
    operator = make_person("op@example.org", "Op Erator", is_operator=True)
    assert_error(client.get(APPLICATIONS, headers=bearer(operator)), 403, "mfa_required")


def test_it_does_not_ask_members_or_exempt_demo_coordinators(
    client, community, member, coordinator
):
    assert client.get("/api/v1/me", headers=bearer(member)).status_code == 200
    assert client.get(APPLICATIONS, headers=bearer(coordinator)).status_code == 200  # mfa_exempt


def test_it_asks_one_policy_on_the_pages_the_session_api_and_tokens(
    client, community, new_coordinator, monkeypatch
):
    headers = bearer(new_coordinator)
    client.force_login(new_coordinator)
    dashboard = reverse("web:coordinator_dashboard", args=[community.slug])
    assert client.get(dashboard).status_code == 302
    assert_error(client.get(APPLICATIONS), 403, "mfa_required")
    assert_error(client.get(APPLICATIONS, headers=headers), 403, "mfa_required")

    monkeypatch.setattr(access, "second_factor_missing", lambda person: False)
    assert client.get(dashboard).status_code == 200
    assert client.get(APPLICATIONS).status_code == 200
    assert client.get(APPLICATIONS, headers=headers).status_code == 200
