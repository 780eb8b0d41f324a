"""Agencies, staff and roles through the API: the access matrix, bad input (nothing stored),
search filters and pagination."""

from __future__ import annotations

import pytest

from coproduce.coproduction.models import Agency, AgencyMembership, CoproductionRole
from coproduce.coproduction.services import agencies
from coproduce.core.models import AuditEvent
from coproduce.ledger.models import Account

from ..api.conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"


def send(client, method, url, data, headers):
    return getattr(client, method)(url, data=data, content_type="application/json", headers=headers)


def state() -> dict:
    return {
        "agencies": sorted(Agency.objects.values_list("pk", "name", "place", "is_archived")),
        "staff": sorted(AgencyMembership.objects.values_list("pk", "role", "ended_at")),
        "roles": sorted(
            CoproductionRole.objects.values_list("pk", "title", "status", "min_age", "max_age")
        ),
        "accounts": Account.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def number(person, community) -> int:
    return person.memberships.get(community=community).number


ROLE = {
    "agency": "riverside-health-centre",
    "title": "Welcome host",
    "description": "Greet people.",
    "commitment": "A morning a week",
    "vetting_level": 1,
    "training": ["Safeguarding"],
    "min_age": 16,
}


def test_it_lists_and_creates_agencies(client, community, coordinator, member):
    response = send(
        client,
        "post",
        f"{BASE}/agencies",
        {"name": "Riverside Library", "kind": "library", "place": "Market Square"},
        bearer(coordinator),
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "riverside-library"
    listed = client.get(f"{BASE}/agencies", headers=bearer(member))
    assert [a["name"] for a in listed.json()["items"]] == ["Riverside Library"]
    detail = client.get(f"{BASE}/agencies/riverside-library", headers=bearer(member))
    assert detail.status_code == 200 and detail.json()["kind"] == "library"


def test_it_refuses_agencies_from_members_and_bad_input(
    client, community, coordinator, member, other_member
):
    as_member, as_other, as_coordinator = bearer(member), bearer(other_member), bearer(coordinator)
    before = state()
    assert_error(
        send(client, "post", f"{BASE}/agencies", {"name": "X", "kind": "school"}, as_member), 403
    )
    assert_error(
        send(client, "post", f"{BASE}/agencies", {"name": "X", "kind": "school"}, as_other), 404
    )
    assert_error(
        send(client, "post", f"{BASE}/agencies", {"name": "X", "kind": "moon"}, as_coordinator), 422
    )
    error = assert_error(
        send(
            client,
            "post",
            f"{BASE}/agencies",
            {"name": "X", "kind": "school", "website": "nope"},
            as_coordinator,
        ),
        422,
    )
    assert "website" in error["fields"]
    assert state() == before


def test_it_updates_and_archives_an_agency(client, agency, agency_admin, coordinator, member):
    url = f"{BASE}/agencies/{agency.slug}"
    assert_error(send(client, "patch", url, {"place": "Else"}, bearer(member)), 403)
    response = send(client, "patch", url, {"place": "14 Dock Street"}, bearer(agency_admin))
    assert response.status_code == 200 and response.json()["place"] == "14 Dock Street"
    assert_error(send(client, "patch", url, {"is_archived": True}, bearer(agency_admin)), 403)
    as_coordinator, as_member = bearer(coordinator), bearer(member)
    assert (
        send(client, "patch", url, {"is_archived": True}, as_coordinator).json()["is_archived"]
        is True
    )
    before = state()
    assert_error(
        send(client, "patch", url, {"place": "Again"}, as_coordinator), 409, "agency_archived"
    )
    assert_error(client.get(url, headers=as_member), 404)
    assert state() == before


def test_it_manages_staff_by_member_number(client, agency, agency_admin, member, community):
    url = f"{BASE}/agencies/{agency.slug}/staff"
    as_admin, as_member = bearer(agency_admin), bearer(member)
    assert_error(client.get(url, headers=as_member), 403)
    before = state()
    error = assert_error(
        send(client, "post", url, {"member": 9999}, as_admin), 422, "unknown_member"
    )
    assert "member" in error["fields"]
    assert_error(send(client, "post", url, {"member": number(member, community)}, as_member), 403)
    assert_error(
        client.delete(f"{url}/{number(agency_admin, community)}", headers=as_admin),
        409,
        "last_admin",
    )
    assert state() == before
    added = send(
        client,
        "post",
        url,
        {"member": f"RIV-{number(member, community):04d}", "role": "admin"},
        bearer(agency_admin),
    )
    assert added.status_code == 201 and added.json()["role"] == "admin"
    assert_error(
        send(client, "post", url, {"member": number(member, community)}, bearer(agency_admin)),
        409,
        "already_staff",
    )
    listed = client.get(url, headers=bearer(agency_admin)).json()["items"]
    assert [s["display_name"] for s in listed] == ["Asha Staff", "Mo Member"]
    assert (
        client.delete(
            f"{url}/{number(agency_admin, community)}", headers=bearer(member)
        ).status_code
        == 204
    )
    assert_error(
        client.delete(f"{url}/{number(agency_admin, community)}", headers=bearer(member)), 404
    )


def test_it_creates_publishes_and_finds_roles(client, agency, agency_admin, member, community):
    created = send(
        client,
        "post",
        f"{BASE}/roles",
        {**ROLE, "staff_lead": number(agency_admin, community)},
        bearer(agency_admin),
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["status"] == "draft"
        and body["staff_lead"] == "Asha Staff"
        and body["calendar_url"] is None
    )
    assert body["credits_per_hour_percent"] == 100
    assert_error(client.get(f"{BASE}/roles/{body['id']}", headers=bearer(member)), 404)
    published = send(
        client, "post", f"{BASE}/roles/{body['id']}/publish", {}, bearer(agency_admin)
    ).json()
    assert published["status"] == "published" and published["calendar_url"]
    found = client.get(f"{BASE}/roles", {"q": "greet"}, headers=bearer(member)).json()
    assert [r["title"] for r in found["items"]] == ["Welcome host"]
    assert len(found["items"][0]["eligibility"]) == 2  # check level and training
    assert (
        client.get(f"{BASE}/roles", {"remote": "true"}, headers=bearer(member)).json()["items"]
        == []
    )
    assert_error(
        send(client, "post", f"{BASE}/roles/{body['id']}/publish", {}, bearer(agency_admin)),
        409,
        "role_published",
    )
    changed = send(
        client,
        "patch",
        f"{BASE}/roles/{body['id']}",
        {"remote_ok": True, "max_age": 70},
        bearer(agency_admin),
    )
    assert changed.status_code == 200 and changed.json()["max_age"] == 70
    archived = send(client, "post", f"{BASE}/roles/{body['id']}/archive", {}, bearer(agency_admin))
    assert archived.json()["status"] == "archived"


@pytest.mark.parametrize(
    "extra, status, field",
    [
        ({"min_age": 40, "max_age": 20}, 422, "max_age"),
        ({"min_age": 121}, 422, "min_age"),
        ({"vetting_level": 5}, 422, "vetting_level"),
        ({"agency": "no-such-agency"}, 404, None),
    ],
)
def test_it_refuses_bad_roles(client, agency, agency_admin, extra, status, field):
    as_admin = bearer(agency_admin)
    before = state()
    error = assert_error(send(client, "post", f"{BASE}/roles", {**ROLE, **extra}, as_admin), status)
    if field:
        assert field in error["fields"]
    assert state() == before


def test_it_refuses_a_staff_lead_not_on_the_staff_and_non_admins(
    client, agency, agency_admin, member, community, coordinator
):
    as_admin, as_member = bearer(agency_admin), bearer(member)
    before = state()
    error = assert_error(
        send(
            client,
            "post",
            f"{BASE}/roles",
            {**ROLE, "staff_lead": number(member, community)},
            as_admin,
        ),
        422,
    )
    assert "staff_lead" in error["fields"]
    assert_error(send(client, "post", f"{BASE}/roles", ROLE, as_member), 403, "not_agency_admin")
    assert state() == before
    agencies.staff_add(actor=coordinator, agency=agency, person=member)
    before = state()
    assert_error(send(client, "post", f"{BASE}/roles", ROLE, as_member), 403, "not_agency_admin")
    assert state() == before


def test_it_refuses_roles_for_an_archived_agency(client, agency, role, coordinator):
    agencies.agency_archive(actor=coordinator, agency=agency)
    as_coordinator = bearer(coordinator)
    before = state()
    assert_error(
        send(client, "post", f"{BASE}/roles", ROLE, as_coordinator), 409, "agency_archived"
    )
    assert_error(
        send(client, "patch", f"{BASE}/roles/{role.pk}", {"title": "New"}, as_coordinator), 409
    )
    assert state() == before


def test_it_pages_roles(client, agency, agency_admin, role, member):
    for i in range(3):
        agencies.role_publish(
            actor=agency_admin,
            role=agencies.role_create(
                actor=agency_admin,
                agency=agency,
                title=f"Role {i}",
                description="x",
                commitment="y",
            ),
        )
    first = client.get(f"{BASE}/roles", {"limit": 2}, headers=bearer(member)).json()
    second = client.get(
        f"{BASE}/roles", {"limit": 2, "cursor": first["next_cursor"]}, headers=bearer(member)
    ).json()
    titles = [r["title"] for r in first["items"] + second["items"]]
    assert (
        titles == ["Peer supporter", "Role 0", "Role 1", "Role 2"] and second["next_cursor"] is None
    )
    assert_error(client.get(f"{BASE}/roles", {"cursor": "xx"}, headers=bearer(member)), 422)


def test_it_hides_roles_from_outsiders(client, role, other_member, outsider):
    for person in (other_member, outsider):
        assert_error(client.get(f"{BASE}/roles", headers=bearer(person)), 404)
        assert_error(client.get(f"{BASE}/roles/{role.pk}", headers=bearer(person)), 404)
