from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.ledger.errors import LimitExceeded
from coproduce.ledger.models import Account, Posting, Transfer
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import reversals as reversals_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg


def balances(*accounts):
    return [Account.objects.get(pk=a.pk).balance_minutes for a in accounts]


def test_it_moves_minutes_and_keeps_the_books_balanced(community, coordinator, accounts, give):
    transfer = give(
        community, coordinator, accounts["member"], accounts["staff"], 90, memo="Gardening"
    )
    assert balances(accounts["member"], accounts["staff"]) == [-90, 90]
    assert sorted(transfer.postings.values_list("amount_minutes", flat=True)) == [-90, 90]
    assert transfer.actor == coordinator and transfer.sequence == 1
    assert ledger_audit().clean


def test_it_refuses_to_go_below_the_credit_floor(community, coordinator, accounts, give):
    give(
        community, coordinator, accounts["member"], accounts["staff"], 600
    )  # the default floor is -10h
    with pytest.raises(LimitExceeded) as exc:
        give(community, coordinator, accounts["member"], accounts["staff"], 1)
    assert "does not have enough time credit" in exc.value.message
    assert balances(accounts["member"]) == [-600]
    assert Transfer.objects.count() == 1


def test_it_follows_a_change_in_the_rulebook(community, coordinator, accounts, give):
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"credit_ceiling_minutes": 120},
        reason="Keep credits moving",
    )
    give(community, coordinator, accounts["member"], accounts["staff"], 120)
    with pytest.raises(LimitExceeded):
        give(community, coordinator, accounts["coordinator"], accounts["staff"], 1)


def test_it_keeps_the_fund_from_going_negative_but_not_issuance(
    community, coordinator, accounts, give
):
    with pytest.raises(LimitExceeded):
        give(community, coordinator, accounts["fund"], accounts["member"], 60)
    give(community, coordinator, accounts["issuance"], accounts["fund"], 6000)
    give(community, coordinator, accounts["fund"], accounts["member"], 60)
    assert balances(accounts["issuance"], accounts["fund"], accounts["member"]) == [-6000, 5940, 60]


@pytest.mark.parametrize(
    "legs",
    [
        [(0, -0), (1, 0)],
        [(0, -60), (1, 30)],
        [(0, -60)],
        [(0, -60), (0, 60)],
        [(0, -1.5), (1, 1.5)],
        [(0, True), (1, -1)],
    ],
)
def test_it_refuses_malformed_legs(community, coordinator, accounts, legs):
    ids = [accounts["member"].pk, accounts["staff"].pk]
    with pytest.raises(ValidationFailed):
        transfers_services.transfer_create(
            actor=coordinator,
            community=community,
            idempotency_key="bad",
            legs=[Leg(ids[i], m) for i, m in legs],
        )
    assert not Transfer.objects.exists()


def test_it_refuses_an_account_of_another_community(
    community, other_community, coordinator, other_member, accounts
):
    theirs = accounts_services.member_account(other_community, other_member)
    with pytest.raises(NotFound):
        transfers_services.transfer_create(
            actor=coordinator,
            community=community,
            idempotency_key="x",
            legs=[Leg(accounts["member"].pk, -60), Leg(theirs.pk, 60)],
        )
    assert not Posting.objects.exists()


def test_it_refuses_a_date_in_the_future(community, coordinator, accounts, give):
    with pytest.raises(ValidationFailed):
        give(
            community,
            coordinator,
            accounts["member"],
            accounts["staff"],
            60,
            effective_at=timezone.now() + dt.timedelta(days=1),
        )


def test_it_closes_an_account_into_the_fund_and_then_refuses_it(
    community, coordinator, accounts, give
):
    give(community, coordinator, accounts["member"], accounts["staff"], 60)
    accounts_services.account_close(
        actor=coordinator, community=community, account=accounts["staff"], reason="Left"
    )
    assert balances(accounts["staff"], accounts["fund"]) == [0, 60]
    with pytest.raises(Conflict) as exc:
        give(community, coordinator, accounts["member"], accounts["staff"], 30)
    assert exc.value.code == "account_closed"
    # A debt is written off against issuance, never left on the fund.
    accounts_services.account_close(
        actor=coordinator, community=community, account=accounts["member"], reason="Left"
    )
    assert balances(accounts["member"], accounts["issuance"]) == [0, -60]
    assert ledger_audit().clean


def test_it_reverses_once_with_a_reason(community, coordinator, accounts, give):
    original = give(community, coordinator, accounts["member"], accounts["staff"], 45)
    with pytest.raises(ValidationFailed):
        reversals_services.transfer_reverse(
            actor=coordinator, community=community, transfer_id=original.pk, reason=""
        )
    reversal = reversals_services.transfer_reverse(
        actor=coordinator,
        community=community,
        transfer_id=original.pk,
        reason="Recorded twice by mistake",
    )
    assert reversal.reverses == original and reversal.memo == "Recorded twice by mistake"
    assert balances(accounts["member"], accounts["staff"]) == [0, 0]
    with pytest.raises(Conflict) as exc:
        reversals_services.transfer_reverse(
            actor=coordinator, community=community, transfer_id=original.pk, reason="again"
        )
    assert exc.value.code == "already_reversed"
    with pytest.raises(Conflict):
        reversals_services.transfer_reverse(
            actor=coordinator, community=community, transfer_id=reversal.pk, reason="undo"
        )
    assert ledger_audit().clean


