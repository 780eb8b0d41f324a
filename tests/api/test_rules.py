"""The rulebook: GET .../rules, GET and POST .../rules/versions."""

from __future__ import annotations

import pytest

from coproduce.communities.models import Role, RulebookVersion
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.models import AuditEvent

from .conftest import assert_error, bearer
from .test_communities import walk

VERSIONS = "/api/v1/communities/riverside/rules/versions"


def change(client, headers, changes, reason="Agreed at the members' meeting"):
    return client.post(
        VERSIONS,
        data={"changes": changes, "reason": reason},
        content_type="application/json",
        headers=headers,
    )


def test_it_shows_the_rules_in_force_with_their_meaning(client, community):
    response = client.get("/api/v1/communities/riverside/rules")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["source"] == "founding"
    assert body["values"]["credit_floor_minutes"] == -600
    definitions = {d["key"]: d for d in body["definitions"]}
    assert definitions["credit_floor_minutes"]["unit"] == "minutes"
    assert definitions["credit_floor_minutes"]["area"] == "hours"
    assert definitions["credit_floor_minutes"]["coordinator_may_change"] is True
    assert definitions["change_hours"]["coordinator_may_change"] is False
    assert definitions["group_exchange_payer"]["choices"][0] == {
        "value": "split",
        "label": "Split among the people helped",
    }


def test_it_lets_a_coordinator_change_the_rules(client, community, coordinator):
    response = change(
        client, bearer(coordinator), {"auto_confirm_days": 5, "credit_ceiling_minutes": 1200}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 2
    assert body["values"]["auto_confirm_days"] == 5
    assert body["changed_by"] == "Cora Coordinator"
    assert body["reason"] == "Agreed at the members' meeting"
    assert (
        client.get("/api/v1/communities/riverside/rules").json()["values"]["credit_ceiling_minutes"]
        == 1200
    )
    event = AuditEvent.objects.get(action="rulebook.change")
    assert event.actor_id == coordinator.pk
    assert event.changes["auto_confirm_days"] == [14, 5]


def test_it_lets_a_steward_change_the_rules(client, community, member, coordinator, membership_of):
    memberships_services.role_set(
        actor=coordinator,
        membership=membership_of(member, community),
        role=Role.STEWARD,
        granted=True,
    )
    assert change(client, bearer(member), {"references_required": 2}).status_code == 201


def test_it_can_clear_an_optional_rule(client, community, coordinator):
    headers = bearer(coordinator)
    change(client, headers, {"credit_ceiling_minutes": 600})
    response = change(client, headers, {"credit_ceiling_minutes": None})
    assert response.status_code == 201
    assert response.json()["values"]["credit_ceiling_minutes"] is None


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"auto_confirm_days": 0}, "x", "changes.auto_confirm_days"),
        ({"auto_confirm_days": "soon"}, "x", "changes.auto_confirm_days"),
        ({"group_exchange_payer": "nobody"}, "x", "changes.group_exchange_payer"),
        ({"no_such_rule": 3}, "x", "changes.no_such_rule"),
        ({"auto_confirm_days": None}, "x", "changes.auto_confirm_days"),
        ({"auto_confirm_days": 5}, "", "reason"),
    ],
)
def test_it_refuses_a_bad_change(client, community, coordinator, counts, changes, reason, field):
    headers = bearer(coordinator)
    before = counts()
    error = assert_error(change(client, headers, changes, reason), 422, "validation_failed")
    assert field in error["fields"]
    assert counts() == before


def test_it_refuses_a_change_that_changes_nothing(client, community, coordinator, counts):
    headers = bearer(coordinator)
    before = counts()
    assert_error(change(client, headers, {"auto_confirm_days": 14}), 422, "validation_failed")
    assert_error(change(client, headers, {}), 422, "validation_failed")
    assert counts() == before


def test_it_refuses_a_blank_reason(client, community, coordinator):
    assert (
        "reason"
        in assert_error(change(client, bearer(coordinator), {"auto_confirm_days": 3}, "   "), 422)[
            "fields"
        ]
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_lets_only_coordinators_and_stewards_change_rules(
    client, community, request, counts, who, status
):
    headers = bearer(request.getfixturevalue(who))
    before = counts()
    assert_error(change(client, headers, {"auto_confirm_days": 3}), status)
    assert counts() == before
    assert RulebookVersion.objects.filter(community=community).count() == 1


def test_it_asks_anonymous_callers_to_sign_in_to_change_rules(client, community, counts):
    before = counts()
    assert_error(change(client, {}, {"auto_confirm_days": 3}), 401, "not_authenticated")
    assert counts() == before


def test_it_shows_the_history_to_members_newest_first(client, community, coordinator, member):
    for days in range(2, 9):
        communities_services.rulebook_change(
            actor=coordinator,
            community=community,
            changes={"auto_confirm_days": days},
            reason=f"Try {days}",
        )
    items = walk(client, VERSIONS + "?limit=3", bearer(member))
    assert [v["number"] for v in items] == list(range(8, 0, -1))
    assert items[0]["reason"] == "Try 8" and items[0]["changed_by"] == "Cora Coordinator"
    assert items[-1]["source"] == "founding" and items[-1]["changed_by"] is None


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("other_member", 404)])
def test_it_hides_the_history_from_outsiders(client, community, request, who, status):
    assert_error(client.get(VERSIONS, headers=bearer(request.getfixturevalue(who))), status)
    assert_error(client.get(VERSIONS), 401)


def test_a_rule_only_a_decision_changes_is_refused_naming_it(client, community, coordinator):
    """Rules about changing rules (issue 12, part 3): 400 in the one format, naming the rule; no
    version written."""
    before = RulebookVersion.objects.filter(community=community).count()
    response = change(client, bearer(coordinator), {"change_hours": "decision"})
    error = assert_error(response, 422, "validation_failed")
    assert "change_hours" in error["fields"]
    assert RulebookVersion.objects.filter(community=community).count() == before
