"""`POST /api/v1/communities`: operators create a community and name its first coordinator."""

from __future__ import annotations

import pytest
from django.core import mail

from coproduce.communities import access
from coproduce.communities.models import Community, Person

from .conftest import assert_error, bearer

URL = "/api/v1/communities"


def send(client, body, headers):
    return client.post(URL, body, content_type="application/json", headers=headers)


def body(**values) -> dict:
    data = {"name": "Docks Time Bank", "slug": "docks", "member_prefix": "DOC"}
    data.update(values)
    return data


def test_an_operator_creates_a_community_with_its_first_coordinator(
    client, operator, member, community
):
    response = send(client, body(coordinator_email="member@riverside.example"), bearer(operator))
    assert response.status_code == 201, response.content
    created = response.json()
    assert (
        created["slug"] == "docks"
        and created["member_prefix"] == "DOC"
        and created["rulebook_version"] == 1
    )
    assert created["first_coordinator"] == {"member_code": "DOC-0001", "name": "Mo Member"}
    assert access.is_coordinator(member, Community.objects.get(slug="docks"))
    assert client.get(f"{URL}/docks").status_code == 200


def test_a_new_email_gets_an_account_and_the_welcome(
    client, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            client,
            body(coordinator_email="bea@docks.example", coordinator_name="Bea Baker"),
            bearer(operator),
        )
    assert response.status_code == 201
    assert Person.objects.get(email="bea@docks.example").full_name == "Bea Baker"
    assert [m.subject for m in mail.outbox] == ["Welcome to Docks Time Bank"]


@pytest.mark.parametrize(
    "person", ["member", "coordinator", "agency_staff", "outsider", "other_member"]
)
def test_it_is_403_for_everyone_but_operators(client, request, community, counts, person):
    headers = bearer(request.getfixturevalue(person))
    before = counts()
    assert_error(send(client, body(), headers), 403, "operators_only")
    assert counts() == before


def test_it_is_401_without_signing_in(client, db, counts):
    before = counts()
    assert_error(send(client, body(), {}), 401)
    assert counts() == before


@pytest.mark.parametrize(
    ("values", "status", "field"),
    [
        ({"slug": "riverside"}, 409, "slug"),
        ({"member_prefix": "riv"}, 409, "member_prefix"),
        ({"slug": "Docks_Town"}, 422, "slug"),
        ({"member_prefix": "DOCKS1"}, 422, "member_prefix"),
        ({"name": ""}, 422, "name"),
        ({"name": "x" * 121}, 422, "name"),
        ({"coordinator_email": "new@docks.example"}, 422, "coordinator_name"),
        ({"coordinator_email": "x@"}, 422, "coordinator_email"),
    ],
)
def test_bad_input_is_refused_in_the_error_format_and_creates_nothing(
    client, operator, community, counts, values, status, field
):
    headers = bearer(operator)
    before = counts()
    error = assert_error(send(client, body(**values), headers), status)
    assert field in error["fields"], error
    assert counts() == before and mail.outbox == []
