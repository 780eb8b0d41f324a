"""Overlong sign-in input is a form error on the field, never a 500, and changes nothing.

(A 50,001-character login reached the database and failed there: "LIKE or GLOB pattern too
complex" on SQLite.) There is no API route that signs in: the API takes tokens made on the
website, so the web forms are the whole of it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.two_factor import set_up_totp

from .conftest import text

HUGE = "a" * 50_001


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


def assert_field_error(response, field: str):
    assert response.status_code in (200, 400)
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body or f'id="id_{field}_error' in body, body[:3000]
    assert "at most" in text(response)


@pytest.mark.parametrize("login", [HUGE, HUGE + "@example.org", "RIV-" + "0" * 50_000 + "1"])
def test_it_refuses_an_overlong_login_on_the_form(client, member, login):
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert_field_error(response, "login")
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_overlong_password_on_the_form(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": HUGE})
    assert_field_error(response, "password")
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_overlong_email_for_a_password_reset(client, member):
    response = client.post(reverse("account_reset_password"), {"email": HUGE + "@example.org"})
    assert_field_error(response, "email")
    assert mail.outbox == []


def test_it_refuses_an_overlong_two_factor_code(client, member):
    set_up_totp(member)
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": "1" * 50_001})
    assert_field_error(response, "code")
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_overlong_password_when_changing_it(client, member):
    client.force_login(member)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": HUGE, "password2": HUGE},
    )
    assert_field_error(response, "password1")
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
