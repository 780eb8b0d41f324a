"""The signed-in person: /api/v1/me, gift profile, privacy, export and tokens."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import urlsplit

import pytest

from coproduce.communities.models import AccessToken
from coproduce.communities.services import tokens as tokens_services
from coproduce.core.models import AuditEvent

from .conftest import assert_error, bearer
from .test_communities import walk


def put(client, url, data, headers):
    return client.put(url, data=data, content_type="application/json", headers=headers)


def test_it_says_who_i_am(client, community, member):
    body = client.get("/api/v1/me", headers=bearer(member)).json()
    assert body["full_name"] == "Mo Member"
    (membership,) = body["memberships"]
    calendar_url = membership.pop("calendar_url")
    assert membership == {
        "community": "riverside",
        "member_number": "RIV-0001",
        "status": "active",
        "roles": ["member"],
    }
    assert client.get(urlsplit(calendar_url).path).status_code == 200  # the member's own feed


def test_it_shows_and_changes_my_gift_profile(client, community, member):
    headers = bearer(member)
    response = put(
        client,
        "/api/v1/me/gift-profile",
        {
            "gifts": [
                {"kind": "hands", "description": "Fixing bikes"},
                {"kind": "teach", "description": "Welsh"},
            ],
            "availability": ["tue-pm", "mon-am", "tue-pm"],
            "languages": "English, Welsh",
            "contact_preferences": ["phone", "email"],
        },
        headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["availability"] == ["mon-am", "tue-pm"]
    assert body["contact_preferences"] == ["email", "phone"]
    assert {(g["kind"], g["description"]) for g in body["gifts"]} == {
        ("hands", "Fixing bikes"),
        ("teach", "Welsh"),
    }
    # Fields left out stay as they are.
    response = put(
        client, "/api/v1/me/gift-profile", {"accessibility_needs": "Step-free access"}, headers
    )
    assert response.json()["languages"] == "English, Welsh"
    assert (
        client.get("/api/v1/me/gift-profile", headers=headers).json()["accessibility_needs"]
        == "Step-free access"
    )
    event = AuditEvent.objects.filter(action="person.gift_profile").first()
    assert event.actor_id == member.pk and event.on_behalf_of_id is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"availability": ["someday"]}, "availability.0"),
        ({"gifts": [{"kind": "money", "description": "Cash"}]}, "gifts.0.kind"),
        ({"gifts": [{"kind": "hands", "description": "x" * 201}]}, "gifts.0.description"),
        ({"contact_preferences": ["carrier pigeon"]}, "contact_preferences.0"),
        ({"languages": "x" * 201}, "languages"),
    ],
)
def test_it_refuses_a_bad_gift_profile(client, community, member, counts, data, field):
    headers = bearer(member)
    before = counts()
    assert (
        field in assert_error(put(client, "/api/v1/me/gift-profile", data, headers), 422)["fields"]
    )
    assert counts() == before


def test_it_refuses_a_contact_channel_i_cannot_be_reached_on(client, community, outsider, counts):
    headers = bearer(outsider)  # has an email address but no phone number
    before = counts()
    error = assert_error(
        put(client, "/api/v1/me/gift-profile", {"contact_preferences": ["phone"]}, headers), 422
    )
    assert "contact_preferences" in error["fields"]
    assert counts() == before


def test_it_shows_and_changes_my_privacy(client, community, member):
    headers = bearer(member)
    assert client.get("/api/v1/me/privacy", headers=headers).json() == {
        "email": "coordinators",
        "phone": "coordinators",
        "address": "coordinators",
        "photo": "members",
        "date_of_birth": "coordinators",
    }
    response = put(client, "/api/v1/me/privacy", {"phone": "members", "email": "public"}, headers)
    assert response.status_code == 200
    assert response.json()["phone"] == "members" and response.json()["address"] == "coordinators"
    member.refresh_from_db()
    assert member.phone_visibility == "members"


def test_it_refuses_an_unknown_privacy_setting(client, community, member, counts):
    headers = bearer(member)
    before = counts()
    assert (
        "phone"
        in assert_error(put(client, "/api/v1/me/privacy", {"phone": "friends"}, headers), 422)[
            "fields"
        ]
    )
    assert counts() == before


def test_it_exports_my_data_as_a_zip(client, community, member):
    response = client.get("/api/v1/me/export", headers=bearer(member))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read("my-data.json"))
    assert data["profile"]["email"] == "member@riverside.example"
    assert data["memberships"][0]["member_number"] == "RIV-0001"


def test_it_needs_me_signed_in(client, community):
    for path in [
        "/api/v1/me",
        "/api/v1/me/gift-profile",
        "/api/v1/me/privacy",
        "/api/v1/me/export",
        "/api/v1/me/tokens",
    ]:
        assert_error(client.get(path), 401, "not_authenticated")


def test_it_creates_a_token_and_shows_the_secret_once(client, community, member):
    client.force_login(member)
    response = client.post(
        "/api/v1/me/tokens", data={"name": "Rota spreadsheet"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    secret = created["secret"]
    assert secret.startswith(created["prefix"]) and created["community"] is None
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["id"]
        == member.pk
    )
    listing = client.get("/api/v1/me/tokens").json()
    assert [t["name"] for t in listing["items"]] == ["Rota spreadsheet"]
    assert "secret" not in listing["items"][0] and secret not in json.dumps(listing)
    assert secret not in "".join(AccessToken.objects.values_list("token_hash", flat=True))


def test_it_creates_a_token_for_one_community(client, community, member):
    response = client.post(
        "/api/v1/me/tokens",
        data={"name": "Riverside only", "community": "riverside"},
        content_type="application/json",
        headers=bearer(member),
    )
    assert response.status_code == 201
    assert response.json()["community"] == "riverside"


def test_it_refuses_a_token_for_a_community_i_am_not_in(
    client, community, other_community, member, counts
):
    headers = bearer(member)
    before = counts()
    for slug in ("hillside", "nowhere"):
        response = client.post(
            "/api/v1/me/tokens",
            data={"name": "x", "community": slug},
            content_type="application/json",
            headers=headers,
        )
        assert_error(response, 404, "not_found")
    assert_error(
        client.post(
            "/api/v1/me/tokens", data={"name": ""}, content_type="application/json", headers=headers
        ),
        422,
    )
    assert counts() == before


def test_it_revokes_a_token(client, community, member):
    token, secret = tokens_services.token_create(actor=member, person=member, name="old phone")
    headers = bearer(member)
    assert client.delete(f"/api/v1/me/tokens/{token.pk}", headers=headers).status_code == 204
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}), 401)
    assert_error(client.delete(f"/api/v1/me/tokens/{token.pk}", headers=headers), 409)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        client.get("/api/v1/me/tokens", headers=headers).json()["items"][1]["revoked_at"]
        is not None
    )


def test_it_does_not_revoke_someone_elses_token(client, community, member, coordinator, counts):
    theirs, secret = tokens_services.token_create(
        actor=coordinator, person=coordinator, name="theirs"
    )
    headers = bearer(member)
    before = counts()
    assert_error(client.delete(f"/api/v1/me/tokens/{theirs.pk}", headers=headers), 404, "not_found")
    assert_error(client.delete("/api/v1/me/tokens/999999", headers=headers), 404, "not_found")
    assert counts() == before
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )


def test_it_pages_through_my_tokens(client, community, member):
    for i in range(5):
        tokens_services.token_create(actor=member, person=member, name=f"token {i}")
    items = walk(client, "/api/v1/me/tokens?limit=2", bearer(member, name="walker"))
    assert [t["name"] for t in items] == ["walker"] + [f"token {i}" for i in range(4, -1, -1)]
