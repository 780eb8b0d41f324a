"""Direct transfers, grants and issuance by coordinators, and reversals, through the API."""

from __future__ import annotations

from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services

from .conftest import assert_error, bearer, post

TRANSFERS = "/api/v1/communities/riverside/transfers"


def legs(*pairs) -> list[dict]:
    return [{"account_id": account.pk, "amount_minutes": amount} for account, amount in pairs]


def test_it_moves_hours_between_accounts(client, community, member, agency_staff, coordinator):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    response = post(
        client,
        TRANSFERS,
        {"legs": legs((theirs, -45), (mine, 45)), "memo": "Lift to the clinic"},
        bearer(coordinator),
    )
    assert response.status_code == 201, response.content
    transfer = response.json()
    assert transfer["reason"] == "transfer" and transfer["memo"] == "Lift to the clinic"
    assert transfer["actor"] == "Cora Coordinator" and transfer["reversed_by"] is None
    assert sorted((leg["account_id"], leg["amount_minutes"]) for leg in transfer["legs"]) == sorted(
        [(theirs.pk, -45), (mine.pk, 45)]
    )
    assert Account.objects.get(pk=mine.pk).balance_minutes == 45
    assert client.get(f"{TRANSFERS}/{transfer['id']}", headers=bearer(member)).json() == transfer


def test_it_issues_credits_in_several_legs(client, community, member, agency_staff, coordinator):
    issuance = accounts_services.issuance_account(community)
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    response = post(
        client,
        TRANSFERS,
        {
            "legs": legs((issuance, -120), (mine, 60), (theirs, 60)),
            "reason": "issuance",
            "memo": "Welcome hours",
        },
        bearer(coordinator),
    )
    assert response.status_code == 201, response.content
    assert Account.objects.get(pk=theirs.pk).balance_minutes == 60
    assert ledger_audit().clean


def test_it_answers_a_replay_with_the_original_transfer(
    client, community, member, agency_staff, coordinator, hours
):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    data = {"legs": legs((theirs, -30), (mine, 30)), "memo": "Shopping"}
    first = post(client, TRANSFERS, data, bearer(coordinator), key="t-1")
    before = hours()
    again = post(client, TRANSFERS, data, bearer(coordinator), key="t-1")
    assert (again.status_code, again.json()) == (201, first.json())
    assert_error(
        post(client, TRANSFERS, {**data, "memo": "Other"}, bearer(coordinator), key="t-1"),
        409,
        "idempotency_key_reused",
    )
    assert hours() == before


def test_it_is_for_coordinators_only(
    client, community, member, agency_staff, outsider, other_member, hours
):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    data = {"legs": legs((theirs, -30), (mine, 30)), "memo": "Please"}
    before = hours()
    assert_error(post(client, TRANSFERS, data, bearer(member)), 403, "coordinators_only")
    assert_error(post(client, TRANSFERS, data, bearer(agency_staff)), 403, "coordinators_only")
    assert_error(post(client, TRANSFERS, data, bearer(outsider)), 404, "not_found")
    assert_error(post(client, TRANSFERS, data, bearer(other_member)), 404, "not_found")
    assert hours() == before


def test_it_shows_a_transfer_to_coordinators_and_the_account_holders(
    client, community, member, agency_staff, coordinator, outsider
):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    transfer = transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="x",
        legs=[postings_services.Leg(theirs.pk, -5), postings_services.Leg(mine.pk, 5)],
    )
    url = f"{TRANSFERS}/{transfer.pk}"
    for person in (member, agency_staff, coordinator):
        assert client.get(url, headers=bearer(person)).status_code == 200
    neighbour_account = accounts_services.member_account(community, coordinator)
    other = transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="y",
        legs=[postings_services.Leg(neighbour_account.pk, -5), postings_services.Leg(theirs.pk, 5)],
    )
    assert_error(client.get(f"{TRANSFERS}/{other.pk}", headers=bearer(member)), 404, "not_found")
    assert_error(client.get(url, headers=bearer(outsider)), 404, "not_found")


def test_it_reverses_a_transfer_once(client, community, member, agency_staff, coordinator, hours):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    transfer = transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="x",
        legs=[postings_services.Leg(theirs.pk, -50), postings_services.Leg(mine.pk, 50)],
    )
    url = f"{TRANSFERS}/{transfer.pk}/reverse"
    assert_error(
        post(client, url, {"reason": "Wrong member"}, bearer(member)), 403, "coordinators_only"
    )
    first = post(client, url, {"reason": "Wrong member"}, bearer(coordinator), key="r")
    assert first.status_code == 201, first.content
    reversal = first.json()
    assert (reversal["reason"], reversal["memo"], reversal["reverses"]) == (
        "reversal",
        "Wrong member",
        transfer.pk,
    )
    assert Account.objects.get(pk=mine.pk).balance_minutes == 0
    before = hours()
    assert (
        post(client, url, {"reason": "Wrong member"}, bearer(coordinator), key="r").json()
        == reversal
    )
    assert_error(
        post(client, url, {"reason": "Wrong member"}, bearer(coordinator)), 409, "already_reversed"
    )
    assert_error(
        post(
            client, f"{TRANSFERS}/{reversal['id']}/reverse", {"reason": "Undo"}, bearer(coordinator)
        ),
        409,
        "not_reversible",
    )
    assert_error(
        post(client, f"{TRANSFERS}/999999/reverse", {"reason": "x"}, bearer(coordinator)),
        404,
        "not_found",
    )
    assert hours() == before
    assert (
        client.get(f"{TRANSFERS}/{transfer.pk}", headers=bearer(coordinator)).json()["reversed_by"]
        == reversal["id"]
    )
    assert Transfer.objects.count() == 2


def test_it_refuses_a_reversal_that_would_breach_a_limit(
    client, community, member, agency_staff, coordinator, hours
):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    transfer = transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="x",
        legs=[postings_services.Leg(theirs.pk, -300), postings_services.Leg(mine.pk, 300)],
    )
    transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="y",
        legs=[postings_services.Leg(mine.pk, -800), postings_services.Leg(theirs.pk, 800)],
    )
    before = hours()
    response = post(
        client, f"{TRANSFERS}/{transfer.pk}/reverse", {"reason": "x"}, bearer(coordinator)
    )
    assert_error(response, 409, "limit_exceeded")
    assert hours() == before


def test_it_takes_the_longest_key_allowed(client, community, member, agency_staff, coordinator):
    mine, theirs = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    data = {"legs": legs((theirs, -1), (mine, 1)), "memo": "Long key"}
    assert post(client, TRANSFERS, data, bearer(coordinator), key="k" * 80).status_code == 201
    assert_error(
        post(client, TRANSFERS, data, bearer(coordinator), key="k" * 81), 422, "validation_failed"
    )
    response = post(
        client,
        f"{TRANSFERS}/{Transfer.objects.get().pk}/reverse",
        {"reason": "x"},
        bearer(coordinator),
        key="r" * 80,
    )
    assert response.status_code == 201
