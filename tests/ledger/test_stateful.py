"""The ledger driven by hypothesis against a simple in-memory model of balances and holds."""

from __future__ import annotations

import datetime as dt
import itertools
import string

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from coproduce.communities.models import Person
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import ApplicationError
from coproduce.ledger.models import Account
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import reservations as reservations_services
from coproduce.ledger.services import reversals as reversals_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg

FLOOR = -600
_names = ("".join(p) for p in itertools.product(string.ascii_uppercase, repeat=3))


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        prefix = next(_names)
        self.community = communities_services.community_create(
            actor=None,
            name=f"Stateful {prefix}",
            slug=f"stateful-{prefix.lower()}",
            member_prefix=prefix,
            rules={"credit_floor_minutes": FLOOR, "credit_ceiling_minutes": 900},
        )
        people = [Person.objects.create_user(email=None, full_name=f"P{i}") for i in range(4)]
        self.accounts = [accounts_services.member_account(self.community, p) for p in people]
        self.balance = {a.pk: 0 for a in self.accounts}
        self.held_debit = {a.pk: 0 for a in self.accounts}
        self.held_credit = {a.pk: 0 for a in self.accounts}
        self.requests: dict[
            str, tuple[int, int, int, bool]
        ] = {}  # key -> (src, dst, minutes, succeeded)
        self.posted: list[
            tuple[int, int, int, int]
        ] = []  # (transfer id, src, dst, minutes) not reversed
        self.reservations: list[
            tuple[int, int, int, int]
        ] = []  # unresolved (id, src, dst, minutes)
        self.counter = itertools.count()

    def fits(self, src, dst, minutes):
        return (
            self.balance[src] - self.held_debit[src] - minutes >= FLOOR
            and self.balance[dst] + self.held_credit[dst] + minutes <= 900
        )

    @rule(data=st.data(), minutes=st.integers(min_value=1, max_value=400))
    def transfer(self, data, minutes):
        src, dst = data.draw(st.permutations([a.pk for a in self.accounts]))[:2]
        key = f"t{next(self.counter)}"
        expected = self.fits(src, dst, minutes)
        try:
            t = transfers_services.transfer_create(
                actor=None,
                community=self.community,
                idempotency_key=key,
                legs=[Leg(src, -minutes), Leg(dst, minutes)],
            )
        except ApplicationError as exc:
            assert not expected, exc.message
            self.requests[key] = (src, dst, minutes, False)
            return
        assert expected
        self.balance[src] -= minutes
        self.balance[dst] += minutes
        self.requests[key] = (src, dst, minutes, True)
        self.posted.append((t.pk, src, dst, minutes))

    @precondition(lambda self: self.requests)
    @rule(data=st.data())
    def replay(self, data):
        key = data.draw(st.sampled_from(sorted(self.requests)))
        src, dst, minutes, succeeded = self.requests[key]
        try:
            transfers_services.transfer_create(
                actor=None,
                community=self.community,
                idempotency_key=key,
                legs=[Leg(src, -minutes), Leg(dst, minutes)],
            )
            assert succeeded
        except ApplicationError:
            assert not succeeded

    @rule(data=st.data(), minutes=st.integers(min_value=1, max_value=300))
    def reserve(self, data, minutes):
        src, dst = data.draw(st.permutations([a.pk for a in self.accounts]))[:2]
        expected = self.fits(src, dst, minutes)
        try:
            r = reservations_services.reservation_create(
                actor=None,
                community=self.community,
                idempotency_key=f"r{next(self.counter)}",
                legs=[Leg(src, -minutes), Leg(dst, minutes)],
                expires_at=timezone.now() + dt.timedelta(hours=1),
            )
        except ApplicationError:
            assert not expected
            return
        assert expected
        self.held_debit[src] += minutes
        self.held_credit[dst] += minutes
        self.reservations.append((r.pk, src, dst, minutes))

    @precondition(lambda self: self.reservations)
    @rule(data=st.data(), post=st.booleans(), fraction=st.floats(min_value=0.01, max_value=1.0))
    def resolve(self, data, post, fraction):
        rid, src, dst, minutes = data.draw(st.sampled_from(self.reservations))
        self.reservations.remove((rid, src, dst, minutes))
        self.held_debit[src] -= minutes
        self.held_credit[dst] -= minutes
        if post:
            amount = max(1, int(minutes * fraction))
            t = reservations_services.reservation_post(
                actor=None, community=self.community, reservation_id=rid, amount_minutes=amount
            )
            self.balance[src] -= amount
            self.balance[dst] += amount
            self.posted.append((t.pk, src, dst, amount))
        else:
            reservations_services.reservation_void(
                actor=None, community=self.community, reservation_id=rid
            )

    @precondition(lambda self: self.posted)
    @rule(data=st.data())
    def reverse(self, data):
        tid, src, dst, minutes = data.draw(st.sampled_from(self.posted))
        expected = self.fits(dst, src, minutes)
        try:
            reversals_services.transfer_reverse(
                actor=None, community=self.community, transfer_id=tid, reason="test"
            )
        except ApplicationError:
            assert not expected
            return
        assert expected
        self.posted.remove((tid, src, dst, minutes))
        self.balance[src] += minutes
        self.balance[dst] -= minutes

    @invariant()
    def balances_match_the_model(self):
        stored = {
            a.pk: (a.balance_minutes, a.pending_debit_minutes, a.pending_credit_minutes)
            for a in Account.objects.filter(pk__in=self.balance)
        }
        model = {
            pk: (self.balance[pk], self.held_debit[pk], self.held_credit[pk]) for pk in self.balance
        }
        assert stored == model

    def teardown(self):
        report = ledger_audit([self.community.pk])
        assert report.clean, report.violations


@pytest.mark.django_db
def test_it_matches_the_model_under_random_operations():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