def test_it_refuses_a_reversal_that_would_breach_a_limit(community, coordinator, accounts, give):
    original = give(community, coordinator, accounts["member"], accounts["staff"], 600)
    give(community, coordinator, accounts["staff"], accounts["coordinator"], 600)
    give(community, coordinator, accounts["staff"], accounts["coordinator"], 600)
    with pytest.raises(LimitExceeded):
        reversals_services.transfer_reverse(
            actor=coordinator, community=community, transfer_id=original.pk, reason="oops"
        )
    assert not Transfer.objects.filter(reverses=original).exists()


def test_it_posts_a_multi_leg_transfer_all_or_nothing(community, coordinator, accounts):
    give_all = [
        Leg(accounts["coordinator"].pk, -120),
        Leg(accounts["member"].pk, 60),
        Leg(accounts["staff"].pk, 60),
    ]
    transfers_services.transfer_create(
        actor=coordinator, community=community, idempotency_key="class", legs=give_all
    )
    assert balances(accounts["coordinator"], accounts["member"], accounts["staff"]) == [
        -120,
        60,
        60,
    ]
    # One leg over the limit: nothing moves.
    too_much = [
        Leg(accounts["member"].pk, -700),
        Leg(accounts["staff"].pk, 350),
        Leg(accounts["coordinator"].pk, 350),
    ]
    with pytest.raises(LimitExceeded):
        transfers_services.transfer_create(
            actor=coordinator, community=community, idempotency_key="too-much", legs=too_much
        )
    assert balances(accounts["coordinator"], accounts["member"], accounts["staff"]) == [
        -120,
        60,
        60,
    ]


def test_it_hashes_times_given_in_any_zone_the_same_way_it_reads_them_back(
    community, coordinator, accounts, give
):
    import zoneinfo

    summer = dt.datetime(2026, 7, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))  # +01:00
    give(community, coordinator, accounts["member"], accounts["staff"], 30, effective_at=summer)
    assert ledger_audit().clean


def test_it_refuses_a_derived_key_posted_before_as_a_conflict(community, coordinator, accounts):
    from django.db import transaction

    def post():
        with transaction.atomic():
            return transfers_services.post_transfer(
                actor=coordinator,
                community=community,
                key="exchange:1",
                reason="exchange",
                legs=[Leg(accounts["member"].pk, -60), Leg(accounts["staff"].pk, 60)],
            )

    first = post()
    # The transfer's unique (community, key) answers, without an IntegrityError or a savepoint.
    with pytest.raises(Conflict) as exc:
        post()
    assert exc.value.code == "already_posted"
    assert balances(accounts["member"], accounts["staff"]) == [-60, 60]
    assert list(Transfer.objects.values_list("pk", flat=True)) == [first.pk]
    assert ledger_audit().clean


def test_it_returns_the_stored_transfer(community, coordinator, accounts, give):
    transfer = give(community, coordinator, accounts["member"], accounts["staff"], 30, memo="Soup")
    stored = Transfer.objects.get(pk=transfer.pk)
    assert not transfer._state.adding
    fields = (
        "sequence",
        "idempotency_key",
        "reason",
        "status",
        "memo",
        "actor_id",
        "effective_at",
        "created_at",
        "prev_hash",
        "hash",
    )
    assert [getattr(transfer, f) for f in fields] == [getattr(stored, f) for f in fields]


def test_it_posts_a_transfer_in_a_fixed_number_of_queries(
    community, coordinator, accounts, give, django_assert_num_queries
):
    give(
        community, coordinator, accounts["member"], accounts["staff"], 30
    )  # creates the chain head
    # Key look-up, rules, lock accounts, write balances, lock head, transfer, postings, head,
    # key record: 9, and the savepoint and its release that the test's own transaction puts
    # where the durable transaction would begin and commit.
    with django_assert_num_queries(11):
        give(community, coordinator, accounts["member"], accounts["staff"], 30)


def test_it_tells_both_holders_why_a_transfer_was_reversed(
    community, coordinator, accounts, give, django_capture_on_commit_callbacks
):
    from django.core import mail

    original = give(community, coordinator, accounts["member"], accounts["staff"], 45)
    with django_capture_on_commit_callbacks(execute=True):
        reversals_services.transfer_reverse(
            actor=coordinator,
            community=community,
            transfer_id=original.pk,
            reason="Grant made to the wrong person",
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [accounts["member"].person.email, accounts["staff"].person.email]
    )
    assert all("Grant made to the wrong person" in m.body for m in mail.outbox)


def test_it_accepts_the_longest_client_key(community, coordinator, accounts, give):
    transfer = give(community, coordinator, accounts["member"], accounts["staff"], 5, key="k" * 120)
    assert transfer.idempotency_key == "client:" + "k" * 120


def test_member_accounts_finds_and_opens_many_in_a_fixed_number_of_queries(
    community, member, coordinator, django_assert_num_queries
):
    from tests.conftest import make_person

    existing = accounts_services.member_account(community, member)
    newcomers = [make_person(f"new{i}@example.org", f"New Person {i}") for i in range(6)]
    with django_assert_num_queries(3):  # find, insert the missing, read them back
        accounts = accounts_services.member_accounts(community, [member, coordinator, *newcomers])
    assert accounts[member.pk].pk == existing.pk
    assert {a.kind for a in accounts.values()} == {"member"} and len(accounts) == 8
    assert accounts[newcomers[0].pk].name == "New Person 0"
    with django_assert_num_queries(1):  # all there now
        again = accounts_services.member_accounts(community, [member, coordinator, *newcomers])
    assert {pk: a.pk for pk, a in again.items()} == {pk: a.pk for pk, a in accounts.items()}
    assert Account.objects.filter(community=community, kind="member").count() == 8
