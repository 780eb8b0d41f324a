from __future__ import annotations

from django.urls import reverse

from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from tests.conftest import PASSWORD, make_person

from .conftest import text


def test_it_shows_our_sign_in_page(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Email, username or member number" in body
    assert body.count("<h1") == 1
    assert 'href="/static/coproduce/site.css"' in body
    assert "placeholder" not in body
    assert "sign up" not in text(response).lower()


def test_it_signs_in_with_a_member_number(client, community, member):
    code = member.memberships.get().member_code
    response = client.post(reverse("account_login"), {"login": code.lower(), "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).context["user"] == member


def test_it_signs_in_with_an_email_address(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response["Location"] == reverse("web:home")


def test_it_explains_a_failed_sign_in(client, community, member):
    response = client.post(
        reverse("account_login"), {"login": "RIV-0099", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_sends_a_coordinator_without_two_factor_to_set_it_up(client, community):
    person = make_person("newcoord@riverside.example", "Nia New")
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=[Role.COORDINATOR]
    )
    client.force_login(person)
    response = client.get(reverse("web:coordinator_dashboard", args=[community.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_it_renders_the_two_factor_pages_in_our_layout(client, community):
    person = make_person("newcoord@riverside.example", "Nia New")
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=[Role.COORDINATOR]
    )
    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    # Setting up an authenticator asks for the password again first.
    confirm = client.get(reverse("mfa_activate_totp"), follow=True)
    assert confirm.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    for name in ("mfa_index", "mfa_activate_totp", "account_reauthenticate"):
        response = client.get(reverse(name))
        body = response.content.decode()
        assert response.status_code == 200, name
        assert 'class="site-header"' in body and body.count("<h1") == 1, name
        assert "<label" in body or name == "mfa_index", name
    activate = client.get(reverse("mfa_activate_totp")).content.decode()
    assert 'class="qr-image"' in activate
    assert '<label for="id_code">' in activate


def test_it_renders_the_password_change_page_in_our_layout(client, member):
    client.force_login(member)
    response = client.get(reverse("account_change_password"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in body and body.count("<h1") == 1
    assert '<label for="id_oldpassword">' in body
