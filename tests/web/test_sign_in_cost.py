"""Sign-in costs the same whether or not the name typed belongs to someone: exactly one password
hash per attempt (a known email used to be checked twice, so timing told who has an account).

Counted, not timed: every hash goes through the configured hasher's `encode` (hashing a new
password, or the stand-in when nobody answers to the name) or `verify` (checking a stored one)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core.cache import cache
from django.urls import reverse

from coproduce.communities.services import memberships as memberships_services
from tests.conftest import PASSWORD, make_person


@pytest.fixture
def hashes(monkeypatch):
    """The hashes computed: outermost calls of the hasher's encode or verify (a verify that
    encodes to compare, as the test hasher's does, is one hash)."""
    hasher_class = type(get_hasher())
    calls: list[str] = []
    depth = [0]
    for name in ("encode", "verify"):
        original = getattr(hasher_class, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            if depth[0] == 0:
                calls.append(_name)
            depth[0] += 1
            try:
                return _original(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(hasher_class, name, counted)
    return calls


@pytest.fixture
def people(community):
    with_email = make_person("known@example.org", "Kim Known")
    memberships_services.membership_add(actor=None, community=community, person=with_email)
    phone_only = make_person(None, "Dot Phone", username="dot.phone")
    memberships_services.membership_add(actor=None, community=community, person=phone_only)
    no_password = make_person("applicant@example.org", "Ada Applicant")
    no_password.set_unusable_password()
    no_password.save(update_fields=["password"])
    return with_email, phone_only


@pytest.mark.parametrize(
    "login",
    [
        "known@example.org",
        "KNOWN@example.org",
        "nobody@example.org",
        "RIV-0002",
        "riv-2",
        "RIV-0099",
        "XYZ-0001",
        "dot.phone",
        "no.such.person",
        "applicant@example.org",
    ],
)
@pytest.mark.parametrize("password", ["wrong-password", PASSWORD])
def test_it_hashes_once_for_every_sign_in_attempt(client, people, hashes, login, password):
    cache.clear()
    client.post(reverse("account_login"), {"login": login, "password": password})
    assert len(hashes) == 1, hashes


def test_it_signs_in_with_each_kind_of_name(client, people):
    with_email, phone_only = people
    for login, person in (
        ("Known@Example.org", with_email),
        ("RIV-2", phone_only),
        ("DOT.PHONE", phone_only),
    ):
        cache.clear()
        client.logout()
        response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
        assert response.status_code == 302, login
        assert int(client.session["_auth_user_id"]) == person.pk
