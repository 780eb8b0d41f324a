"""The password reset form is the other page that sends mail for someone not signed in: it
mails only addresses that have an account, and each of those only a few times an hour."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from tests.conftest import make_person


def test_it_mails_nobody_who_has_no_account(client, db):
    url = reverse("account_reset_password")
    for i in range(3):
        response = client.post(
            url, {"email": f"stranger{i}@example.org"}, REMOTE_ADDR=f"192.0.2.{i + 1}"
        )
        assert response.status_code == 302  # the page says the same as for a real account
    assert mail.outbox == []


def test_it_limits_reset_emails_to_one_address_from_many_clients(client, db):
    make_person("known@example.org", "Known Person")
    url = reverse("account_reset_password")
    for i in range(12):
        client.post(url, {"email": "known@example.org"}, REMOTE_ADDR=f"192.0.2.{i + 1}")
    assert 1 <= len(mail.outbox) <= 3
