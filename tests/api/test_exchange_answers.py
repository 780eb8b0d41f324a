"""Answering recorded hours (confirm, decline, dispute), and what coordinators do: settle
disputes, reverse, enter brokered exchanges and paper slips."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.models import IdempotencyRecord
from coproduce.exchanges.models import Exchange
from coproduce.exchanges.services import answers as answers_services
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors.audit import ledger_audit
from tests.conftest import make_person

from .conftest import assert_error, bearer, post
from .test_exchanges import body, code, record

EXCHANGES = "/api/v1/communities/riverside/exchanges"


def balance(community, person) -> int:
    account = accounts_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


def test_it_goes_from_recorded_to_reversed_as_a_new_user_would(
    client, community, member, agency_staff, coordinator, django_capture_on_commit_callbacks
):
    """The member records 1h30 of gardening for a neighbour, the neighbour confirms, both
    statements show it, the coordinator reverses it with a reason and both see why."""
    recorded = post(
        client, EXCHANGES, body(community, member, agency_staff, minutes=90), bearer(member)
    ).json()
    confirmed = post(client, f"{EXCHANGES}/{recorded['id']}/confirm", {}, bearer(agency_staff))
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["transfer_id"]
    assert (balance(community, member), balance(community, agency_staff)) == (90, -90)
    for person, amount in ((member, 90), (agency_staff, -90)):
        account = accounts_selectors.account_of(community, person)
        lines = client.get(
            f"/api/v1/communities/riverside/accounts/{account.pk}/statement",
            headers=bearer(person),
        ).json()["items"]
        assert [(line["amount_minutes"], line["memo"]) for line in lines] == [
            (amount, "Weeding the front garden")
        ]
    with django_capture_on_commit_callbacks(execute=True):
        reversed_ = post(
            client,
            f"{EXCHANGES}/{recorded['id']}/reverse",
            {"reason": "Recorded twice by mistake"},
            bearer(coordinator),
        )
    assert reversed_.status_code == 200, reversed_.content
    assert reversed_.json()["reversal"]["reason"] == "Recorded twice by mistake"
    assert reversed_.json()["actions"]["reverse"] is False
    assert (balance(community, member), balance(community, agency_staff)) == (0, 0)
    assert sorted(m.to[0] for m in mail.outbox if "reversed" in m.subject) == sorted(
        [member.email, agency_staff.email]
    )
    for person in (member, agency_staff):
        seen = client.get(f"{EXCHANGES}/{recorded['id']}", headers=bearer(person)).json()
        assert seen["reversal"]["reason"] == "Recorded twice by mistake"
        account_id = accounts_selectors.account_of(community, person).pk
        statement = client.get(
            f"/api/v1/communities/riverside/accounts/{account_id}/statement", headers=bearer(person)
        ).json()
        assert statement["items"][0]["reason"] == "reversal"
        assert statement["items"][0]["memo"] == "Recorded twice by mistake"
        assert statement["account"]["balance_minutes"] == 0
    assert ledger_audit().clean


def test_it_answers_a_replayed_confirm_with_the_original_response(
    client, community, member, agency_staff
):
    exchange = record(community, member, member, agency_staff)
    url = f"{EXCHANGES}/{exchange.pk}/confirm"
    first = post(client, url, {}, bearer(agency_staff), key="confirm-1")
    again = post(client, url, {}, bearer(agency_staff), key="confirm-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert Transfer.objects.count() == 1
    # Without the same key, confirming twice is refused and nothing moves.
    assert_error(post(client, url, {}, bearer(agency_staff)), 409, "already_confirmed")
    assert Transfer.objects.count() == 1
    assert balance(community, member) == 60


def test_it_confirms_without_a_body(client, community, member, agency_staff):
    exchange = record(community, member, member, agency_staff)
    response = client.generic(
        "POST",
        f"{EXCHANGES}/{exchange.pk}/confirm",
        b"",
        headers={**bearer(agency_staff), "Idempotency-Key": "no-body"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"


def test_it_refuses_a_replayed_key_for_another_exchange(
    client, community, member, agency_staff, hours
):
    first = record(community, member, member, agency_staff, key="a")
    second = record(community, member, member, agency_staff, key="b")
    post(client, f"{EXCHANGES}/{first.pk}/confirm", {}, bearer(agency_staff), key="same")
    before = hours()
    assert_error(
        post(client, f"{EXCHANGES}/{second.pk}/confirm", {}, bearer(agency_staff), key="same"),
        409,
        "idempotency_key_reused",
    )
    assert hours() == before


def test_it_keeps_a_failed_confirm_failed(client, community, member, agency_staff, hours):
    exchange = record(community, member, member, agency_staff)
    url = f"{EXCHANGES}/{exchange.pk}/confirm"
    before = hours()
    assert_error(post(client, url, {}, bearer(member), key="mine"), 403, "own_record")
    assert_error(post(client, url, {}, bearer(member), key="mine"), 403, "own_record")
    assert IdempotencyRecord.objects.filter(outcome="failed").count() == 1
    assert hours() == before


def test_it_lets_a_coordinator_confirm_for_a_member(
    client, community, member, agency_staff, coordinator
):
    exchange = record(community, member, member, agency_staff)
    url = f"{EXCHANGES}/{exchange.pk}/confirm"
    response = post(
        client, url, {"on_behalf_of": code(agency_staff, community)}, bearer(coordinator)
    )
    assert response.status_code == 200, response.content
    assert response.json()["decided_by"] == "Asha Staff"
    transfer = Exchange.objects.get().transfer
    assert (transfer.actor, transfer.on_behalf_of) == (coordinator, agency_staff)


def test_it_refuses_a_member_answering_for_someone_else(
    client, community, member, agency_staff, coordinator, hours
):
    exchange = record(community, coordinator, coordinator, agency_staff)
    before = hours()
    response = post(
        client,
        f"{EXCHANGES}/{exchange.pk}/confirm",
        {"on_behalf_of": code(agency_staff, community)},
        bearer(member),
    )
    assert_error(response, 404)  # member is not in the exchange, so it is not there for them
    exchange = record(community, member, member, agency_staff, key="mine")
    before = hours()
    response = post(
        client,
        f"{EXCHANGES}/{exchange.pk}/confirm",
        {"on_behalf_of": code(agency_staff, community)},
        bearer(member),
    )
    assert_error(response, 403, "coordinators_only")
    assert hours() == before


def test_it_declines_with_a_reason(client, community, member, agency_staff, hours):
    exchange = record(community, member, member, agency_staff)
    url = f"{EXCHANGES}/{exchange.pk}/decline"
    before = hours()
    assert_error(post(client, url, {"reason": ""}, bearer(agency_staff)), 422, "validation_failed")
    response = post(
        client, url, {"reason": "It was one hour, not two."}, bearer(agency_staff), key="no"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["decision_note"] == "It was one hour, not two."
    assert (
        post(
            client, url, {"reason": "It was one hour, not two."}, bearer(agency_staff), key="no"
        ).json()
        == response.json()
    )
    assert_error(
        post(client, f"{EXCHANGES}/{exchange.pk}/confirm", {}, bearer(agency_staff)),
        409,
        "already_declined",
    )
    after = hours()
    assert (
        after["ledger.Transfer"] == before["ledger.Transfer"]
        and after["balances"] == before["balances"]
    )


def test_it_settles_a_dispute(client, community, member, agency_staff, coordinator):
    """`settle` is for an exchange disputed before disputes were added (no dispute of its
    own); one disputed through the API now has a dispute and is settled through it."""
    through_api = record(community, member, member, agency_staff, key="api")
    disputed = post(
        client,
        f"{EXCHANGES}/{through_api.pk}/dispute",
        {"reason": "I was not there"},
        bearer(agency_staff),
    )
    assert disputed.json()["status"] == "disputed" and disputed.json()["dispute"] == "D-1"
    assert_error(
        post(
            client,
            f"{EXCHANGES}/{through_api.pk}/settle",
            {"confirm": True, "note": "Checked"},
            bearer(coordinator),
        ),
        409,
        "settle_through_dispute",
    )
    exchange = record(community, member, member, agency_staff)
    answers_services.exchange_dispute(actor=agency_staff, exchange=exchange, reason="Not there")
    assert_error(
        post(
            client,
            f"{EXCHANGES}/{exchange.pk}/settle",
            {"confirm": True, "note": "Checked"},
            bearer(member),
        ),
        403,
        "coordinators_only",
    )
    settled = post(
        client,
        f"{EXCHANGES}/{exchange.pk}/settle",
        {"confirm": True, "note": "Spoke to both"},
        bearer(coordinator),
        key="settle",
    )
    assert settled.status_code == 200, settled.content
    assert settled.json()["status"] == "confirmed"
    assert balance(community, member) == 60
    again = post(
        client,
        f"{EXCHANGES}/{exchange.pk}/settle",
        {"confirm": True, "note": "Spoke to both"},
        bearer(coordinator),
        key="settle",
    )
    assert again.json() == settled.json()
    assert_error(
        post(
            client,
            f"{EXCHANGES}/{exchange.pk}/settle",
            {"confirm": True, "note": "Spoke to both"},
            bearer(coordinator),
        ),
        409,
        "not_disputed",
    )
    assert Transfer.objects.count() == 1


def test_it_reverses_once(client, community, member, agency_staff, coordinator, hours):
    exchange = record(community, member, member, agency_staff)
    post(client, f"{EXCHANGES}/{exchange.pk}/confirm", {}, bearer(agency_staff))
    url = f"{EXCHANGES}/{exchange.pk}/reverse"
    assert_error(post(client, url, {"reason": "Mistake"}, bearer(member)), 403, "coordinators_only")
    first = post(client, url, {"reason": "Mistake"}, bearer(coordinator), key="rev")
    assert first.status_code == 200
    assert (
        post(client, url, {"reason": "Mistake"}, bearer(coordinator), key="rev").json()
        == first.json()
    )
    before = hours()
    assert_error(
        post(client, url, {"reason": "Mistake"}, bearer(coordinator)), 409, "already_reversed"
    )
    assert_error(
        post(client, url, {"reason": "Another reason"}, bearer(coordinator), key="rev"),
        409,
        "idempotency_key_reused",
    )
    assert hours() == before
    assert Transfer.objects.count() == 2
    assert ledger_audit().clean


def test_it_refuses_to_reverse_what_was_not_posted(
    client, community, member, agency_staff, coordinator, hours
):
    exchange = record(community, member, member, agency_staff)
    before = hours()
    assert_error(
        post(client, f"{EXCHANGES}/{exchange.pk}/reverse", {"reason": "x"}, bearer(coordinator)),
        409,
        "not_posted",
    )
    assert hours() == before


def test_it_enters_a_brokered_exchange_and_a_paper_slip_once(
    client, community, member, agency_staff, coordinator, hours
):
    url = f"{EXCHANGES}/entries"
    brokered = post(client, url, body(community, member, agency_staff), bearer(coordinator))
    assert brokered.status_code == 201, brokered.content
    assert (brokered.json()["status"], brokered.json()["method"]) == ("confirmed", "brokered")
    slip = post(
        client, url, body(community, agency_staff, member, slip_number="A-17"), bearer(coordinator)
    )
    assert slip.json()["method"] == "paper_slip" and slip.json()["slip_number"] == "A-17"
    assert (balance(community, member), balance(community, agency_staff)) == (0, 0)
    before = hours()
    again = post(
        client, url, body(community, agency_staff, member, slip_number="A-17"), bearer(coordinator)
    )
    assert_error(again, 409, "slip_already_entered")
    assert_error(
        post(client, url, body(community, member, agency_staff), bearer(member)),
        403,
        "coordinators_only",
    )
    assert hours() == before


def test_it_shows_coordinators_what_they_may_do(
    client, community, member, agency_staff, coordinator
):
    exchange = record(community, member, member, agency_staff)
    post(client, f"{EXCHANGES}/{exchange.pk}/dispute", {"reason": "Wrong day"}, bearer(member))
    seen = client.get(f"{EXCHANGES}/{exchange.pk}", headers=bearer(coordinator)).json()
    # Settled through its dispute (D-1), not by `settle`.
    assert seen["actions"] == {"answer": False, "dispute": False, "settle": False, "reverse": False}
    assert seen["dispute"] == "D-1"
    assert seen["decision_note"] == "Wrong day"
    assert seen["auto_confirm_at"] > timezone.now().isoformat()[:10]


@pytest.mark.django_db(transaction=True)
def test_it_runs_each_write_in_its_own_durable_transaction(
    client, community, member, agency_staff, coordinator
):
    """Outside the test case's wrapping transaction, as in production: the services open
    durable transactions, which cannot nest, so the API must not wrap them in another."""
    recorded = post(client, EXCHANGES, body(community, member, agency_staff), bearer(member)).json()
    for path, data, who in [
        ("confirm", {}, agency_staff),
        ("reverse", {"reason": "Mistake"}, coordinator),
    ]:
        response = post(client, f"{EXCHANGES}/{recorded['id']}/{path}", data, bearer(who), key=path)
        assert response.status_code == 200, response.content
        assert (
            post(client, f"{EXCHANGES}/{recorded['id']}/{path}", data, bearer(who), key=path).json()
            == response.json()
        )
    dispute = record(community, member, member, agency_staff, key="to-dispute")
    assert (
        post(
            client, f"{EXCHANGES}/{dispute.pk}/dispute", {"reason": "No"}, bearer(agency_staff)
        ).status_code
        == 200
    )
    # Settled through its dispute: a mediator assigned, the agreement recorded.
    mediator = make_person("mediator@riverside.example", "Meda Mediator")
    memberships_services.membership_add(
        actor=None, community=community, person=mediator, roles=[Role.MEDIATOR]
    )
    disputes = "/api/v1/communities/riverside/disputes/1"
    assigned = post(
        client, f"{disputes}/mediator", {"mediator": code(mediator, community)}, bearer(coordinator)
    )
    assert assigned.status_code == 200, assigned.content
    settled = post(
        client,
        f"{disputes}/agreement",
        {"outcome": "cancel", "text": "Talked: recorded by mistake"},
        bearer(mediator),
    )
    assert settled.status_code == 200, settled.content
    assert Exchange.objects.get(pk=dispute.pk).status == "declined"
    assert ledger_audit().clean
