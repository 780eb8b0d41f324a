"""A new member's welcome: a set-password link of their own, in the community's name, that ends
on their home page, signed in (through the same sign-in, so a second factor still applies).

It used to send everyone to the generic "Password Reset" page, whose email said "Hello from
127.0.0.1:18800!"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import Membership, SignInToken
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import references as references_services
from coproduce.communities.services import sign_in
from coproduce.core.models import AuditEvent
from tests.conftest import PASSWORD
from tests.two_factor import set_up_totp

from .conftest import supported_application, text

NEW_PASSWORD = "walnut-ferry-lantern-7"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


@pytest.fixture
def approve(django_capture_on_commit_callbacks):
    """Approve a supported application; the welcome email is sent (after commit)."""

    def run(community, coordinator, **kw):
        application = supported_application(community, coordinator, **kw)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return applications_services.application_approve(
                actor=coordinator, application=application
            )

    return run


def welcome_link(message) -> str:
    match = re.search(r"http://[^\s]+(/welcome/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_it_welcomes_a_new_member_with_a_link_of_their_own(community, coordinator, approve):
    membership = approve(community, coordinator, full_name="Ada Applicant", email="ada@example.org")
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    assert message.subject == "Welcome to Riverside"
    body = message.body
    assert "Dear Ada Applicant" in body and "Welcome to Riverside!" in body
    assert membership.member_code in body
    assert "works once, until" in body
    assert "The coordinators of Riverside" in body
    assert "/welcome/" in body
    assert "password/reset" not in body and "127.0.0.1:18800" not in body
    token = SignInToken.objects.get(person=membership.person)
    assert token.community == community
    assert (
        dt.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=7)
    )
    assert AuditEvent.objects.filter(
        action="sign_in.link_issue", person_id=membership.person_id
    ).exists()


def test_it_lets_the_new_member_choose_a_password_and_lands_them_at_home(
    client, community, coordinator, approve
):
    membership = approve(community, coordinator, full_name="Ada Applicant", email="ada@example.org")
    link = welcome_link(mail.outbox[0])
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:choose_password")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert membership.member_code in text(page) and "ada@example.org" in text(page)
    assert link not in page.content.decode()  # the secret is not repeated on the page

    response = client.post(
        reverse("web:choose_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert int(client.session["_auth_user_id"]) == membership.person_id
    home = client.get(reverse("web:home"))
    assert home.status_code == 200
    assert "Your password is set. Welcome!" in text(home)
    membership.person.refresh_from_db()
    assert membership.person.check_password(NEW_PASSWORD)
    assert (
        AuditEvent.objects.filter(action="sign_in.password_chosen", actor=membership.person).count()
        == 1
    )

    # They sign in the ordinary way from then on.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "ada@example.org", "password": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("web:home")


def test_it_checks_the_password_rules_and_keeps_the_link(client, community, coordinator, approve):
    membership = approve(community, coordinator, email="ada@example.org")
    client.get(welcome_link(mail.outbox[0]))
    for first, second, field in [
        ("short", "short", "password1"),
        ("password123", "password123", "password1"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "password2"),
        ("", "", "password1"),
    ]:
        response = client.post(
            reverse("web:choose_password"), {"password1": first, "password2": second}
        )
        assert response.status_code == 400, first
        assert f'id="id_{field}_error"' in response.content.decode(), first
    assert "_auth_user_id" not in client.session
    assert not SignInToken.objects.get(person=membership.person).is_used
    assert not Membership.objects.get(pk=membership.pk).person.has_usable_password()


@pytest.mark.parametrize("case", ["used", "expired", "replaced", "unknown"])
def test_it_explains_a_link_that_no_longer_works(client, community, coordinator, case, approve):
    membership = approve(community, coordinator, email="ada@example.org")
    link = welcome_link(mail.outbox[0])
    status, words = 410, ""
    if case == "used":
        client.get(link)
        client.post(
            reverse("web:choose_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        client.logout()
        words = "already been used"
    elif case == "expired":
        SignInToken.objects.filter(person=membership.person).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
        words = "has expired"
    elif case == "replaced":
        sign_in.sign_in_link_issue(actor=coordinator, person=membership.person, community=community)
        words = "newer link has replaced"
    else:
        link = "/welcome/w_not-a-real-link/"
        status, words = 404, "not one of ours"
    response = client.get(link)
    assert response.status_code == status
    page = text(response)
    assert words in page
    assert "Forgotten your password?" in page and "ask your coordinator" in page.lower()
    assert "_auth_user_id" not in client.session


def test_it_asks_for_the_second_factor_after_a_link_when_there_is_one(
    client, community, coordinator, approve
):
    membership = approve(community, coordinator, email="ada@example.org")
    set_up_totp(membership.person)
    client.get(welcome_link(mail.outbox[0]))
    response = client.post(
        reverse("web:choose_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_it_tells_a_member_who_already_has_a_password_to_sign_in_as_usual(
    community, other_community, coordinator, other_member, django_capture_on_commit_callbacks
):
    application = applications_services.application_submit(
        actor=other_member, community=community, full_name="Hana Hillside", email=other_member.email
    )
    _ref, secret = references_services.reference_request(
        actor=coordinator,
        application=application,
        referee_name="Rita",
        referee_email="rita@example.org",
    )
    references_services.reference_answer(token=secret, outcome="supports", answer="Yes.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        applications_services.application_approve(actor=coordinator, application=application)
    (message,) = mail.outbox
    assert "Sign in as usual" in message.body and "/welcome/" not in message.body
    assert not SignInToken.objects.filter(person=other_member).exists()
    assert other_member.check_password(PASSWORD)


def test_it_names_the_site_in_allauths_own_emails(client, member, settings):
    settings.SITE_NAME = "Riverside Time Bank"
    client.post(reverse("account_reset_password"), {"email": member.email})
    (message,) = mail.outbox
    assert message.subject.startswith("[Riverside Time Bank] ")
    assert "Hello from Riverside Time Bank!" in message.body
    assert "testserver" not in message.body.split("\n")[0]


def test_it_says_on_the_sign_in_page_how_members_get_a_password(client, db):
    page = text(client.get(reverse("account_login")))
    assert "get a password when their application is approved" not in page
    assert "we email you a link to choose your password" in page
    assert "sign-in letter" in page
