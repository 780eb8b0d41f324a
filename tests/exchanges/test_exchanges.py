from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import fund as fund_services
from coproduce.ledger import errors
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors import statements as statements_selectors
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services
from tests.conftest import make_person

TODAY = timezone.localdate


def balance(community, person):
    account = accounts_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


def record(community, actor, provider, recipient, minutes=90, key="rec-1", **kw):
    return exchanges_services.exchange_record(
        actor=actor,
        community=community,
        idempotency_key=key,
        providers=[provider],
        recipients=[recipient],
        minutes=minutes,
        effective_on=kw.pop("effective_on", TODAY()),
        category=kw.pop("category", "Gardening"),
        **kw,
    )


def test_it_posts_only_when_the_other_side_confirms(
    community, member, agency_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        exchange = record(community, member, member, agency_staff)
    assert exchange.status == ExchangeStatus.RECORDED
    assert balance(community, member) == 0
    assert [m.to for m in mail.outbox] == [[agency_staff.email]]
    assert exchanges_selectors.exchanges_to_confirm(community, agency_staff) == [exchange]
    assert exchanges_selectors.exchanges_to_confirm(community, member) == []
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    assert (balance(community, member), balance(community, agency_staff)) == (90, -90)
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CONFIRMED and exchange.transfer.related_id == str(
        exchange.pk
    )
    assert ledger_audit().clean


def test_it_refuses_confirming_ones_own_record_and_confirming_twice(
    community, member, agency_staff
):
    exchange = record(community, member, member, agency_staff)
    with pytest.raises(PermissionDenied) as exc:
        answers_services.exchange_confirm(actor=member, exchange=exchange)
    assert exc.value.code == "own_record"
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    with pytest.raises(Conflict):
        answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    assert Transfer.objects.count() == 1


@pytest.mark.parametrize(
    "minutes, days_ago, field",
    [
        (0, 0, "minutes"),
        (-30, 0, "minutes"),
        (8 * 60 + 1, 0, "minutes"),
        (60, -1, "effective_on"),
        (1.5, 0, "minutes"),
    ],
)
def test_it_refuses_bad_time_and_dates(community, member, agency_staff, minutes, days_ago, field):
    with pytest.raises(ValidationFailed) as exc:
        record(
            community,
            member,
            member,
            agency_staff,
            minutes=minutes,
            effective_on=TODAY() - dt.timedelta(days=days_ago),
        )
    assert field in exc.value.fields
    assert not Exchange.objects.exists()


def test_it_refuses_an_exchange_with_oneself(community, member):
    with pytest.raises(ValidationFailed) as exc:
        record(community, member, member, member)
    assert exc.value.code == "self_exchange"


def test_it_refuses_people_of_another_community(community, member, other_member):
    with pytest.raises(NotFound):
        record(community, member, member, other_member)
    assert not Exchange.objects.exists()


def test_it_refuses_recording_for_strangers(community, member, agency_staff, coordinator):
    third = make_person("third@example.org", "Third Person")
    memberships_services.membership_add(actor=None, community=community, person=third)
    with pytest.raises(PermissionDenied):
        record(community, member, third, agency_staff)


def test_it_replays_a_key_and_refuses_a_different_body(community, member, agency_staff):
    first = record(community, member, member, agency_staff, key="same")
    assert record(community, member, member, agency_staff, key="same").pk == first.pk
    with pytest.raises(Conflict) as exc:
        record(community, member, member, agency_staff, minutes=30, key="same")
    assert exc.value.code == "idempotency_key_reused"
    assert Exchange.objects.count() == 1


def test_it_declines_with_a_reason_and_posts_nothing(community, member, agency_staff):
    exchange = record(community, member, member, agency_staff)
    with pytest.raises(ValidationFailed):
        answers_services.exchange_decline(actor=agency_staff, exchange=exchange, reason="")
    answers_services.exchange_decline(
        actor=agency_staff, exchange=exchange, reason="It was 1 hour, not 1h30"
    )
    assert Exchange.objects.get().status == ExchangeStatus.DECLINED
    assert not Transfer.objects.exists()


def test_it_lets_a_coordinator_settle_a_dispute(community, member, agency_staff, coordinator):
    exchange = record(community, member, member, agency_staff)
    answers_services.exchange_dispute(
        actor=agency_staff, exchange=exchange, reason="Never happened"
    )
    with pytest.raises(PermissionDenied):
        answers_services.exchange_resolve(
            actor=member, exchange=exchange, confirm=True, note="mine"
        )
    answers_services.exchange_resolve(
        actor=coordinator, exchange=exchange, confirm=True, note="Spoke to both; it happened"
    )
    assert balance(community, member) == 90


def test_it_confirms_automatically_after_the_communitys_delay(
    community, member, agency_staff, coordinator
):
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"auto_confirm_days": 3},
        reason="Shorter wait",
    )
    record(community, member, member, agency_staff)
    assert answers_services.exchanges_auto_confirm(now=timezone.now() + dt.timedelta(days=2)) == 0
    assert (
        answers_services.exchanges_auto_confirm(
            now=timezone.now() + dt.timedelta(days=3, minutes=1)
        )
        == 1
    )
    exchange = Exchange.objects.get()
    assert exchange.status == ExchangeStatus.CONFIRMED and "3 days" in exchange.decision_note
    assert balance(community, member) == 90
    assert answers_services.exchanges_auto_confirm(now=timezone.now() + dt.timedelta(days=30)) == 0


