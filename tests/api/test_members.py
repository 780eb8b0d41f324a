"""The member directory and what coordinators keep about members."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coproduce.communities.models import CheckKind, CheckResult, MembershipStatus, Visibility
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import privacy as privacy_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.core.models import AuditEvent

from .conftest import assert_error, bearer
from .test_communities import walk

MEMBERS = "/api/v1/communities/riverside/members"


def add_members(community, count: int, start: int = 0) -> list:
    from tests.conftest import make_person

    people = []
    for i in range(start, start + count):
        person = make_person(
            f"person{i}@riverside.example", f"Person {i}", neighbourhood="Quayside"
        )
        memberships_services.membership_add(actor=None, community=community, person=person)
        profiles_services.gift_profile_update(
            actor=person, person=person, gifts=[("hands", f"Gardening {i}")]
        )
        people.append(person)
    return people


def test_it_lists_the_members_of_the_community(
    client, community, member, coordinator, other_member
):
    items = client.get(MEMBERS, headers=bearer(member)).json()["items"]
    assert [(m["member_code"], m["name"]) for m in items] == [
        ("RIV-0001", "Mo Member"),
        ("RIV-0002", "Cora Coordinator"),
    ]
    assert "Hana Hillside" not in str(items)


def test_it_applies_each_members_privacy(client, community, member, coordinator, agency_staff):
    privacy_services.privacy_update(
        actor=member, person=member, visibility={"phone": Visibility.MEMBERS}
    )
    seen_by_staff = client.get(f"{MEMBERS}/1", headers=bearer(agency_staff)).json()
    assert seen_by_staff["phone"] == "07700 900001"
    assert seen_by_staff["email"] is None and seen_by_staff["address"] is None
    assert seen_by_staff["full_name"] is None
    seen_by_coordinator = client.get(f"{MEMBERS}/1", headers=bearer(coordinator)).json()
    assert seen_by_coordinator["email"] == "member@riverside.example"
    assert seen_by_coordinator["address"] == "1 River Row"
    assert seen_by_coordinator["full_name"] == "Mo Member"
    seen_by_self = client.get(f"{MEMBERS}/1", headers=bearer(member)).json()
    assert seen_by_self["address"] == "1 River Row"
    listed = {
        m["number"]: m for m in client.get(MEMBERS, headers=bearer(agency_staff)).json()["items"]
    }
    assert listed[1]["phone"] == "07700 900001" and listed[1]["email"] is None


def test_it_searches_by_name_gift_and_number(client, community, member):
    add_members(community, 3)
    headers = bearer(member)
    assert [
        m["name"] for m in client.get(f"{MEMBERS}?q=gardening 1", headers=headers).json()["items"]
    ] == ["Person 1"]
    assert [
        m["name"] for m in client.get(f"{MEMBERS}?q=RIV-0003", headers=headers).json()["items"]
    ] == ["Person 1"]
    assert client.get(f"{MEMBERS}?q=nobody", headers=headers).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_it_pages_through_the_directory(client, community, member):
    add_members(community, 11)
    items = walk(client, f"{MEMBERS}?limit=4", bearer(member))
    numbers = [m["number"] for m in items]
    assert numbers == list(range(1, 13))
    items = walk(client, f"{MEMBERS}?limit=2&q=Quayside", bearer(member))
    assert [m["number"] for m in items] == list(range(2, 13))


def test_it_reads_the_directory_in_a_fixed_number_of_queries(client, community, coordinator):
    headers = bearer(coordinator)
    add_members(community, 2)
    client.get(MEMBERS, headers=headers)  # warm-up: token last-used stamp, caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(MEMBERS, headers=headers).status_code == 200
    add_members(community, 15, start=2)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(MEMBERS, headers=headers).json()["items"]) == 18
    assert len(small) == len(large), [q["sql"] for q in large.captured_queries]


def test_it_reads_the_directory_in_five_queries(
    client, community, coordinator, django_assert_num_queries
):
    headers = bearer(coordinator)
    add_members(community, 20)
    client.get(MEMBERS, headers=headers)
    # token; the caller's memberships with their roles and communities (this one among them);
    # the page of members, their roles, their gifts
    with django_assert_num_queries(5):
        client.get(MEMBERS, headers=headers)


@pytest.mark.parametrize("who", ["outsider", "other_member"])
def test_it_hides_the_directory_from_outsiders(client, community, member, request, who):
    headers = bearer(request.getfixturevalue(who))
    missing = assert_error(client.get(MEMBERS, headers=headers), 404, "not_found")
    assert assert_error(client.get(f"{MEMBERS}/1", headers=headers), 404) == missing
    assert_error(client.get(MEMBERS), 401)


def test_it_says_not_found_for_an_unknown_member(client, community, member):
    assert_error(client.get(f"{MEMBERS}/99", headers=bearer(member)), 404, "not_found")


def test_it_hides_members_who_left_except_from_coordinators(
    client, community, member, coordinator, agency_staff, membership_of
):
    offboarding_services.member_offboard(
        actor=coordinator,
        membership=membership_of(member, community),
        reason="Moved away",
        pseudonymise=False,
    )
    assert_error(client.get(f"{MEMBERS}/1", headers=bearer(agency_staff)), 404)
    assert (
        client.get(f"{MEMBERS}/1", headers=bearer(coordinator)).json()["status"]
        == MembershipStatus.ARCHIVED
    )
    assert 1 not in [
        m["number"] for m in client.get(MEMBERS, headers=bearer(coordinator)).json()["items"]
    ]


# Coordinators only -----------------------------------------------------------------------------

COORDINATOR_READS = ["/gift-profile", "/checks", "/history"]


@pytest.mark.parametrize("suffix", COORDINATOR_READS)
@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_keeps_member_records_for_coordinators(
    client, community, member, request, suffix, who, status
):
    # The member asking about themselves is refused too: checks and history are for coordinators.
    assert_error(
        client.get(f"{MEMBERS}/1{suffix}", headers=bearer(request.getfixturevalue(who))), status
    )


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("put", "/gift-profile", {"languages": "French"}),
        ("post", "/checks", {"kind": "id_seen", "result": "passed", "checked_on": "2024-01-01"}),
        ("post", "/offboard", {"reason": "Asked to leave"}),
    ],
)
@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_lets_only_coordinators_change_member_records(
    client, community, member, request, counts, method, suffix, data, who, status
):
    headers = bearer(request.getfixturevalue(who))
    before = counts()
    response = getattr(client, method)(
        f"{MEMBERS}/1{suffix}", data=data, content_type="application/json", headers=headers
    )
    assert_error(response, status)
    assert counts() == before


def test_it_lets_a_coordinator_edit_a_gift_profile_on_behalf(
    client, community, member, coordinator
):
    headers = bearer(coordinator)
    response = client.put(
        f"{MEMBERS}/1/gift-profile",
        data={
            "gifts": [{"kind": "heart", "description": "Local history"}],
            "availability": ["sat-am"],
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    assert client.get(f"{MEMBERS}/1/gift-profile", headers=headers).json()["gifts"] == [
        {"kind": "heart", "description": "Local history"}
    ]
    event = AuditEvent.objects.get(action="person.gift_profile")
    assert (event.actor_id, event.on_behalf_of_id, event.person_id) == (
        coordinator.pk,
        member.pk,
        member.pk,
    )


def test_it_records_and_lists_checks(client, community, member, coordinator):
    headers = bearer(coordinator)
    response = client.post(
        f"{MEMBERS}/1/checks",
        data={
            "kind": CheckKind.BACKGROUND,
            "result": CheckResult.PASSED,
            "checked_on": "2024-03-01",
            "expires_on": "2027-03-01",
            "reference_number": "DBS-123",
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["recorded_by"] == "Cora Coordinator"
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.ID_SEEN,
        result=CheckResult.PASSED,
        checked_on=dt.date(2024, 5, 1),
    )
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.SAFEGUARDING,
        result=CheckResult.PENDING,
        checked_on=dt.date(2024, 5, 1),
    )
    items = walk(client, f"{MEMBERS}/1/checks?limit=2", headers)
    assert [(c["kind"], c["checked_on"]) for c in items] == [
        ("safeguarding_training", "2024-05-01"),
        ("id_seen", "2024-05-01"),
        ("background_check", "2024-03-01"),
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "id_seen", "result": "passed", "checked_on": "2999-01-01"}, "checked_on"),
        (
            {
                "kind": "id_seen",
                "result": "passed",
                "checked_on": "2024-01-02",
                "expires_on": "2024-01-01",
            },
            "expires_on",
        ),
        ({"kind": "horoscope", "result": "passed", "checked_on": "2024-01-01"}, "kind"),
        ({"kind": "id_seen", "result": "passed", "checked_on": "yesterday"}, "checked_on"),
    ],
)
def test_it_refuses_a_bad_check(client, community, member, coordinator, counts, data, field):
    headers = bearer(coordinator)
    before = counts()
    response = client.post(
        f"{MEMBERS}/1/checks", data=data, content_type="application/json", headers=headers
    )
    assert field in assert_error(response, 422)["fields"]
    assert counts() == before


def test_it_shows_a_members_history_newest_first(client, community, member, coordinator):
    profiles_services.gift_profile_update(actor=coordinator, person=member, languages="Polish")
    privacy_services.privacy_update(actor=member, person=member, visibility={"phone": "members"})
    items = walk(client, f"{MEMBERS}/1/history?limit=1", bearer(coordinator))
    assert [e["action"] for e in items] == [
        "person.privacy",
        "person.gift_profile",
        "membership.create",
    ]
    assert items[1]["actor"] == "Cora Coordinator" and items[1]["on_behalf_of"] == "Mo Member"
    assert items[1]["changes"]["languages"] == ["", "Polish"]


def test_it_offboards_a_member(client, community, member, coordinator):
    response = client.post(
        f"{MEMBERS}/1/offboard",
        data={"reason": "Moved to Leeds"},
        content_type="application/json",
        headers=bearer(coordinator),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "archived"
    assert body["name"] == f"Former member {member.pk}" and body["email"] is None
    member.refresh_from_db()
    assert member.pseudonymised_at is not None


def test_it_refuses_to_offboard_twice_or_the_last_coordinator(
    client, community, member, coordinator, counts
):
    headers = bearer(coordinator)
    assert (
        client.post(
            f"{MEMBERS}/1/offboard",
            data={"reason": "Left"},
            content_type="application/json",
            headers=headers,
        ).status_code
        == 200
    )
    before = counts()
    for number in (1, 2):
        response = client.post(
            f"{MEMBERS}/{number}/offboard",
            data={"reason": "Left"},
            content_type="application/json",
            headers=headers,
        )
        assert_error(response, 409, "conflict")
    response = client.post(
        f"{MEMBERS}/2/offboard",
        data={"reason": ""},
        content_type="application/json",
        headers=headers,
    )
    assert "reason" in assert_error(response, 422)["fields"]
    assert counts() == before
