"""Every write that moves hours gives its original answer to a retry with the same
Idempotency-Key, whenever the server was killed: here just after the write committed, before the
answer was sent (the service is made to return and then the request to die). The key's record is
written in the write's own transaction, so the retry finds it, answers as the first attempt would
have, and moves nothing again."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import contextmanager
from pydoc import locate
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.coproduction.models import Session, SignUp, SignUpStatus
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import fund as fund_services
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services
from tests.coproduction import conftest as coproduction

from .conftest import bearer, hours_state

BASE = "/api/v1/communities/riverside"

# The co-production fixtures: a role and a session (the agency and its admin: tests/conftest.py).
role = coproduction.role
session = coproduction.session


class ServerKilled(Exception):
    """The process dies: nothing after this point runs."""


@contextmanager
def killed_after(target: str):
    """The service `target` does its work and commits; the request dies before it answers."""
    real = locate(target)
    assert callable(real), target

    def work_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise ServerKilled

    with mock.patch(target, work_then_die):
        yield


@pytest.fixture
def api():
    return Client(raise_request_exception=False)


def number(person, community) -> int:
    return person.memberships.get(community=community).number


def credit(community, person, minutes: int) -> None:
    transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key=f"seed-{uuid.uuid4()}",
        legs=[
            postings_services.Leg(accounts_services.issuance_account(community).pk, -minutes),
            postings_services.Leg(accounts_services.member_account(community, person).pk, minutes),
        ],
    )


def recorded(community, provider, recipient):
    return exchanges_services.exchange_record(
        actor=provider,
        community=community,
        idempotency_key=f"r-{uuid.uuid4()}",
        providers=[provider],
        recipients=[recipient],
        minutes=60,
        effective_on=timezone.localdate(),
        title="Weeding",
    )


def send(api, method, url, body, headers, key):
    return api.generic(
        method,
        url,
        data=_json(body),
        content_type="application/json",
        headers={**headers, "Idempotency-Key": key},
    )


def _json(body) -> str:
    return json.dumps(body) if body is not None else ""


def crash_then_replay(api, target, method, url, body, headers, expected_status: int):
    """The first attempt dies after its write; two retries with the same key answer alike."""
    key = str(uuid.uuid4())
    with killed_after(target):
        first = send(api, method, url, body, headers, key)
    assert first.status_code == 500, first.content[:300]  # the server died before it answered
    moved = hours_state()
    replay = send(api, method, url, body, headers, key)
    assert replay.status_code == expected_status, replay.content[:500]
    again = send(api, method, url, body, headers, key)
    assert (again.status_code, again.json()) == (replay.status_code, replay.json())
    assert hours_state() == moved  # nothing moved again
    assert ledger_audit().clean
    return replay.json()


def test_it_replays_recording_hours(api, community, member, coordinator):
    body = {
        "providers": [number(member, community)],
        "recipients": [number(coordinator, community)],
        "minutes": 60,
        "effective_on": timezone.localdate().isoformat(),
        "title": "Weeding",
    }
    headers = bearer(member)
    answer = crash_then_replay(
        api,
        "coproduce.exchanges.services.exchanges.exchange_record",
        "POST",
        f"{BASE}/exchanges",
        body,
        headers,
        201,
    )
    assert answer == api.get(f"{BASE}/exchanges/{answer['id']}", headers=headers).json()


def test_it_replays_entering_an_exchange(api, community, member, agency_staff, coordinator):
    body = {
        "providers": [number(member, community)],
        "recipients": [number(agency_staff, community)],
        "minutes": 30,
        "effective_on": timezone.localdate().isoformat(),
        "title": "Lift",
        "slip_number": "S-1",
    }
    headers = bearer(coordinator)
    answer = crash_then_replay(
        api,
        "coproduce.exchanges.services.exchanges.exchange_enter",
        "POST",
        f"{BASE}/exchanges/entries",
        body,
        headers,
        201,
    )
    assert answer["status"] == "confirmed"
    assert answer == api.get(f"{BASE}/exchanges/{answer['id']}", headers=headers).json()


def test_it_replays_a_confirmation(api, community, member, coordinator):
    exchange = recorded(community, member, coordinator)
    headers = bearer(coordinator)
    answer = crash_then_replay(
        api,
        "coproduce.exchanges.services.answers.exchange_confirm",
        "POST",
        f"{BASE}/exchanges/{exchange.pk}/confirm",
        None,
        headers,
        200,
    )
    assert answer["status"] == "confirmed"
    assert answer == api.get(f"{BASE}/exchanges/{exchange.pk}", headers=headers).json()


def test_it_replays_settling_a_dispute(api, community, member, agency_staff, coordinator):
    exchange = recorded(community, member, agency_staff)
    answers_services.exchange_dispute(actor=agency_staff, exchange=exchange, reason="Wrong day")
    headers = bearer(coordinator)
    answer = crash_then_replay(
        api,
        "coproduce.exchanges.services.answers.exchange_resolve",
        "POST",
        f"{BASE}/exchanges/{exchange.pk}/settle",
        {"confirm": True, "note": "Agreed"},
        headers,
        200,
    )
    assert answer["status"] == "confirmed"
    assert answer == api.get(f"{BASE}/exchanges/{exchange.pk}", headers=headers).json()


def test_it_replays_reversing_an_exchange(api, community, member, coordinator):
    exchange = recorded(community, member, coordinator)
    answers_services.exchange_confirm(actor=coordinator, exchange=exchange)
    headers = bearer(coordinator)
    answer = crash_then_replay(
        api,
        "coproduce.exchanges.services.answers.exchange_reverse",
        "POST",
        f"{BASE}/exchanges/{exchange.pk}/reverse",
        {"reason": "Entered twice"},
        headers,
        200,
    )
    assert answer["reversal"]["reason"] == "Entered twice"
    assert answer == api.get(f"{BASE}/exchanges/{exchange.pk}", headers=headers).json()


def test_it_replays_a_transfer(api, community, member, coordinator):
    legs = [
        {"account_id": accounts_services.issuance_account(community).pk, "amount_minutes": -90},
        {
            "account_id": accounts_services.member_account(community, member).pk,
            "amount_minutes": 90,
        },
    ]
    headers = bearer(coordinator)
    answer = crash_then_replay(
        api,
        "coproduce.ledger.services.transfers.transfer_create",
        "POST",
        f"{BASE}/transfers",
        {"legs": legs, "reason": "issuance", "memo": "Welcome hours"},
        headers,
        201,
    )
    assert answer == api.get(f"{BASE}/transfers/{answer['id']}", headers=headers).json()


def test_it_replays_reversing_a_transfer(api, community, member, coordinator):
    credit(community, member, 90)
    original = transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="gift",
        legs=[
            postings_services.Leg(accounts_services.member_account(community, member).pk, -30),
            postings_services.Leg(accounts_services.fund_account(community).pk, 30),
        ],
    )
    headers = bearer(coordinator)
    answer = crash_then_replay(
        api,
        "coproduce.ledger.services.reversals.transfer_reverse",
        "POST",
        f"{BASE}/transfers/{original.pk}/reverse",
        {"reason": "Sent by mistake"},
        headers,
        201,
    )
    assert answer["reverses"] == original.pk
    assert answer == api.get(f"{BASE}/transfers/{answer['id']}", headers=headers).json()


def test_it_replays_a_donation_to_the_fund(api, community, member):
    credit(community, member, 120)
    headers = bearer(member)
    answer = crash_then_replay(
        api,
        "coproduce.exchanges.services.fund.fund_donate",
        "POST",
        f"{BASE}/fund/donations",
        {"minutes": 60, "note": "For winter"},
        headers,
        201,
    )
    assert answer == api.get(f"{BASE}/transfers/{answer['id']}", headers=headers).json()


def test_it_replays_a_grant_from_the_fund(api, community, member, coordinator):
    credit(community, coordinator, 120)
    fund_services.fund_donate(
        actor=coordinator,
        community=community,
        person=coordinator,
        minutes=120,
        idempotency_key="fill-the-fund",
    )
    headers = bearer(coordinator)
    answer = crash_then_replay(
        api,
        "coproduce.exchanges.services.fund.fund_grant",
        "POST",
        f"{BASE}/fund/grants",
        {"member": number(member, community), "minutes": 45, "reason": "Hard month"},
        headers,
        201,
    )
    assert answer == api.get(f"{BASE}/transfers/{answer['id']}", headers=headers).json()


def test_it_replays_confirming_a_register(api, community, session, agency, agency_admin, member):
    start = timezone.now() - dt.timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key="fund-agency",
        legs=[
            postings_services.Leg(accounts_services.issuance_account(community).pk, -600),
            postings_services.Leg(agency.account_id, 600),
        ],
    )
    SignUp.objects.create(session=session, person=member, status=SignUpStatus.BOOKED)
    headers = bearer(agency_admin)
    url = f"{BASE}/sessions/{session.pk}/attendance"
    lines = [{"member": number(member, community), "attended": True, "minutes": 120}]
    saved = api.put(
        url, data=_json({"lines": lines}), content_type="application/json", headers=headers
    )
    assert saved.status_code == 200, saved.content
    answer = crash_then_replay(
        api,
        "coproduce.coproduction.services.register.register_confirm",
        "POST",
        f"{url}/confirm",
        None,
        headers,
        200,
    )
    assert answer["transfer_id"] is not None
    assert answer == api.get(url, headers=headers).json()


def test_it_replays_a_redemption(api, community, coordinator, member):
    from ninja.responses import NinjaJSONEncoder

    from coproduce.api.routes.partners import _redemption_out
    from coproduce.coproduction.models import Redemption
    from coproduce.coproduction.services import partners

    partner = partners.partner_create(actor=coordinator, community=community, name="Riverside Pool")
    offer = partners.offer_create(actor=coordinator, partner=partner, title="One swim", minutes=30)
    credit(community, member, 120)
    body = {
        "offer_id": offer.pk,
        "member": member.memberships.get(community=community).member_code,
        "adults": 1,
        "children": 0,
    }
    answer = crash_then_replay(
        api,
        "coproduce.coproduction.services.partners.redemption_create",
        "POST",
        f"{BASE}/partners/{partner.pk}/redemptions",
        body,
        bearer(coordinator),
        201,
    )
    assert answer == json.loads(
        json.dumps(_redemption_out(Redemption.objects.get()), cls=NinjaJSONEncoder)
    )
