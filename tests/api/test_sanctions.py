"""Sanctions and appeals through the API (issue 12): a coordinator records a warning, the member
reads only their own and appeals once, the panel (without whoever decided) records the outcome;
a suspended member still reads and appeals but every write answers 403 `suspended`. Bad input
in the one error format, naming the field, with nothing changed."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from coproduce.communities.models import Membership, Role
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.models import AuditEvent
from coproduce.governance.models import Appeal, Sanction
from tests.conftest import make_person

from .conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"


def post(client, url, data, headers):
    return client.post(url, data=data, content_type="application/json", headers=headers)


@pytest.fixture
def steward(community):
    person = make_person("steward@riverside.example", "Sam Steward", mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=[Role.STEWARD]
    )
    return person


def code_of(person, community) -> str:
    return Membership.objects.get(person=person, community=community).member_code


def warn(client, coordinator, member, community, step="reminder"):
    response = post(
        client,
        f"{BASE}/sanctions",
        {
            "member": code_of(member, community),
            "step": step,
            "rule_broken": "Turn up when you said you would",
            "rule_key": "",
            "reason": "Missed three sessions without a word.",
        },
        bearer(coordinator),
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_warning_story_through_the_api(client, community, coordinator, member, steward):
    first = warn(client, coordinator, member, community)
    assert first["code"] == "S-1" and first["decided_by"] == "Cora Coordinator"
    second = warn(client, coordinator, member, community, step="warning")
    assert second["step"] == "warning" and second["appeal_days_left"] == 14
    # The member sees only their own; the steward sees all.
    other = make_person("other@riverside.example", "Oli Other")
    memberships_services.membership_add(actor=None, community=community, person=other)
    warn(client, coordinator, other, community)
    mine = client.get(f"{BASE}/sanctions", headers=bearer(member)).json()["items"]
    assert [s["code"] for s in mine] == ["S-2", "S-1"]
    assert mine[0]["may_appeal"] is True
    assert len(client.get(f"{BASE}/sanctions", headers=bearer(steward)).json()["items"]) == 3
    assert_error(client.get(f"{BASE}/sanctions/3", headers=bearer(member)), 404)
    # The appeal, once.
    response = post(
        client, f"{BASE}/appeals", {"sanction": 2, "grounds": "I was ill."}, bearer(member)
    )
    assert response.status_code == 201, response.content
    assert response.json()["appeal"]["outcome"] is None
    # Whoever decided is not on the panel; the steward is.
    refused = post(
        client,
        f"{BASE}/appeals/2/outcome",
        {"outcome": "upheld", "reason": "Fair."},
        bearer(coordinator),
    )
    assert_error(refused, 403, "not_on_panel")
    response = post(
        client,
        f"{BASE}/appeals/2/outcome",
        {"outcome": "changed", "changed_to": "reminder", "reason": "A reminder is enough."},
        bearer(steward),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["step"] == "reminder" and body["appeal"]["outcome"] == "changed"
    assert body["appeal"]["decided_by"] == "Sam Steward"


def test_a_second_appeal_or_a_late_one_names_the_field_and_changes_nothing(
    client, community, coordinator, member
):
    warn(client, coordinator, member, community)
    warn(client, coordinator, member, community, step="warning")
    headers = bearer(member)
    post(client, f"{BASE}/appeals", {"sanction": 1, "grounds": "Unfair."}, headers)
    before = (Appeal.objects.count(), AuditEvent.objects.count())
    error = assert_error(
        post(client, f"{BASE}/appeals", {"sanction": 1, "grounds": "Again."}, headers),
        422,
        "appealed_already",
    )
    assert "sanction" in error["fields"]
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(days=20)
    ):
        error = assert_error(
            post(client, f"{BASE}/appeals", {"sanction": 2, "grounds": "Late."}, headers),
            422,
            "appeal_window_closed",
        )
    assert "sanction" in error["fields"]
    assert (Appeal.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"step": "suspension"}, "step"),  # skipping steps
        ({"step": "banish"}, "step"),
        ({"member": "RIV-0999"}, "member"),
        ({"member": "self"}, "member"),
        ({"rule_broken": ""}, "rule_broken"),
        ({"reason": "x" * 2001}, "reason"),
    ],
)
def test_bad_sanctions_name_the_field(client, community, coordinator, member, change, field):
    data = {
        "member": code_of(member, community),
        "step": "reminder",
        "rule_broken": "A rule",
        "reason": "A reason",
        **change,
    }
    if data["member"] == "self":
        data["member"] = code_of(coordinator, community)
    response = post(client, f"{BASE}/sanctions", data, bearer(coordinator))
    error = assert_error(response, 422)
    assert field in error["fields"] or any(field in key for key in error["fields"]), error
    assert not Sanction.objects.exists()


def test_members_may_not_sanction_and_outsiders_see_nothing(
    client, community, coordinator, member, outsider
):
    data = {"member": code_of(coordinator, community), "step": "reminder"}
    data |= {"rule_broken": "x", "reason": "y"}
    assert_error(post(client, f"{BASE}/sanctions", data, bearer(member)), 403)
    assert_error(client.get(f"{BASE}/sanctions", headers=bearer(outsider)), 404)
    assert not Sanction.objects.exists()


def test_a_suspended_member_reads_and_appeals_but_every_write_is_403_suspended(
    client, community, coordinator, member
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    made = warn(client, coordinator, member, community, step="suspension")
    assert made["ends_at"] is not None
    headers = bearer(member)
    assert client.get(f"{BASE}/sanctions/1", headers=headers).status_code == 200
    assert client.get(f"{BASE}/listings", headers=headers).status_code == 200
    listing = {"kind": "offer", "title": "Ironing", "category": "home"}
    error = assert_error(post(client, f"{BASE}/listings", listing, headers), 403, "suspended")
    assert "message a coordinator and appeal" in error["message"]
    response = post(client, f"{BASE}/appeals", {"sanction": 1, "grounds": "Sorry."}, headers)
    assert response.status_code == 201, response.content


def test_a_coordinator_lifts_a_suspension(client, community, coordinator, member):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    warn(client, coordinator, member, community, step="suspension")
    assert_error(post(client, f"{BASE}/sanctions/1/lift", {"reason": ""}, bearer(coordinator)), 422)
    response = post(
        client, f"{BASE}/sanctions/1/lift", {"reason": "Made amends."}, bearer(coordinator)
    )
    assert response.status_code == 200 and response.json()["status"] == "lifted"
    assert Membership.objects.get(person=member, community=community).status == "active"


def test_the_schema_documents_the_routes_with_examples(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/communities/{slug}/sanctions",
        "/api/v1/communities/{slug}/sanctions/{number}",
        "/api/v1/communities/{slug}/sanctions/{number}/lift",
        "/api/v1/communities/{slug}/appeals",
        "/api/v1/communities/{slug}/appeals/{number}/outcome",
    ):
        assert path in schema["paths"], path
    assert schema["components"]["schemas"]["SanctionIn"]["properties"]["step"]
    assert "examples" in schema["components"]["schemas"]["AppealIn"]["properties"]["grounds"]
