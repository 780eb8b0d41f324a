"""The public application form cannot be used to flood coordinators or to mail strangers:
applications are limited per client and per address, and an application with an email address
waits until its applicant follows a short single-use link."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from coproduce.communities.models import Application, UnconfirmedApplication

from .conftest import text

GOOD = {
    "full_name": "Pat Newcomer",
    "email": "pat@example.org",
    "phone": "",
    "neighbourhood": "Docks",
    "contact_preference": "email",
    "about": "I bake bread.",
}


def test_it_limits_quick_applications_from_one_client(
    client, community, django_capture_on_commit_callbacks
):
    url = reverse("web:apply", args=[community.slug])
    statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(30):
            response = client.post(
                url, {**GOOD, "full_name": f"Dear victim {i}", "email": f"victim{i}@example.org"}
            )
            statuses.append(response.status_code)
    assert statuses.count(302) <= 5
    assert statuses[-1] == 429
    assert "Too many applications have been sent from here" in text(response)
    assert len(mail.outbox) <= 5
    # Nothing reaches the coordinators until an applicant confirms their address.
    assert not Application.objects.exists()


def test_it_limits_applications_for_one_address_from_many_clients(
    client, community, django_capture_on_commit_callbacks
):
    url = reverse("web:apply", args=[community.slug])
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.post(url, {**GOOD, "email": "stranger@example.org"}, REMOTE_ADDR=f"192.0.2.{i}")
            for i in range(1, 11)
        ]
    assert [r.status_code for r in responses].count(302) == 3
    refused = responses[-1]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert 'class="error-summary"' in refused.content.decode()
    assert len(mail.outbox) == 3
    assert {m.to[0] for m in mail.outbox} == {"stranger@example.org"}


def test_it_lets_a_coordinator_enter_many_applications_without_limits(
    client, community, coordinator
):
    client.force_login(coordinator)
    url = reverse("web:apply", args=[community.slug])
    for i in range(12):
        response = client.post(
            url,
            {
                **GOOD,
                "full_name": f"Offline {i}",
                "email": "",
                "phone": f"01632 96{i:04d}",
                "contact_preference": "phone",
            },
        )
        assert response.status_code == 302
    assert Application.objects.count() == 12
    assert not UnconfirmedApplication.objects.exists()


def test_it_limits_phone_only_applications_too(client, community):
    url = reverse("web:apply", args=[community.slug])
    statuses = [
        client.post(
            url,
            {
                **GOOD,
                "full_name": f"Caller {i}",
                "email": "",
                "phone": f"01632 96{i:04d}",
                "contact_preference": "phone",
            },
        ).status_code
        for i in range(8)
    ]
    assert statuses.count(302) == 5 and statuses[-1] == 429
    assert Application.objects.count() == 5


def test_it_refuses_contact_by_post_without_an_address(
    client, community, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:apply", args=[community.slug]), {**GOOD, "contact_preference": "post"}
        )
    assert response.status_code == 400
    assert "You chose post, so give us a postal address." in text(response)
    assert 'href="#id_address"' in response.content.decode()
    assert not Application.objects.exists() and not UnconfirmedApplication.objects.exists()
    assert mail.outbox == []


def test_it_takes_contact_by_post_with_an_address(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:apply", args=[community.slug]),
        {
            **GOOD,
            "email": "",
            "phone": "01632 960001",
            "contact_preference": "post",
            "address": "4 Mill Lane\nRiverside",
        },
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.address == "4 Mill Lane\nRiverside"
    assert application.person.address == "4 Mill Lane\nRiverside"


def test_it_reports_every_problem_of_an_empty_form_at_once(client, community):
    response = client.post(reverse("web:apply", args=[community.slug]), {})
    assert response.status_code == 400
    page = text(response)
    for message in (
        "Enter a full name.",
        "Give us an email address or a phone number so we can reach you.",
        "Choose how we should contact you.",
    ):
        assert message in page
    response = client.post(
        reverse("web:apply", args=[community.slug]), {"contact_preference": "email"}
    )
    page = text(response)
    for message in (
        "Enter a full name.",
        "Give us an email address or a phone number so we can reach you.",
        "You chose email, so give us an email address.",
    ):
        assert message in page
    # A malformed address counts as given: the summary does not also ask for one.
    response = client.post(
        reverse("web:apply", args=[community.slug]),
        {"email": "nope", "contact_preference": "email"},
    )
    page = text(response)
    assert "Enter a full name." in page and "Enter an email address in the right format" in page
    assert "Give us an email address or a phone number" not in page
    assert not Application.objects.exists() and not UnconfirmedApplication.objects.exists()
