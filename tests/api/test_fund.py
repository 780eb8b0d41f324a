"""The community fund: donations by members, grants by coordinators, and what each may see."""

from __future__ import annotations

from coproduce.ledger.models import Account
from coproduce.ledger.services import accounts as accounts_services

from .conftest import assert_error, bearer, post
from .test_exchanges import code

FUND = "/api/v1/communities/riverside/fund"


def test_it_takes_donations_and_makes_grants(client, community, member, agency_staff, coordinator):
    donated = post(
        client, f"{FUND}/donations", {"minutes": 60, "note": "For whoever needs it"}, bearer(member)
    )
    assert donated.status_code == 201, donated.content
    assert donated.json()["reason"] == "donation"
    granted = post(
        client,
        f"{FUND}/grants",
        {
            "member": code(agency_staff, community),
            "minutes": 45,
            "reason": "Recovering from an operation",
        },
        bearer(coordinator),
    )
    assert granted.status_code == 201, granted.content
    fund = Account.objects.get(community=community, kind="fund")
    assert fund.balance_minutes == 15
    assert accounts_services.member_account(community, agency_staff).balance_minutes == 45


def test_it_hides_names_and_reasons_from_members(
    client, community, member, agency_staff, coordinator
):
    post(client, f"{FUND}/donations", {"minutes": 60, "note": "In memory of Joan"}, bearer(member))
    post(
        client,
        f"{FUND}/grants",
        {"member": code(agency_staff, community), "minutes": 30, "reason": "Hospital stay"},
        bearer(coordinator),
    )
    seen = client.get(FUND, headers=bearer(agency_staff)).json()
    assert seen["balance_minutes"] == 30
    assert [(line["amount_minutes"], line["who"], line["note"]) for line in seen["items"]] == [
        (-30, [], ""),
        (60, [], ""),
    ]
    assert "Hospital" not in str(seen) and "Joan" not in str(seen) and "Mo Member" not in str(seen)
    full = client.get(FUND, headers=bearer(coordinator)).json()
    assert [(line["who"], line["note"]) for line in full["items"]] == [
        (["Asha Staff"], "Hospital stay"),
        (["Mo Member"], "In memory of Joan"),
    ]
    assert full["account_id"] == Account.objects.get(community=community, kind="fund").pk


def test_it_pages_through_the_fund(client, community, member):
    for i in range(5):
        post(client, f"{FUND}/donations", {"minutes": 1 + i}, bearer(member))
    items, cursor = [], None
    for _ in range(10):
        page = client.get(
            f"{FUND}?limit=2" + (f"&cursor={cursor}" if cursor else ""), headers=bearer(member)
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [line["amount_minutes"] for line in items] == [5, 4, 3, 2, 1]


def test_it_keeps_grants_for_coordinators(client, community, member, agency_staff, outsider, hours):
    post(client, f"{FUND}/donations", {"minutes": 60}, bearer(member))
    before = hours()
    data = {"member": code(member, community), "minutes": 30, "reason": "Please"}
    assert_error(
        post(client, f"{FUND}/grants", data, bearer(agency_staff)), 403, "coordinators_only"
    )
    assert_error(post(client, f"{FUND}/grants", data, bearer(outsider)), 404, "not_found")
    assert_error(client.get(FUND, headers=bearer(outsider)), 404, "not_found")
    assert hours() == before


def test_it_refuses_a_grant_larger_than_the_fund(client, community, member, coordinator, hours):
    post(client, f"{FUND}/donations", {"minutes": 20}, bearer(member))
    before = hours()
    response = post(
        client,
        f"{FUND}/grants",
        {"member": code(member, community), "minutes": 21, "reason": "Need"},
        bearer(coordinator),
    )
    assert_error(response, 409, "limit_exceeded")
    assert_error(
        post(
            client,
            f"{FUND}/grants",
            {"member": code(member, community), "minutes": 5, "reason": ""},
            bearer(coordinator),
        ),
        422,
        "validation_failed",
    )
    assert hours() == before


def test_it_lets_a_coordinator_donate_for_a_member(
    client, community, member, agency_staff, coordinator
):
    response = post(
        client,
        f"{FUND}/donations",
        {"minutes": 10, "on_behalf_of": code(member, community)},
        bearer(coordinator),
    )
    assert response.status_code == 201, response.content
    assert response.json()["on_behalf_of"] == "Mo Member"
    assert accounts_services.member_account(community, member).balance_minutes == -10
    assert_error(
        post(
            client,
            f"{FUND}/donations",
            {"minutes": 10, "on_behalf_of": code(member, community)},
            bearer(agency_staff),
        ),
        403,
        "coordinators_only",
    )


def test_it_answers_a_replayed_donation_with_the_original(client, community, member, hours):
    first = post(client, f"{FUND}/donations", {"minutes": 10}, bearer(member), key="gift")
    before = hours()
    again = post(client, f"{FUND}/donations", {"minutes": 10}, bearer(member), key="gift")
    assert (again.status_code, again.json()) == (201, first.json())
    assert_error(
        post(client, f"{FUND}/donations", {"minutes": 11}, bearer(member), key="gift"),
        409,
        "idempotency_key_reused",
    )
    assert hours() == before
