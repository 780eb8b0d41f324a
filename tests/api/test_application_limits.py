"""Anonymous applications through the API are limited per client and per address, and one with
an email address waits for its applicant to confirm it."""

from __future__ import annotations

import pytest
from django.core import mail

from coproduce.communities.models import Application

from .conftest import assert_error

APPLICATIONS = "/api/v1/communities/riverside/applications"


def post(client, data, **extra):
    return client.post(APPLICATIONS, data=data, content_type="application/json", **extra)


def test_it_limits_quick_applications_from_one_client(
    client, community, django_capture_on_commit_callbacks
):
    statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(30):
            response = post(
                client, {"full_name": f"Dear victim {i}", "email": f"victim{i}@example.org"}
            )
            statuses.append(response.status_code)
    assert sum(1 for s in statuses if s < 300) <= 5
    error = assert_error(response, 429, "rate_limited")
    assert "Too many applications" in error["message"]
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) <= 5
    assert not Application.objects.exists()


def test_it_limits_applications_for_one_address_from_many_clients(
    client, community, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            post(
                client,
                {"full_name": "A", "email": "stranger@example.org"},
                REMOTE_ADDR=f"2001:db8:{i}::1",
            )
            for i in range(1, 8)
        ]
    assert [r.status_code for r in responses].count(202) == 3
    assert_error(responses[-1], 429, "rate_limited")
    assert len(mail.outbox) == 3


def test_it_counts_one_ipv6_network_as_one_client(client, community):
    statuses = [
        post(
            client,
            {"full_name": "A", "phone": f"0770090{i:04d}", "contact_preference": "phone"},
            REMOTE_ADDR=f"2001:db8:1:2::{i:x}",
        ).status_code
        for i in range(1, 9)
    ]
    assert statuses.count(201) == 5 and statuses[-1] == 429


def test_it_refuses_contact_by_post_without_an_address(
    client, community, counts, django_capture_on_commit_callbacks
):
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, {"full_name": "Ada", "phone": "07700 900123", "contact_preference": "post"}
        )
    error = assert_error(response, 422, "validation_failed")
    assert error["fields"] == {"address": ["You chose post, so give us a postal address."]}
    assert counts() == before and mail.outbox == []
    response = post(
        client,
        {
            "full_name": "Ada",
            "phone": "07700 900123",
            "contact_preference": "post",
            "address": "4 Mill Lane",
        },
    )
    assert response.status_code == 201
    assert Application.objects.get().address == "4 Mill Lane"


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"full_name", "phone", "email"}),
        ({"contact_preference": "post"}, {"full_name", "phone", "address"}),
        ({"email": "ada@", "contact_preference": "email"}, {"full_name", "email"}),
        (
            {"full_name": "A" * 151, "contact_preference": "fax"},
            {"full_name", "phone", "contact_preference"},
        ),
    ],
)
def test_it_reports_every_problem_at_once(client, community, counts, data, fields):
    before = counts()
    error = assert_error(post(client, data), 422, "validation_failed")
    assert set(error["fields"]) == fields
    assert counts() == before
