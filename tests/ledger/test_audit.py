from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from coproduce.ledger.models import Posting
from coproduce.ledger.selectors.audit import ledger_audit


def tamper(sql, params):
    """Change the ledger behind the software's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch triggers off for the session: the trigger is a guard, not a
            # proof.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER ledger_posting_no_update")
            cursor.execute(sql, params)


def run_audit(*args):
    try:
        call_command("audit", *args)
    except SystemExit as exc:
        return exc.code
    return 0


def test_it_prints_one_clean_line(community, coordinator, accounts, give, capsys):
    give(community, coordinator, accounts["member"], accounts["staff"], 30)
    assert run_audit() == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["audit: clean: 1 community, 5 accounts, 1 transfer, 2 postings"]


def test_it_fails_when_a_posting_is_changed_with_raw_sql(
    community, coordinator, accounts, give, capsys
):
    t = give(community, coordinator, accounts["member"], accounts["staff"], 30)
    give(community, coordinator, accounts["staff"], accounts["coordinator"], 10)
    posting = Posting.objects.get(transfer=t, amount_minutes=30)
    tamper("UPDATE ledger_posting SET amount_minutes = 300 WHERE id = %s", [posting.pk])
    assert run_audit() == 1
    out = capsys.readouterr().out
    assert "legs sum to 270 minutes" in out
    assert "contents do not match its hash" in out
    assert "stored balance 20 but postings sum to 290" in out
    assert out.strip().splitlines()[-1].startswith("audit: ")


def test_it_fails_when_a_cached_balance_is_changed(community, coordinator, accounts, give):
    give(community, coordinator, accounts["member"], accounts["staff"], 30)
    type(accounts["staff"]).objects.filter(pk=accounts["staff"].pk).update(balance_minutes=3000)
    report = ledger_audit()
    assert not report.clean
    assert any("stored balance 3000" in v for v in report.violations)


def test_it_audits_one_community(community, other_community, coordinator, accounts, give):
    give(community, coordinator, accounts["member"], accounts["staff"], 30)
    assert run_audit("--community", "hillside") == 0


def test_it_refuses_an_unknown_community(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("audit", "--community", "atlantis")


def test_it_fails_when_cached_totals_are_changed(community, coordinator, accounts, give):
    give(community, coordinator, accounts["member"], accounts["staff"], 30)
    type(accounts["staff"]).objects.filter(pk=accounts["staff"].pk).update(received_minutes=31)
    report = ledger_audit()
    assert any("stored given/received 0/31 but postings give 0/30" in v for v in report.violations)
