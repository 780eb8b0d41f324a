"""Bad input to every API write that moves hours: each gets the one error format with a 4xx and a
clear message, and nothing moves (no transfer, posting or exchange is written, no balance and no
exchange's status changes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg
from tests.conftest import make_person

from .conftest import assert_error, bearer, key_header, post

BASE = "/api/v1/communities/riverside"


@dataclass
class Scene:
    member: dict  # bearer headers
    staff: dict
    coordinator: dict
    codes: dict  # name -> member code
    waiting: int  # an exchange the member recorded for agency staff, waiting for staff
    reversed: int  # a confirmed exchange, already reversed
    declined: int
    to_closed: int  # waiting for a member whose account is closed
    accounts: dict  # name -> account id
    transfer: int  # a posted direct transfer


@pytest.fixture
def scene(community, other_community, member, agency_staff, coordinator, other_member):
    today = timezone.localdate()
    issuance = accounts_services.issuance_account(community)
    mine, staff = (
        accounts_services.member_account(community, member),
        accounts_services.member_account(community, agency_staff),
    )
    transfer = transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="seed",
        legs=[Leg(issuance.pk, -240), Leg(mine.pk, 120), Leg(staff.pk, 120)],
    )
    transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="fund",
        legs=[Leg(issuance.pk, -60), Leg(accounts_services.fund_account(community).pk, 60)],
    )

    def record(provider, recipient, key):
        return exchanges_services.exchange_record(
            actor=provider,
            community=community,
            idempotency_key=key,
            providers=[provider],
            recipients=[recipient],
            minutes=30,
            effective_on=today,
            category="Gardening",
        )

    waiting = record(member, agency_staff, "waiting")
    done = record(member, agency_staff, "done")
    answers_services.exchange_confirm(actor=agency_staff, exchange=done)
    answers_services.exchange_reverse(actor=coordinator, exchange=done, reason="Mistake")
    declined = record(member, agency_staff, "declined")
    answers_services.exchange_decline(actor=agency_staff, exchange=declined, reason="No")
    leaver = make_person("leaver@riverside.example", "Lee Leaver")
    memberships_services.membership_add(actor=None, community=community, person=leaver)
    to_closed = record(member, leaver, "to-closed")
    closed = accounts_services.member_account(community, leaver)
    accounts_services.account_close(
        actor=coordinator, community=community, account=closed, reason="Leaving"
    )
    theirs = accounts_services.member_account(other_community, other_member)
    return Scene(
        member=bearer(member),
        staff=bearer(agency_staff),
        coordinator=bearer(coordinator),
        codes={
            p: person.memberships.get(community=community).member_code
            for p, person in (
                ("member", member),
                ("staff", agency_staff),
                ("coordinator", coordinator),
            )
        }
        | {
            "other": other_member.memberships.get().member_code,
            "leaver": leaver.memberships.get().member_code,
        },
        waiting=waiting.pk,
        reversed=done.pk,
        declined=declined.pk,
        to_closed=to_closed.pk,
        accounts={
            "member": mine.pk,
            "staff": staff.pk,
            "closed": closed.pk,
            "other": theirs.pk,
            "issuance": issuance.pk,
        },
        transfer=transfer.pk,
    )


def exchange(s: Scene, **values) -> dict:
    data = {
        "providers": [s.codes["member"]],
        "recipients": [s.codes["staff"]],
        "minutes": 60,
        "effective_on": timezone.localdate().isoformat(),
        "category": "Gardening",
    }
    return data | values


def transfer(s: Scene, *pairs, **values) -> dict:
    pairs = pairs or (("staff", -30), ("member", 30))
    legs = [{"account_id": s.accounts[name], "amount_minutes": amount} for name, amount in pairs]
    return {"legs": legs, "memo": "Adjustment"} | values


TOMORROW = (dt.date.today() + dt.timedelta(days=2)).isoformat()

# (who, path, body, status, code, field): each a refused write.
CASES = {
    "zero minutes": (
        "member",
        "/exchanges",
        lambda s: exchange(s, minutes=0),
        422,
        "validation_failed",
        "minutes",
    ),
    "negative minutes": (
        "member",
        "/exchanges",
        lambda s: exchange(s, minutes=-30),
        422,
        "validation_failed",
        "minutes",
    ),
    "more than the community's maximum": (
        "member",
        "/exchanges",
        lambda s: exchange(s, minutes=8 * 60 + 1),
        422,
        "validation_failed",
        "minutes",
    ),
    "minutes 1.5": (
        "member",
        "/exchanges",
        lambda s: exchange(s, minutes=1.5),
        422,
        "validation_failed",
        "minutes",
    ),
    "minutes as text": (
        "member",
        "/exchanges",
        lambda s: exchange(s, minutes="60"),
        422,
        "validation_failed",
        "minutes",
    ),
    "minutes true": (
        "member",
        "/exchanges",
        lambda s: exchange(s, minutes=True),
        422,
        "validation_failed",
        "minutes",
    ),
    "minutes 60.0": (
        "member",
        "/exchanges",
        lambda s: exchange(s, minutes=60.0),
        422,
        "validation_failed",
        "minutes",
    ),
    "minutes missing": (
        "member",
        "/exchanges",
        lambda s: {k: v for k, v in exchange(s).items() if k != "minutes"},
        422,
        "validation_failed",
        "minutes",
    ),
    "a date in the future": (
        "member",
        "/exchanges",
        lambda s: exchange(s, effective_on=TOMORROW),
        422,
        "validation_failed",
        "effective_on",
    ),
    "not a date": (
        "member",
        "/exchanges",
        lambda s: exchange(s, effective_on="yesterday"),
        422,
        "validation_failed",
        "effective_on",
    ),
    "an exchange with oneself": (
        "member",
        "/exchanges",
        lambda s: exchange(s, recipients=[s.codes["member"]]),
        422,
        "self_exchange",
        "recipients",
    ),
    "a member of another community": (
        "member",
        "/exchanges",
        lambda s: exchange(s, recipients=[s.codes["other"]]),
        422,
        "unknown_member",
        "recipients",
    ),
    "an unknown member number": (
        "member",
        "/exchanges",
        lambda s: exchange(s, recipients=[9999]),
        422,
        "unknown_member",
        "recipients",
    ),
    "nobody received": (
        "member",
        "/exchanges",
        lambda s: exchange(s, recipients=[]),
        422,
        "validation_failed",
        "recipients",
    ),
    "a bad expense": (
        "member",
        "/exchanges",
        lambda s: exchange(s, expenses=[{"amount": "lots", "currency": "GBP", "note": "Seeds"}]),
        422,
        "validation_failed",
        "expenses.0.amount",
    ),
    "an expense in hours": (
        "member",
        "/exchanges",
        lambda s: exchange(s, expenses=[{"amount": 4.5, "currency": "GBP", "note": "Seeds"}]),
        422,
        "validation_failed",
        "expenses.0.amount",
    ),
    "an entry with oneself": (
        "coordinator",
        "/exchanges/entries",
        lambda s: exchange(s, recipients=[s.codes["member"]]),
        422,
        "self_exchange",
        None,
    ),
    "an entry by a member": (
        "member",
        "/exchanges/entries",
        lambda s: exchange(s),
        403,
        "coordinators_only",
        None,
    ),
    "confirming one's own record": (
        "member",
        "/exchanges/{waiting}/confirm",
        lambda s: {},
        403,
        "own_record",
        None,
    ),
    "confirming twice": (
        "staff",
        "/exchanges/{reversed}/confirm",
        lambda s: {},
        409,
        "already_confirmed",
        None,
    ),
    "confirming a declined exchange": (
        "staff",
        "/exchanges/{declined}/confirm",
        lambda s: {},
        409,
        "already_declined",
        None,
    ),
    "confirming into a closed account": (
        "coordinator",
        "/exchanges/{to_closed}/confirm",
        lambda s: {"on_behalf_of": s.codes["leaver"]},
        409,
        "account_closed",
        None,
    ),
    "declining without a reason": (
        "staff",
        "/exchanges/{waiting}/decline",
        lambda s: {"reason": ""},
        422,
        "validation_failed",
        "reason",
    ),
    "reversing twice": (
        "coordinator",
        "/exchanges/{reversed}/reverse",
        lambda s: {"reason": "Again"},
        409,
        "already_reversed",
        None,
    ),
    "settling what is not disputed": (
        "coordinator",
        "/exchanges/{waiting}/settle",
        lambda s: {"confirm": True, "note": "Fine"},
        409,
        "not_disputed",
        None,
    ),
    "settling with confirm as text": (
        "coordinator",
        "/exchanges/{waiting}/settle",
        lambda s: {"confirm": "yes", "note": "Fine"},
        422,
        "validation_failed",
        "confirm",
    ),
    "a transfer of zero": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", 0), ("member", 0)),
        422,
        "validation_failed",
        "legs",
    ),
    "a transfer that does not add up": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", -30), ("member", 20)),
        422,
        "validation_failed",
        "legs",
    ),
    "a transfer with one leg": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", -30)),
        422,
        "validation_failed",
        "legs",
    ),
    "a transfer to oneself": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", -30), ("staff", 30)),
        422,
        "validation_failed",
        "legs",
    ),
    "a transfer of 1.5 minutes": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", -1.5), ("member", 1.5)),
        422,
        "validation_failed",
        "legs.0.amount_minutes",
    ),
    "a transfer of '60' minutes": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", "-60"), ("member", "60")),
        422,
        "validation_failed",
        "legs.0.amount_minutes",
    ),
    "a transfer of true minutes": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", True), ("member", -1)),
        422,
        "validation_failed",
        "legs.0.amount_minutes",
    ),
    "an account of another community": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", -30), ("other", 30)),
        404,
        "account_not_found",
        None,
    ),
    "a closed account": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", -30), ("closed", 30)),
        409,
        "account_closed",
        None,
    ),
    "more than the balance allows": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, ("staff", -(120 + 601)), ("member", 120 + 601)),
        409,
        "limit_exceeded",
        "amount_minutes",
    ),
    "a reason that is not for transfers": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, reason="exchange"),
        422,
        "validation_failed",
        "reason",
    ),
    "a transfer without a memo": (
        "coordinator",
        "/transfers",
        lambda s: transfer(s, memo=""),
        422,
        "validation_failed",
        "memo",
    ),
    "a transfer by a member": (
        "member",
        "/transfers",
        lambda s: transfer(s),
        403,
        "coordinators_only",
        None,
    ),
    "reversing a transfer twice": (
        "coordinator",
        "/transfers/{transfer}/reverse",
        lambda s: {"reason": "Again"},
        201,
        None,
        None,
    ),
    "a donation of zero": (
        "member",
        "/fund/donations",
        lambda s: {"minutes": 0},
        422,
        "validation_failed",
        "minutes",
    ),
    "a donation of '60'": (
        "member",
        "/fund/donations",
        lambda s: {"minutes": "60"},
        422,
        "validation_failed",
        "minutes",
    ),
    "a donation beyond the floor": (
        "member",
        "/fund/donations",
        lambda s: {"minutes": 120 + 601},
        409,
        "limit_exceeded",
        None,
    ),
    "a grant to another community's member": (
        "coordinator",
        "/fund/grants",
        lambda s: {"member": s.codes["other"], "minutes": 10, "reason": "Need"},
        422,
        "unknown_member",
        "member",
    ),
    "a grant of 1.5 minutes": (
        "coordinator",
        "/fund/grants",
        lambda s: {"member": s.codes["member"], "minutes": 1.5, "reason": "Need"},
        422,
        "validation_failed",
        "minutes",
    ),
    "a grant beyond the fund": (
        "coordinator",
        "/fund/grants",
        lambda s: {"member": s.codes["member"], "minutes": 61, "reason": "Need"},
        409,
        "limit_exceeded",
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_it_refuses_bad_input_and_moves_nothing(client, scene, hours, case):
    who, path, make, status, code, field = CASES[case]
    url = BASE + path.format(
        waiting=scene.waiting,
        reversed=scene.reversed,
        declined=scene.declined,
        to_closed=scene.to_closed,
        transfer=scene.transfer,
    )
    headers = getattr(scene, who)
    if status == 201:  # the first reversal works; the second is the bad input
        assert post(client, url, make(scene), headers).status_code == 201
        status, code = 409, "already_reversed"
    before = hours()
    error = assert_error(post(client, url, make(scene), headers), status, code)
    if field is not None:
        assert field in error["fields"], error
    assert hours() == before


@pytest.mark.parametrize(
    "path",
    [
        "/exchanges",
        "/exchanges/entries",
        "/exchanges/{waiting}/confirm",
        "/exchanges/{waiting}/decline",
        "/exchanges/{waiting}/dispute",
        "/exchanges/{waiting}/settle",
        "/exchanges/{reversed}/reverse",
        "/transfers",
        "/transfers/{transfer}/reverse",
        "/fund/donations",
        "/fund/grants",
    ],
)
def test_it_needs_an_idempotency_key_for_every_write(client, scene, hours, path):
    url = BASE + path.format(
        waiting=scene.waiting, reversed=scene.reversed, transfer=scene.transfer
    )
    before = hours()
    response = client.post(
        url, data={"reason": "x"}, content_type="application/json", headers=scene.coordinator
    )
    if response.json()["error"]["code"] != "idempotency_key_required":
        # Other problems with the body are reported together with the missing key.
        assert "Idempotency-Key" in assert_error(response, 422, "validation_failed")["fields"]
    else:
        assert_error(response, 422, "idempotency_key_required")
    assert hours() == before


@pytest.mark.parametrize("body", ['{"minutes": 60,', "[1, 2", '{"minutes": NaN}', b"\xff\xfe"])
@pytest.mark.parametrize(
    "path", ["/exchanges", "/exchanges/{waiting}/confirm", "/transfers", "/fund/donations"]
)
def test_it_refuses_malformed_json(client, scene, hours, body, path):
    url = BASE + path.format(waiting=scene.waiting)
    before = hours()
    response = client.post(
        url, data=body, content_type="application/json", headers=key_header(scene.coordinator)
    )
    assert_error(response, 400, "malformed_json")
    assert hours() == before


@pytest.mark.parametrize("path", ["/exchanges", "/transfers", "/fund/donations"])
def test_it_refuses_a_replayed_key_with_a_different_body(client, scene, hours, path):
    bodies = {
        "/exchanges": (exchange(scene), exchange(scene, minutes=45)),
        "/transfers": (transfer(scene), transfer(scene, memo="Other")),
        "/fund/donations": ({"minutes": 5}, {"minutes": 6}),
    }[path]
    headers = scene.member if path != "/transfers" else scene.coordinator
    assert post(client, BASE + path, bodies[0], headers, key="once").status_code == 201
    before = hours()
    assert_error(
        post(client, BASE + path, bodies[1], headers, key="once"), 409, "idempotency_key_reused"
    )
    assert hours() == before


def test_it_refuses_other_content_types(client, scene, hours):
    before = hours()
    response = client.post(
        BASE + "/exchanges",
        data="minutes=60",
        content_type="application/x-www-form-urlencoded",
        headers=key_header(scene.member),
    )
    assert_error(response, 415, "unsupported_media_type")
    assert hours() == before
