"""One error format for every failure, whoever produces it (Django's URL resolver, ninja's method
dispatch and body parsing, pydantic, the services), and refused requests change nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import tokens as tokens_services

from .conftest import assert_error, bearer

APPLY = "/api/v1/communities/riverside/applications"


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/", "/api/v1/me/", "/api/v1/communities/riverside/nothing"]
)
def test_it_answers_unknown_routes_in_the_error_format(client, community, path):
    assert_error(client.get(path), 404, "not_found")


def test_it_answers_unknown_routes_in_json_even_with_debug_on(client, community, settings):
    settings.DEBUG = True
    assert_error(client.get("/api/v1/nope"), 404, "not_found")


def test_it_answers_wrong_methods_with_405(client, community, member):
    response = client.delete("/api/v1/communities/riverside", headers=bearer(member))
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert_error(
        client.patch("/api/v1/me/privacy", headers=bearer(member)), 405, "method_not_allowed"
    )


def test_it_refuses_malformed_json(client, community, counts):
    before = counts()
    response = client.post(APPLY, data='{"full_name": "Ada", ', content_type="application/json")
    assert_error(response, 400, "malformed_json")
    assert counts() == before


@pytest.mark.parametrize(
    "body", ['{"full_name": NaN}', '{"full_name": "Ada", "about": Infinity}', b"\xff\xfe{}"]
)
def test_it_refuses_what_is_not_json(client, community, counts, body):
    before = counts()
    assert_error(
        client.post(APPLY, data=body, content_type="application/json"), 400, "malformed_json"
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("full_name=Ada&email=ada%40example.org", "application/x-www-form-urlencoded"),
        ('{"full_name": "Ada", "email": "ada@example.org"}', "text/plain"),
        ("<application/>", "application/xml"),
    ],
)
def test_it_refuses_other_content_types(client, community, counts, data, content_type):
    before = counts()
    assert_error(
        client.post(APPLY, data=data, content_type=content_type), 415, "unsupported_media_type"
    )
    assert counts() == before


def test_it_reports_shape_errors_per_field(client, community, counts):
    before = counts()
    response = client.post(
        APPLY,
        data={"full_name": "", "email": "not-an-email", "contact_preference": "pigeon"},
        content_type="application/json",
    )
    error = assert_error(response, 422, "validation_failed")
    assert {"full_name", "email", "contact_preference"} <= set(error["fields"])
    assert counts() == before


def test_it_reports_a_missing_body(client, community):
    error = assert_error(
        client.post(APPLY, content_type="application/json"), 422, "validation_failed"
    )
    assert error["fields"]


def test_it_refuses_text_that_cannot_be_stored(client, community, member, counts):
    headers = bearer(member)
    before = counts()
    response = client.post(
        APPLY,
        data={"full_name": "Ada\u0000", "email": "ada@example.org"},
        content_type="application/json",
    )
    assert_error(response, 422, "validation_failed")
    response = client.post(
        APPLY,
        data='{"full_name": "Ada \\ud800", "email": "ada@example.org"}',
        content_type="application/json",
    )
    assert_error(response, 422, "validation_failed")
    response = client.get("/api/v1/communities/riverside/members?q=a%00b", headers=headers)
    assert_error(response, 422, "validation_failed")
    assert counts() == before


@pytest.mark.parametrize("number", ["0", "-1", "99999999999999999999999", "RIV-0001", "1.5"])
def test_it_refuses_impossible_path_values(client, community, member, number):
    response = client.get(f"/api/v1/communities/riverside/members/{number}", headers=bearer(member))
    assert_error(response, 422, "validation_failed")


@pytest.mark.parametrize(
    "cursor", ["nonsense", "bnVsbA", "WyJhIl0", "WzEsMl0", "W3RydWVd", "W251bGxd", "/////"]
)
def test_it_refuses_a_cursor_it_did_not_make(client, community, member, cursor):
    response = client.get(
        f"/api/v1/communities/riverside/members?cursor={cursor}", headers=bearer(member)
    )
    error = assert_error(response, 422, "validation_failed")
    assert "cursor" in error["fields"]


@pytest.mark.parametrize("limit", ["0", "201", "-5", "lots"])
def test_it_refuses_a_limit_out_of_range(client, community, member, limit):
    response = client.get(
        f"/api/v1/communities/riverside/members?limit={limit}", headers=bearer(member)
    )
    assert "limit" in assert_error(response, 422, "validation_failed")["fields"]


def test_it_asks_anonymous_callers_to_sign_in(client, community):
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")
    assert_error(client.get("/api/v1/communities/riverside/members"), 401, "not_authenticated")


@pytest.mark.parametrize(
    "header", ["Bearer cp_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "cp_token"]
)
def test_it_refuses_credentials_that_do_not_work(client, community, member, header):
    # Also on public endpoints: a broken token is reported, not silently treated as anonymous.
    assert_error(
        client.get("/api/v1/me", headers={"Authorization": header}), 401, "not_authenticated"
    )
    assert_error(
        client.get("/api/v1/communities", headers={"Authorization": header}),
        401,
        "not_authenticated",
    )


def test_it_refuses_a_revoked_token(client, community, member, counts):
    token, secret = tokens_services.token_create(actor=member, person=member, name="old laptop")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    tokens_services.token_revoke(actor=member, token=token)
    before = counts()
    assert_error(client.get("/api/v1/me", headers=headers), 401, "not_authenticated")
    response = client.put(
        "/api/v1/me/privacy",
        data={"email": "public"},
        content_type="application/json",
        headers=headers,
    )
    assert_error(response, 401, "not_authenticated")
    assert_error(
        client.post(
            APPLY,
            data={"full_name": "Ada", "email": "ada@example.org"},
            content_type="application/json",
            headers=headers,
        ),
        401,
        "not_authenticated",
    )
    assert counts() == before
    member.refresh_from_db()
    assert member.email_visibility == "coordinators"


def test_it_does_not_fall_back_to_the_session_when_a_token_fails(client, community, member):
    client.force_login(member)
    assert client.get("/api/v1/me").status_code == 200
    assert_error(
        client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"}),
        401,
        "not_authenticated",
    )


def test_it_notes_when_a_token_was_used(client, community, member):
    token, secret = tokens_services.token_create(actor=member, person=member, name="script")
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at <= timezone.now()


def test_it_stops_a_community_token_at_its_community(
    client, community, other_community, member, counts
):
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    scoped = bearer(member, community=community)
    assert client.get("/api/v1/communities/riverside/members", headers=scoped).status_code == 200
    before = counts()
    for path in [
        "/api/v1/communities/hillside/members",
        "/api/v1/communities/hillside/members/1",
        "/api/v1/communities/hillside/rules/versions",
    ]:
        assert_error(client.get(path, headers=scoped), 404, "not_found")
    response = client.post(
        "/api/v1/communities/hillside/applications",
        headers=scoped,
        data={"full_name": "Ada", "email": "ada@example.org"},
        content_type="application/json",
    )
    assert_error(response, 404, "not_found")
    # It cannot mint itself a wider token, list tokens or export everything either.
    response = client.post(
        "/api/v1/me/tokens", data={"name": "wider"}, content_type="application/json", headers=scoped
    )
    assert_error(response, 403, "token_scope")
    assert_error(client.get("/api/v1/me/tokens", headers=scoped), 403, "token_scope")
    assert_error(client.get("/api/v1/me/export", headers=scoped), 403, "token_scope")
    assert counts() == before
    # And it does not tell which other communities the person belongs to.
    listing = client.get("/api/v1/communities", headers=scoped).json()["items"]
    assert {c["slug"]: c["my_roles"] for c in listing} == {"hillside": [], "riverside": ["member"]}
    assert [
        m["community"] for m in client.get("/api/v1/me", headers=scoped).json()["memberships"]
    ] == ["riverside"]


def test_it_gives_the_same_answer_for_a_missing_and_a_closed_community(
    client, community, other_community, member
):
    hidden = assert_error(
        client.get("/api/v1/communities/hillside/members", headers=bearer(member)), 404
    )
    missing = assert_error(
        client.get("/api/v1/communities/nowhere/members", headers=bearer(member)), 404
    )
    assert hidden == missing


def test_it_requires_the_csrf_token_for_session_writes(community, member, counts):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    assert browser.get("/api/v1/me/privacy").status_code == 200  # reads need no token
    before = counts()
    response = browser.put(
        "/api/v1/me/privacy", data={"email": "public"}, content_type="application/json"
    )
    assert_error(response, 403, "csrf_failed")
    assert counts() == before
    browser.get("/api/v1/docs")  # the docs page sets the CSRF cookie, as any page would
    response = browser.put(
        "/api/v1/me/privacy",
        data={"email": "public"},
        content_type="application/json",
        headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
    )
    assert response.status_code == 200
    assert response.json()["email"] == "public"


def test_it_lets_anonymous_callers_apply_without_csrf(community):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        APPLY,
        data={"full_name": "Ada", "email": "ada@example.org"},
        content_type="application/json",
    )
    assert response.status_code == 202  # held until the address is confirmed


def test_it_requires_two_factor_sign_in_for_coordinators_on_the_session(client, community, counts):
    from tests.conftest import make_person

    person = make_person("coord2@riverside.example", "Second Coordinator")  # not MFA-exempt
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=["coordinator"]
    )
    client.force_login(person)
    assert_error(client.get("/api/v1/communities/riverside/applications"), 403, "mfa_required")
