"""transfer_reverse: its notice goes through the notification centre, and it nests in a caller's
transaction (an exchange's reversal commits the reversal, its audit row and its notices
together)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from coproduce.core.errors import Conflict
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.services import reversals as reversals_services
from coproduce.notifications.models import Notification
from coproduce.notifications.services import preferences as preferences_services


def balances(*accounts):
    return [Account.objects.get(pk=a.pk).balance_minutes for a in accounts]


def test_it_tells_the_holders_in_their_notification_centre_and_emails_those_who_want_it(
    community, coordinator, member, agency_staff, accounts, give, django_capture_on_commit_callbacks
):
    preferences_services.preference_set(actor=agency_staff, person=agency_staff, email_mode="none")
    original = give(community, coordinator, accounts["member"], accounts["staff"], 45)
    with django_capture_on_commit_callbacks(execute=True):
        reversals_services.transfer_reverse(
            actor=coordinator,
            community=community,
            transfer_id=original.pk,
            reason="Grant made to the wrong person",
        )

    notices = Notification.objects.filter(kind="transfer_reversed").order_by("person_id")
    assert sorted(n.person_id for n in notices) == sorted([member.pk, agency_staff.pk])
    for notice in notices:
        assert notice.title == "Hours reversed (Riverside)" and notice.community_id == community.pk
        assert "0h45" in notice.body and "Reason: Grant made to the wrong person" in notice.body
        assert notice.url == f"/c/{community.slug}/statement/"
    # Emailed by each one's choice: Mo wants each notice, Asha chose no emails.
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "Grant made to the wrong person" in mail.outbox[0].body
    assert notices.get(person=agency_staff).email_state == "skipped"


def test_it_tells_nobody_when_the_caller_tells_them_itself(community, coordinator, accounts, give):
    original = give(community, coordinator, accounts["member"], accounts["staff"], 30)
    reversals_services.transfer_reverse(
        actor=coordinator, community=community, transfer_id=original.pk, reason="Typo", notify=False
    )
    assert not Notification.objects.exists()


def test_it_reverses_inside_the_callers_transaction_and_rolls_back_with_it(
    community, coordinator, accounts, give
):
    original = give(community, coordinator, accounts["member"], accounts["staff"], 30)

    class CallerFailed(Exception):
        pass

    with pytest.raises(CallerFailed), transaction.atomic(durable=True):
        reversals_services.transfer_reverse(
            actor=coordinator, community=community, transfer_id=original.pk, reason="Typo"
        )
        assert balances(accounts["member"], accounts["staff"]) == [0, 0]
        raise CallerFailed
    assert not Transfer.objects.filter(reverses=original).exists()
    assert not Notification.objects.exists()
    assert balances(accounts["member"], accounts["staff"]) == [-30, 30]

    with transaction.atomic(durable=True):
        reversal = reversals_services.transfer_reverse(
            actor=coordinator, community=community, transfer_id=original.pk, reason="Typo"
        )
    assert Transfer.objects.get(reverses=original) == reversal


def test_it_leaves_the_callers_transaction_usable_when_it_refuses(
    community, coordinator, accounts, give
):
    first = give(community, coordinator, accounts["member"], accounts["staff"], 30)
    second = give(community, coordinator, accounts["member"], accounts["staff"], 15)
    reversals_services.transfer_reverse(
        actor=coordinator, community=community, transfer_id=first.pk, reason="Typo"
    )
    with transaction.atomic(durable=True):
        with pytest.raises(Conflict) as exc:
            reversals_services.transfer_reverse(
                actor=coordinator, community=community, transfer_id=first.pk, reason="Again"
            )
        assert exc.value.code == "already_reversed"
        reversals_services.transfer_reverse(
            actor=coordinator, community=community, transfer_id=second.pk, reason="Typo"
        )
    assert balances(accounts["member"], accounts["staff"]) == [0, 0]


def test_it_keeps_the_old_name_of_the_reversal_inside_a_callers_transaction(
    community, coordinator, accounts, give
):
    original = give(community, coordinator, accounts["member"], accounts["staff"], 20)
    with transaction.atomic(durable=True):
        reversals_services.transfer_reverse(
            actor=coordinator,
            community=community,
            transfer_id=original.pk,
            reason="Typo",
            notify=False,
        )
    assert balances(accounts["member"], accounts["staff"]) == [0, 0]
