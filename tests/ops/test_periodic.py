from __future__ import annotations

import datetime as dt
from unittest import mock

from django.core.management import call_command
from django.utils import timezone

from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.ops.periodic import enqueue_periodic


def test_it_runs_the_timed_jobs_from_the_command(community, member, agency_staff, capsys):
    exchanges_services.exchange_record(
        actor=member,
        community=community,
        idempotency_key="k",
        providers=[member],
        recipients=[agency_staff],
        minutes=60,
        effective_on=timezone.localdate(),
    )
    later = timezone.now() + dt.timedelta(days=15)
    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("periodic", "--once")
    assert "auto_confirm_exchanges: 1" in capsys.readouterr().out
    assert Exchange.objects.get().status == ExchangeStatus.CONFIRMED


def test_it_enqueues_every_timed_job(db):
    assert {name.split(".")[-1] for name in enqueue_periodic()} == {
        "expire_reservations",
        "auto_confirm_exchanges",
        "expire_listings",
        "remind_listings",
        "send_waiting_notification_emails",
        "send_weekly_digests",
        "embed_listings",
        "referrals_minimise",
        "remind_sessions",
        "expire_unconfirmed_applications",
        "advance_proposals",
        "advance_sanctions",
        "advance_budgets",
    }
