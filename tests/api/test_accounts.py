"""Balances and statements through the API."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import reservations as reservations_services
from coproduce.ledger.services import reversals as reversals_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg

from .conftest import assert_error, bearer

ACCOUNTS = "/api/v1/communities/riverside/accounts"


def give(community, actor, source, target, minutes, key, memo=""):
    return transfers_services.transfer_create(
        actor=actor,
        community=community,
        idempotency_key=key,
        memo=memo,
        legs=[Leg(source.pk, -minutes), Leg(target.pk, minutes)],
    )


def walk_statement(client, url: str, headers) -> list[dict]:
    items, cursor = [], None
    for _ in range(100):
        page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("too many pages")


def test_it_shows_zeros_before_the_first_exchange(client, community, member):
    mine = client.get(f"{ACCOUNTS}/me", headers=bearer(member)).json()
    assert mine == {
        "id": None,
        "kind": "member",
        "name": "Mo Member",
        "member_code": member.memberships.get().member_code,
        "balance_minutes": 0,
        "held_minutes": 0,
        "given_minutes": 0,
        "received_minutes": 0,
        "closed_at": None,
    }


def test_it_shows_balance_and_totals_in_minutes(
    client, community, member, agency_staff, coordinator
):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    give(community, coordinator, theirs, mine, 90, "a")
    give(community, coordinator, mine, theirs, 30, "b")
    reversed_ = give(community, coordinator, theirs, mine, 45, "c")
    reversals_services.transfer_reverse(
        actor=coordinator, community=community, transfer_id=reversed_.pk, reason="Typo"
    )
    body = client.get(f"{ACCOUNTS}/me", headers=bearer(member)).json()
    assert (
        body["id"],
        body["balance_minutes"],
        body["given_minutes"],
        body["received_minutes"],
    ) == (mine.pk, 60, 30, 90)
    assert client.get(f"{ACCOUNTS}/{mine.pk}", headers=bearer(member)).json() == body


def test_it_shows_an_account_to_its_holder_and_the_coordinators_only(
    client, community, member, agency_staff, coordinator, outsider, other_member, other_community
):
    mine = accounts_services.member_account(community, member)
    fund = accounts_services.fund_account(community)
    assert client.get(f"{ACCOUNTS}/{mine.pk}", headers=bearer(coordinator)).status_code == 200
    assert (
        client.get(f"{ACCOUNTS}/{fund.pk}/statement", headers=bearer(coordinator)).status_code
        == 200
    )
    missing = assert_error(
        client.get(f"{ACCOUNTS}/999999", headers=bearer(agency_staff)), 404, "not_found"
    )
    for url in (
        f"{ACCOUNTS}/{mine.pk}",
        f"{ACCOUNTS}/{mine.pk}/statement",
        f"{ACCOUNTS}/{mine.pk}/statement.csv",
        f"{ACCOUNTS}/{fund.pk}/statement",
    ):
        assert (
            assert_error(client.get(url, headers=bearer(agency_staff)), 404, "not_found") == missing
        )
        assert_error(client.get(url, headers=bearer(outsider)), 404, "not_found")
        assert_error(client.get(url, headers=bearer(other_member)), 404, "not_found")
    theirs = accounts_services.member_account(other_community, other_member)
    assert_error(
        client.get(f"{ACCOUNTS}/{theirs.pk}", headers=bearer(coordinator)), 404, "not_found"
    )


def test_it_pages_through_a_statement_with_a_running_balance(
    client, community, member, agency_staff, coordinator
):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    for i in range(7):
        give(community, coordinator, theirs, mine, 10 + i, f"k{i}", memo=f"Help {i}")
    lines = walk_statement(client, f"{ACCOUNTS}/{mine.pk}/statement?limit=3", bearer(member))
    assert [line["memo"] for line in lines] == [f"Help {i}" for i in reversed(range(7))]
    running = 0
    for line in reversed(lines):
        running += line["amount_minutes"]
        assert line["balance_after_minutes"] == running
        assert line["counterparties"] == ["Asha Staff"]
        assert line["reason"] == "transfer" and line["actor"] == "Cora Coordinator"
        assert line["effective_at"] and line["created_at"]
    page = client.get(f"{ACCOUNTS}/{mine.pk}/statement", headers=bearer(member)).json()
    assert page["account"]["balance_minutes"] == running == page["account"]["received_minutes"]


def test_it_reads_a_statement_in_a_fixed_number_of_queries(
    client, community, member, agency_staff, coordinator
):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    headers = bearer(member)
    give(community, coordinator, theirs, mine, 5, "first")
    url = f"{ACCOUNTS}/{mine.pk}/statement"
    client.get(url, headers=headers)
    with CaptureQueriesContext(connection) as small:
        client.get(url, headers=headers)
    for i in range(8):
        give(community, coordinator, theirs, mine, 5, f"more-{i}")
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(url, headers=headers).json()["items"]) == 9
    assert len(large) == len(small)


def test_it_exports_a_statement_as_csv(client, community, member, agency_staff, coordinator):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    give(community, coordinator, theirs, mine, 90, "a", memo="Gardening")
    response = client.get(f"{ACCOUNTS}/{mine.pk}/statement.csv", headers=bearer(member))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["date", "recorded", "reason", "with", "minutes"]
    assert rows[1][3:5] == ["Asha Staff", "90"] and rows[1][6] == "Gardening"


def test_it_lists_accounts_for_coordinators(client, community, member, agency_staff, coordinator):
    mine = accounts_services.member_account(community, member)
    fund = accounts_services.fund_account(community)
    issuance = accounts_services.issuance_account(community)
    items = client.get(ACCOUNTS, headers=bearer(coordinator)).json()["items"]
    assert [(a["id"], a["kind"]) for a in items] == [
        (mine.pk, "member"),
        (fund.pk, "fund"),
        (issuance.pk, "issuance"),
    ]
    assert items[0]["member_code"] == member.memberships.get().member_code
    only_fund = client.get(f"{ACCOUNTS}?kind=fund", headers=bearer(coordinator)).json()["items"]
    assert [a["id"] for a in only_fund] == [fund.pk]
    assert_error(client.get(ACCOUNTS, headers=bearer(member)), 403, "coordinators_only")


def test_it_shows_held_minutes(client, community, member, agency_staff, coordinator):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    reservations_services.reservation_create(
        actor=coordinator,
        community=community,
        idempotency_key="hold",
        legs=[Leg(mine.pk, -20), Leg(theirs.pk, 20)],
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    assert client.get(f"{ACCOUNTS}/me", headers=bearer(member)).json()["held_minutes"] == 20


def test_it_shows_a_closed_account(client, community, member, coordinator):
    account = accounts_services.member_account(community, member)
    accounts_services.account_close(
        actor=coordinator, community=community, account=account, reason="Moved away"
    )
    assert client.get(f"{ACCOUNTS}/{account.pk}", headers=bearer(coordinator)).json()["closed_at"]