def test_it_lets_a_coordinator_confirm_for_an_offline_member_and_records_both(
    community, member, agency_staff, coordinator
):
    exchange = record(community, member, member, agency_staff)
    answers_services.exchange_confirm(
        actor=coordinator, exchange=exchange, on_behalf_of=agency_staff
    )
    event = AuditEvent.objects.get(action="exchange.confirm")
    assert (event.actor_id, event.on_behalf_of_id) == (coordinator.pk, agency_staff.pk)
    assert Exchange.objects.get().transfer.on_behalf_of == agency_staff


def test_it_enters_paper_slips_once(community, member, agency_staff, coordinator):
    kw = {
        "providers": [member],
        "recipients": [agency_staff],
        "minutes": 60,
        "effective_on": TODAY(),
        "category": "Lifts",
    }
    exchanges_services.exchange_enter(
        actor=coordinator, community=community, idempotency_key="s1", slip_number="1042", **kw
    )
    assert balance(community, member) == 60
    with pytest.raises(Conflict) as exc:
        exchanges_services.exchange_enter(
            actor=coordinator, community=community, idempotency_key="s2", slip_number="1042", **kw
        )
    assert exc.value.code == "slip_already_entered"
    with pytest.raises(PermissionDenied):
        exchanges_services.exchange_enter(
            actor=member, community=community, idempotency_key="s3", slip_number="1043", **kw
        )
    assert balance(community, member) == 60


def test_it_splits_a_class_among_its_recipients(community, coordinator):
    teacher = make_person("t@example.org", "Teacher")
    pupils = [make_person(f"p{i}@example.org", f"Pupil {i}") for i in range(3)]
    for person in [teacher, *pupils]:
        memberships_services.membership_add(actor=None, community=community, person=person)
    exchange = exchanges_services.exchange_record(
        actor=teacher,
        community=community,
        idempotency_key="class",
        providers=[teacher],
        recipients=pupils,
        minutes=100,
        effective_on=TODAY(),
    )
    answers_services.exchange_confirm(actor=pupils[1], exchange=exchange)
    assert balance(community, teacher) == 100
    assert sorted(balance(community, p) for p in pupils) == [-34, -33, -33]
    assert Transfer.objects.count() == 1


def test_it_pays_group_help_from_the_fund_when_the_rules_say_so(community, coordinator):
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"group_exchange_payer": "fund"},
        reason="Fund pays for groups",
    )
    helpers = [make_person(f"h{i}@example.org", f"Helper {i}") for i in range(2)]
    mover = make_person("mover@example.org", "Mover")
    for person in [*helpers, mover]:
        memberships_services.membership_add(actor=None, community=community, person=person)
    transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key="seed-fund",
        legs=[
            postings_services.Leg(accounts_services.issuance_account(community).pk, -600),
            postings_services.Leg(accounts_services.fund_account(community).pk, 600),
        ],
    )
    exchange = exchanges_services.exchange_record(
        actor=mover,
        community=community,
        idempotency_key="move",
        providers=helpers,
        recipients=[mover],
        minutes=120,
        effective_on=TODAY(),
    )
    answers_services.exchange_confirm(actor=helpers[0], exchange=exchange)
    assert [balance(community, h) for h in helpers] == [120, 120]
    assert balance(community, mover) == 0
    assert accounts_services.fund_account(community).balance_minutes == 360


