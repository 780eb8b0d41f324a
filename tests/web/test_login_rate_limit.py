from __future__ import annotations

from django.core.cache import cache
from django.urls import reverse

from tests.conftest import PASSWORD, make_person


def test_it_stops_guessing_after_repeated_failed_sign_ins(client, db):
    cache.clear()
    make_person("guessed@example.org", "Guessed Person")
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": "guessed@example.org", "password": "wrong-password"})
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated
    response = client.post(url, {"login": "guessed@example.org", "password": PASSWORD})
    # Even the right password is refused until the limit resets: the account key is locked.
    assert not response.wsgi_request.user.is_authenticated
    assert b"Too many failed login attempts" in response.content
    cache.clear()
    response = client.post(url, {"login": "guessed@example.org", "password": PASSWORD})
    assert response.status_code == 302
