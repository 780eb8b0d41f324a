from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.core.errors import Conflict, ValidationFailed
from coproduce.ledger.errors import LimitExceeded
from coproduce.ledger.models import Account, Reason
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import reservations as reservations_services
from coproduce.ledger.services.postings import Leg


def reserve(community, actor, source, target, minutes, key="r1", hours=24):
    return reservations_services.reservation_create(
        actor=actor,
        community=community,
        idempotency_key=key,
        legs=[Leg(source.pk, -minutes), Leg(target.pk, minutes)],
        expires_at=timezone.now() + dt.timedelta(hours=hours),
    )


def state(account):
    a = Account.objects.get(pk=account.pk)
    return a.balance_minutes, a.pending_debit_minutes, a.pending_credit_minutes


def test_it_holds_then_posts_in_part(community, coordinator, accounts):
    r = reserve(community, coordinator, accounts["member"], accounts["staff"], 120)
    assert state(accounts["member"]) == (0, 120, 0)
    assert state(accounts["staff"]) == (0, 0, 120)
    reservations_services.reservation_post(
        actor=coordinator, community=community, reservation_id=r.pk, amount_minutes=90
    )
    assert state(accounts["member"]) == (-90, 0, 0)
    assert state(accounts["staff"]) == (90, 0, 0)
    with pytest.raises(Conflict) as exc:
        reservations_services.reservation_void(
            actor=coordinator, community=community, reservation_id=r.pk
        )
    assert exc.value.code == "already_resolved"
    assert ledger_audit().clean


def test_it_counts_holds_against_the_floor(community, coordinator, accounts, give):
    reserve(community, coordinator, accounts["member"], accounts["staff"], 500)
    with pytest.raises(LimitExceeded):
        give(community, coordinator, accounts["member"], accounts["staff"], 101)
    give(community, coordinator, accounts["member"], accounts["staff"], 100)


def test_it_voids_and_releases_the_hold(community, coordinator, accounts):
    r = reserve(community, coordinator, accounts["member"], accounts["staff"], 60)
    reservations_services.reservation_void(
        actor=coordinator, community=community, reservation_id=r.pk
    )
    assert state(accounts["member"]) == (0, 0, 0)
    with pytest.raises(Conflict):
        reservations_services.reservation_post(
            actor=coordinator, community=community, reservation_id=r.pk
        )
    assert ledger_audit().clean


def test_it_expires_reservations_past_their_time(community, coordinator, accounts):
    r = reserve(community, coordinator, accounts["member"], accounts["staff"], 60)
    assert reservations_services.reservations_expire() == 0
    assert reservations_services.reservations_expire(now=timezone.now() + dt.timedelta(days=2)) == 1
    assert r.resolution.reason == Reason.RESERVATION_EXPIRE
    assert state(accounts["member"]) == (0, 0, 0)
    assert reservations_services.reservations_expire(now=timezone.now() + dt.timedelta(days=3)) == 0
    assert ledger_audit().clean


def test_it_refuses_to_post_an_expired_reservation(community, coordinator, accounts):
    r = reserve(community, coordinator, accounts["member"], accounts["staff"], 60)
    # Rows are append-only, so move the clock rather than the reservation's expiry.
    from unittest import mock

    later = timezone.now() + dt.timedelta(days=2)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        pytest.raises(Conflict) as exc,
    ):
        reservations_services.reservation_post(
            actor=coordinator, community=community, reservation_id=r.pk
        )
    assert exc.value.code == "reservation_expired"


def test_it_refuses_a_partial_amount_out_of_range(community, coordinator, accounts):
    r = reserve(community, coordinator, accounts["member"], accounts["staff"], 60)
    for amount in (0, 61, -5):
        with pytest.raises(ValidationFailed):
            reservations_services.reservation_post(
                actor=coordinator, community=community, reservation_id=r.pk, amount_minutes=amount
            )
    assert state(accounts["member"]) == (0, 60, 0)
