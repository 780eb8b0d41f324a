"""A way in for a member without email (Dorothy, who signs in with her member number): from her
member page a coordinator sets her first password or prints a sign-in letter whose one-time code
lets her sign in once and choose her own password. Coordinators of her community only."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from coproduce.communities.models import Role, SignInToken
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import sign_in
from coproduce.core.models import AuditEvent
from tests.conftest import make_person
from tests.two_factor import set_up_totp

from .conftest import text

NEW_PASSWORD = "walnut-ferry-lantern-7"
TOKEN_KEY = "sign_in_token"  # what the browser session remembers between the code and the password


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


@pytest.fixture
def dorothy(community):
    """A phone-only member with no password at all."""
    person = make_person(
        None, "Dorothy Evans", known_as="Dot", phone="01632 960 005", is_offline=True
    )
    person.set_unusable_password()
    person.save(update_fields=["password"])
    return memberships_services.membership_add(actor=None, community=community, person=person)


def page(community, membership, name="web:member_detail"):
    return reverse(name, args=[community.slug, membership.number])


def print_letter(client, community, membership) -> str:
    response = client.post(page(community, membership, "web:member_sign_in_letter"))
    assert response.status_code == 302
    letter = client.get(response["Location"])
    assert letter.status_code == 200
    match = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", text(letter))
    assert match, text(letter)
    return match.group(1)


def test_it_offers_a_coordinator_the_ways_in_on_the_member_page(
    client, community, coordinator, dorothy
):
    client.force_login(coordinator)
    body = text(client.get(page(community, dorothy)))
    assert "Dot has no password yet." in body
    assert "Print a sign-in letter" in body and "Set a first password" in body


def test_it_prints_a_letter_in_plain_words_shown_once(client, community, coordinator, dorothy):
    client.force_login(coordinator)
    response = client.post(page(community, dorothy, "web:member_sign_in_letter"))
    letter = client.get(response["Location"])
    body = text(letter)
    assert "Dear Dorothy Evans," in body
    assert "Riverside" in body and dorothy.member_code in body
    assert "/sign-in/code/" in body
    assert "works only once, until" in body
    assert re.search(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b", body)
    assert "data-print" in letter.content.decode()
    assert letter["Cache-Control"].startswith("max-age=0")
    # Shown once: a second look offers a new letter instead of the code.
    again = text(client.get(response["Location"]))
    assert not re.search(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b", again)
    assert "Make a new sign-in letter" in again
    event = AuditEvent.objects.get(action="sign_in.code_issue", person_id=dorothy.person_id)
    assert event.actor == coordinator and event.community_id == community.pk
    assert "code" not in str(event.changes).lower()


def test_it_lets_dorothy_sign_in_with_her_member_number_and_the_code(
    client, community, coordinator, dorothy
):
    client.force_login(coordinator)
    code = print_letter(client, community, dorothy)
    client.logout()

    # She types it as she reads it: small letters, a space instead of the dash.
    response = client.post(
        reverse("web:sign_in_code"),
        {"member_number": dorothy.member_code.lower(), "code": code.lower().replace("-", " ")},
    )
    assert response["Location"] == reverse("web:choose_password")
    choose = text(client.get(response["Location"]))
    assert "Hello Dot" in choose and dorothy.member_code in choose
    response = client.post(
        reverse("web:choose_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("web:home")
    assert int(client.session["_auth_user_id"]) == dorothy.person_id
    assert client.get(reverse("web:home")).status_code == 200

    # The code is used up; her member number and her own password work from now on.
    client.logout()
    response = client.post(
        reverse("web:sign_in_code"), {"member_number": dorothy.member_code, "code": code}
    )
    assert response.status_code == 400 and "already been used" in text(response)
    response = client.post(
        reverse("account_login"), {"login": dorothy.member_code, "password": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("web:home")


def test_it_refuses_a_wrong_code_without_saying_which_part_is_wrong(
    client, community, coordinator, dorothy, member
):
    client.force_login(coordinator)
    code = print_letter(client, community, dorothy)
    client.logout()
    member_code = member.memberships.get().member_code
    for number, typed in [
        (dorothy.member_code, "ABCD-EFGH"),
        ("RIV-0999", code),
        (member_code, code),
    ]:
        response = client.post(
            reverse("web:sign_in_code"), {"member_number": number, "code": typed}
        )
        assert response.status_code == 400
        assert "do not go together" in text(response)
    assert "_auth_user_id" not in client.session
    assert TOKEN_KEY not in client.session


def test_it_limits_guesses_at_a_code_like_passwords(client, community, coordinator, dorothy):
    client.force_login(coordinator)
    code = print_letter(client, community, dorothy)
    client.logout()
    for _ in range(5):
        client.post(
            reverse("web:sign_in_code"), {"member_number": dorothy.member_code, "code": "ABCD-EFGH"}
        )
    response = client.post(
        reverse("web:sign_in_code"), {"member_number": dorothy.member_code, "code": code}
    )
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert TOKEN_KEY not in client.session
    # The same budget as her password: it is spent for the password sign-in too.
    response = client.post(
        reverse("account_login"), {"login": dorothy.member_code, "password": "anything-at-all"}
    )
    assert "Too many" in text(response)


def test_it_refuses_overlong_input_on_the_code_form(client, community, dorothy):
    response = client.post(
        reverse("web:sign_in_code"), {"member_number": "R" * 50_001, "code": "A" * 50_001}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_member_number_error"' in body and 'id="id_code_error"' in body


def test_it_replaces_an_earlier_letter(client, community, coordinator, dorothy):
    client.force_login(coordinator)
    first = print_letter(client, community, dorothy)
    second = print_letter(client, community, dorothy)
    client.logout()
    response = client.post(
        reverse("web:sign_in_code"), {"member_number": dorothy.member_code, "code": first}
    )
    assert "newer code has replaced" in text(response)
    response = client.post(
        reverse("web:sign_in_code"), {"member_number": dorothy.member_code, "code": second}
    )
    assert response["Location"] == reverse("web:choose_password")


def test_it_lets_a_coordinator_set_a_first_password(client, community, coordinator, dorothy):
    client.force_login(coordinator)
    url = page(community, dorothy, "web:member_first_password")
    response = client.post(
        url, {"first_password-password1": "short", "first_password-password2": "short"}
    )
    assert response.status_code == 400
    assert 'id="id_first_password-password1_error"' in response.content.decode()
    response = client.post(
        url, {"first_password-password1": NEW_PASSWORD, "first_password-password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert "first password is set" in text(client.get(response["Location"]))
    event = AuditEvent.objects.get(action="sign_in.first_password", person_id=dorothy.person_id)
    assert event.actor == coordinator and NEW_PASSWORD not in str(event.changes)

    # A second time is refused: she has a password now (a letter lets her choose a new one).
    response = client.post(
        url,
        {
            "first_password-password1": "another-long-pass-9",
            "first_password-password2": "another-long-pass-9",
        },
    )
    assert response.status_code == 302 and "already has a password" in text(
        client.get(response["Location"])
    )

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": dorothy.member_code, "password": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("web:home")


@pytest.mark.parametrize("who", ["member", "agency_staff", "outsider", "other_member"])
def test_it_refuses_anyone_but_her_coordinators(client, community, dorothy, who, request):
    client.force_login(request.getfixturevalue(who))
    expected = 403 if who in ("member", "agency_staff") else 404
    before = SignInToken.objects.count()
    for name in ("web:member_sign_in_letter", "web:member_first_password"):
        response = client.post(
            page(community, dorothy, name),
            {"first_password-password1": NEW_PASSWORD, "first_password-password2": NEW_PASSWORD},
        )
        assert response.status_code == expected, name
    assert client.get(page(community, dorothy, "web:member_sign_in_letter")).status_code == expected
    assert SignInToken.objects.count() == before
    dorothy.person.refresh_from_db()
    assert not dorothy.person.has_usable_password()


def test_it_refuses_a_coordinator_of_another_community(client, community, other_community, dorothy):
    other_coordinator = make_person("coord@hillside.example", "Hal Hill", mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=other_community, person=other_coordinator, roles=[Role.COORDINATOR]
    )
    client.force_login(other_coordinator)
    assert client.post(page(community, dorothy, "web:member_sign_in_letter")).status_code == 404


def test_it_keeps_accounts_that_guard_more_to_their_owners(
    client, community, coordinator, member, membership_of
):
    """No letter or first password for another coordinator, an operator or anyone with
    two-factor."""
    other = make_person("coord2@riverside.example", "Second Coordinator", mfa_exempt=True)
    other_membership = memberships_services.membership_add(
        actor=None, community=community, person=other, roles=[Role.COORDINATOR]
    )
    set_up_totp(member)
    client.force_login(coordinator)
    for membership in (
        other_membership,
        membership_of(member, community),
        membership_of(coordinator, community),
    ):
        response = client.post(page(community, membership, "web:member_sign_in_letter"))
        assert response.status_code == 403
        assert "Print a sign-in letter" not in text(client.get(page(community, membership)))
    assert not SignInToken.objects.exists()


def test_it_asks_for_the_second_factor_after_a_code_when_there_is_one(
    client, community, coordinator, dorothy
):
    _token, code = sign_in.sign_in_code_issue(
        actor=coordinator, community=community, membership=dorothy
    )
    set_up_totp(dorothy.person)  # set up after the letter was printed
    client.post(reverse("web:sign_in_code"), {"member_number": dorothy.member_code, "code": code})
    response = client.post(
        reverse("web:choose_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