def test_it_reverses_with_a_reason_both_sides_see(
    community, member, agency_staff, coordinator, django_capture_on_commit_callbacks
):
    exchange = record(community, member, member, agency_staff)
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    with pytest.raises(PermissionDenied):
        answers_services.exchange_reverse(actor=member, exchange=exchange, reason="mine")
    with django_capture_on_commit_callbacks(execute=True):
        answers_services.exchange_reverse(
            actor=coordinator, exchange=exchange, reason="Entered for the wrong day"
        )
    assert balance(community, member) == 0
    assert sorted(m.to[0] for m in mail.outbox if "reversed" in m.subject) == sorted(
        [member.email, agency_staff.email]
    )
    with pytest.raises(Conflict):
        answers_services.exchange_reverse(actor=coordinator, exchange=exchange, reason="again")
    lines = statements_selectors.account_statement(accounts_selectors.account_of(community, member))
    assert [line.amount_minutes for line in lines] == [-90, 90]
    assert lines[0].transfer.memo == "Entered for the wrong day"


def test_it_notes_expenses_beside_hours_never_as_hours(community, member, agency_staff):
    exchange = record(
        community,
        member,
        member,
        agency_staff,
        expenses=[{"amount": "3.50", "currency": "gbp", "note": "Bus fare"}],
    )
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    assert balance(community, member) == 90
    expense = exchange.expenses.get()
    assert (str(expense.amount), expense.currency) == ("3.50", "GBP")
    with pytest.raises(ValidationFailed):
        record(
            community,
            member,
            member,
            agency_staff,
            key="x",
            expenses=[{"amount": "-1", "currency": "GBP", "note": "refund"}],
        )


def test_it_donates_to_and_grants_from_the_fund(community, member, agency_staff, coordinator):
    fund_services.fund_donate(
        actor=member, community=community, person=member, minutes=60, idempotency_key="d1"
    )
    assert accounts_services.fund_account(community).balance_minutes == 60
    with pytest.raises(PermissionDenied):
        fund_services.fund_grant(
            actor=member,
            community=community,
            person=agency_staff,
            minutes=30,
            reason="x",
            idempotency_key="g0",
        )
    with pytest.raises(ValidationFailed):
        fund_services.fund_grant(
            actor=coordinator,
            community=community,
            person=agency_staff,
            minutes=30,
            reason="",
            idempotency_key="g1",
        )
    fund_services.fund_grant(
        actor=coordinator,
        community=community,
        person=agency_staff,
        minutes=30,
        reason="Help after hospital stay",
        idempotency_key="g2",
    )
    assert balance(community, agency_staff) == 30
    with pytest.raises(errors.LimitExceeded):
        fund_services.fund_grant(
            actor=coordinator,
            community=community,
            person=agency_staff,
            minutes=31,
            reason="More",
            idempotency_key="g3",
        )


def test_it_gives_a_statement_with_totals_and_a_csv(community, member, agency_staff):
    for i, minutes in enumerate([30, 45, 60]):
        exchange = record(community, member, member, agency_staff, minutes=minutes, key=f"k{i}")
        answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    account = accounts_selectors.account_of(community, agency_staff)
    totals = accounts_selectors.account_totals(account)
    assert (totals.given_minutes, totals.received_minutes, totals.balance_minutes) == (135, 0, -135)
    page1 = statements_selectors.account_statement(account, limit=2)
    assert [line.balance_after_minutes for line in page1] == [-135, -75]
    page2 = statements_selectors.account_statement(account, before_id=page1[-1].posting_id, limit=2)
    assert [line.balance_after_minutes for line in page2] == [-30]
    csv_text = statements_selectors.account_statement_csv(account)
    assert csv_text.splitlines()[0].startswith("date,recorded,reason,with,minutes,balance_minutes")
    assert len(csv_text.splitlines()) == 4 and "Mo Member" in csv_text


def test_it_closes_a_leaving_members_account_into_the_fund(
    community, member, agency_staff, coordinator
):
    exchange = record(community, member, member, agency_staff)
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    offboarding_services.member_offboard(
        actor=coordinator, membership=member.memberships.get(), reason="Moved away"
    )
    account = accounts_selectors.account_of(community, member)
    assert account.closed_at is not None and account.balance_minutes == 0
    assert accounts_services.fund_account(community).balance_minutes == 90
    # The statement still shows the history, against the same (now anonymous) person.
    assert [line.amount_minutes for line in statements_selectors.account_statement(account)] == [
        -90,
        90,
    ]
    assert ledger_audit().clean
