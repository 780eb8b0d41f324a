"""Every way into a session is the site's one sign-in: the same second factor, the same limits.

The admin has no login of its own, and a session whose person has two-factor sign-in set up but
did not give their second factor is not a session at all, whichever code path made it."""

from __future__ import annotations

import pytest
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import PASSWORD, make_person
from tests.two_factor import set_up_totp, totp_code
from tests.web.conftest import text

SIGNED_IN_PAGES = ["/admin/", "/account/", "/api/v1/me"]


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # rate limits and used TOTP codes live in the cache
    yield
    cache.clear()


@pytest.fixture
def operator_with_totp(db):
    person = make_person(
        "root@example.org", "Ros Root", is_operator=True, is_staff=True, is_superuser=True
    )
    return person, set_up_totp(person)


def assert_signed_out(client):
    for url in SIGNED_IN_PAGES:
        assert client.get(url).status_code != 200, url
    assert "_auth_user_id" not in client.session


def test_it_sends_the_admin_login_to_the_site_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/communities/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Fcommunities%2F"
    assert (
        client.get("/admin/", follow=True)
        .redirect_chain[-1][0]
        .startswith(reverse("account_login"))
    )


def test_it_gives_no_session_for_a_password_alone_at_the_admin_login(client, operator_with_totp):
    person, _secret = operator_with_totp
    response = client.post(
        "/admin/login/?next=/admin/", {"username": person.email, "password": PASSWORD}
    )
    assert response.status_code in (302, 405)
    assert_signed_out(client)


def test_it_gives_no_session_for_a_password_alone_at_the_site_sign_in(client, operator_with_totp):
    person, _secret = operator_with_totp
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert_signed_out(client)


def test_it_lets_the_operator_into_the_admin_after_both_factors(client, operator_with_totp):
    person, secret = operator_with_totp
    client.post(
        reverse("account_login") + "?next=/admin/", {"login": person.email, "password": PASSWORD}
    )
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    for url in SIGNED_IN_PAGES:
        assert client.get(url).status_code == 200, url


def test_it_drops_a_session_made_without_the_second_factor_by_any_code_path(
    client, operator_with_totp
):
    """A route that calls django.contrib.auth.login itself (as the admin's own login did) gets
    nothing: the session is ended at once, and an older session without the full sign-in is
    ended on its next request."""
    person, _secret = operator_with_totp
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = AnonymousUser()
    login(request, person, backend="coproduce.communities.selectors.sign_in.SignInBackend")
    assert "_auth_user_id" not in request.session
    assert not request.user.is_authenticated

    # A session that says who is signed in but not how (made before this check existed).
    session = client.session
    session["_auth_user_id"] = str(person.pk)
    session["_auth_user_backend"] = "coproduce.communities.selectors.sign_in.SignInBackend"
    session["_auth_user_hash"] = person.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key
    assert_signed_out(client)


def test_it_limits_wrong_passwords_at_the_admin_login_too(client, operator_with_totp):
    person, _secret = operator_with_totp
    for _ in range(30):
        client.post("/admin/login/", {"username": person.email, "password": "wrong-password"})
    client.post("/admin/login/", {"username": person.email, "password": PASSWORD})
    assert_signed_out(client)


def test_it_limits_wrong_passwords_at_the_site_sign_in(client, member):
    url = reverse("account_login")
    for _ in range(30):
        client.post(url, {"login": member.email, "password": "wrong-password"})
    response = client.post(url, {"login": member.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    # Refused by the per-address limit on the form, or by the per-client limit on the page.
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert 'class="site-header"' in response.content.decode()


def test_it_limits_wrong_passwords_however_the_member_number_is_written(client, community, member):
    """RIV-0001, riv-1 and RIV-00001 are one member: guesses spread over spellings count
    together."""
    url = reverse("account_login")
    for spelling in ("RIV-0001", "riv-1", "RIV-01", "Riv-001", "RIV-00001"):
        client.post(url, {"login": spelling, "password": "wrong-password"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(
        url, {"login": "rIv-000001", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert "_auth_user_id" not in client.session
    assert b"Too many failed login attempts" in response.content


def test_it_limits_wrong_two_factor_codes(client, operator_with_totp):
    person, secret = operator_with_totp
    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    for _ in range(30):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert_signed_out(client)


def test_it_refuses_the_admin_to_a_signed_in_member_without_sending_them_round_in_circles(
    client, member
):
    client.force_login(member)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert (
        len(response.redirect_chain) == 1
    )  # /admin/ -> /admin/login/, which refuses rather than redirecting


def test_it_lets_a_demo_operator_exempt_from_two_factor_into_the_admin(client, operator):
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    client.post(
        reverse("account_login") + "?next=/admin/", {"login": operator.email, "password": PASSWORD}
    )
    assert client.get("/admin/").status_code == 200
