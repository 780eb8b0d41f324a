"""Redemption at a partner's door: credits move once, in one transaction, or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.coproduction.models import Redemption
from coproduce.coproduction.selectors import partners as partners_selectors
from coproduce.coproduction.services import partners as partner_services
from coproduce.coproduction.services import partners as partners_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.ledger import errors
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import transfers as transfers_selectors
from coproduce.ledger.services import accounts as accounts_services
from coproduce.notifications.models import Notification

from .partner_helpers import (
    SATURDAY_MORNING,
    audit_clean,
    balance,
    give_credit,
    leisure_centre,
    partner_balance,
    swim,
)


@pytest.fixture
def partner(coordinator, community, agency, agency_admin):
    return leisure_centre(coordinator, community, agency)


@pytest.fixture
def offer(coordinator, partner):
    return swim(coordinator, partner)


@pytest.fixture
def code(member, membership_of, community):
    return membership_of(member, community).member_code


def redeem(actor, partner, offer, member_ref, key="k1", **kw):
    fields = {"adults": 1, "children": 0, "at": SATURDAY_MORNING}
    fields.update(kw)
    return partners_services.redemption_create(
        actor=actor,
        partner=partner,
        offer=offer,
        member_ref=member_ref,
        idempotency_key=key,
        **fields,
    )


def assert_nothing_moved(community, member, partner, member_before):
    assert balance(community, member) == member_before
    assert partner_balance(community, partner) == 0
    assert Redemption.objects.count() == 0
    assert audit_clean()


def test_it_moves_credits_from_member_to_partner_with_a_receipt(
    community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    redemption = redeem(agency_staff, partner, offer, code, adults=1, children=2)
    assert redemption.minutes == 180
    assert balance(community, member) == 120
    assert partner_balance(community, partner) == 180
    assert redemption.receipt_number.startswith("RLC-")
    transfer = transfers_selectors.transfer_get(community, redemption.transfer_id)
    assert transfer.memo == "One swim at Riverside Leisure Centre"
    assert transfer.reason == "redemption"
    assert transfer.get_reason_display() == "Spent at a partner"
    assert (
        redemption.created_at == transfer.effective_at == SATURDAY_MORNING
    )  # when the member came in
    assert AuditEvent.objects.filter(
        action="partner.redeem", subject_id=str(redemption.pk)
    ).exists()
    note = Notification.objects.get(person=member, kind="redemption")
    assert redemption.receipt_number in note.title
    assert audit_clean()


def test_it_reads_the_member_cards_qr_code_and_a_bare_number(
    community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    first = redeem(agency_staff, partner, offer, f"coproduce:riverside:{code}", key="a")
    number = str(int(code.split("-")[1]))
    second = redeem(agency_staff, partner, offer, number, key="b")
    assert first.person == second.person == member


def test_it_replays_the_same_request_as_the_original_receipt(
    community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    first = redeem(agency_staff, partner, offer, code)
    again = redeem(agency_staff, partner, offer, f"coproduce:riverside:{code}")
    assert again.pk == first.pk
    assert Redemption.objects.count() == 1
    assert balance(community, member) == 240
    assert audit_clean()


def test_a_receipt_number_already_used_is_drawn_again(
    community, member, agency_staff, partner, offer, code, monkeypatch
):
    give_credit(community, member, 300)
    drawn = iter(["RLC-AAAAAA", "RLC-AAAAAA", "RLC-BBBBBB"])
    monkeypatch.setattr(partner_services, "_receipt_number", lambda _partner: next(drawn))
    first = redeem(agency_staff, partner, offer, code, key="a")
    second = redeem(agency_staff, partner, offer, code, key="b")
    assert (first.receipt_number, second.receipt_number) == ("RLC-AAAAAA", "RLC-BBBBBB")
    assert first.transfer_id != second.transfer_id
    assert balance(community, member) == 180
    assert audit_clean()


def test_it_refuses_a_redemption_dated_in_the_future(
    community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    with pytest.raises(ValidationFailed) as refused:
        redeem(agency_staff, partner, offer, code, at=timezone.now() + dt.timedelta(hours=1))
    assert refused.value.fields == {"at": ["In the future."]}
    assert_nothing_moved(community, member, partner, 300)


def test_it_refuses_another_request_under_the_same_key(
    community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    redeem(agency_staff, partner, offer, code)
    with pytest.raises(Conflict):
        redeem(agency_staff, partner, offer, code, adults=2)
    assert Redemption.objects.count() == 1
    assert balance(community, member) == 240
    assert audit_clean()


@pytest.mark.parametrize(
    "ref", ["RIV-9999", "HIL-0001", "coproduce:hillside:RIV-0001", "nonsense", ""]
)
def test_it_refuses_unknown_member_numbers(community, member, agency_staff, partner, offer, ref):
    give_credit(community, member, 300)
    with pytest.raises(ValidationFailed) as refused:
        redeem(agency_staff, partner, offer, ref)
    assert "member_ref" in refused.value.fields
    assert_nothing_moved(community, member, partner, 300)


def test_it_refuses_a_member_who_has_left(
    community, member, coordinator, agency_staff, partner, offer, code, membership_of
):
    give_credit(community, member, 300)
    offboarding_services.member_offboard(
        actor=coordinator,
        membership=membership_of(member, community),
        reason="Moved away",
        pseudonymise=False,
    )
    before = balance(community, member)
    with pytest.raises(ValidationFailed):
        redeem(agency_staff, partner, offer, code)
    assert Redemption.objects.count() == 0
    assert balance(community, member) == before
    assert audit_clean()


def test_it_refuses_more_people_than_the_offer_allows(
    community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 600)
    for n, people in enumerate(
        [{"adults": 3}, {"children": 4}, {"adults": 0, "children": 0}, {"adults": -1}]
    ):
        with pytest.raises(ValidationFailed):
            redeem(agency_staff, partner, offer, code, key=f"p{n}", **people)
    assert_nothing_moved(community, member, partner, 600)


def test_it_refuses_outside_the_offers_times(
    community, member, coordinator, agency_staff, partner, code
):
    offer = swim(coordinator, partner, times=["mon-am", "sat-pm"])
    give_credit(community, member, 300)
    with pytest.raises(ValidationFailed) as refused:
        redeem(agency_staff, partner, offer, code)  # Saturday morning
    assert "time" in refused.value.message
    assert_nothing_moved(community, member, partner, 300)
    afternoon = SATURDAY_MORNING + dt.timedelta(hours=4)
    assert redeem(agency_staff, partner, offer, code, key="k2", at=afternoon).minutes == 60


def test_it_refuses_beyond_the_monthly_allowance(
    community, member, coordinator, agency_staff, partner, code
):
    offer = swim(coordinator, partner, per_member_per_month=1)
    give_credit(community, member, 300)
    redeem(agency_staff, partner, offer, code, key="one", at=None)
    with pytest.raises(ValidationFailed) as refused:
        redeem(agency_staff, partner, offer, code, key="two", at=None)
    assert "this month" in refused.value.message
    assert Redemption.objects.count() == 1
    assert balance(community, member) == 240
    assert audit_clean()


def test_it_refuses_without_enough_credit_and_keeps_the_balance_private(
    community, member, agency_staff, partner, offer, code
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"credit_floor_minutes": 0}, reason="No debt"
    )
    give_credit(community, member, 90)
    with pytest.raises(errors.LimitExceeded) as refused:
        redeem(agency_staff, partner, offer, code, adults=2)
    assert "does not have enough time credit" in refused.value.message
    assert "1h30" not in refused.value.message and "lowest" not in refused.value.message
    assert_nothing_moved(community, member, partner, 90)


def test_it_refuses_an_inactive_offer_and_an_archived_partner(
    community, member, coordinator, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    partners_services.offer_deactivate(actor=coordinator, offer=offer)
    with pytest.raises(ValidationFailed):
        redeem(agency_staff, partner, offer, code, key="a")
    partners_services.offer_update(actor=coordinator, offer=offer, is_active=True)
    partners_services.partner_archive(actor=coordinator, partner=partner)
    with pytest.raises(ValidationFailed):
        redeem(agency_staff, partner, offer, code, key="b")
    assert_nothing_moved(community, member, partner, 300)


def test_it_lets_only_the_partners_staff_and_coordinators_redeem(
    community, member, other_member, coordinator, agency_staff, partner, offer, code, outsider
):
    give_credit(community, member, 300)
    with pytest.raises(PermissionDenied):
        redeem(member, partner, offer, code, key="m")
    with pytest.raises(NotFound):
        redeem(outsider, partner, offer, code, key="o")
    with pytest.raises(NotFound):
        redeem(other_member, partner, offer, code, key="x")
    assert Redemption.objects.count() == 0
    assert redeem(coordinator, partner, offer, code, key="c").redeemed_by == coordinator


@pytest.mark.parametrize(
    ("rule", "fund", "issuance"), [("keep", 0, -300), ("fund", 60, -300), ("retire", 0, -240)]
)
def test_it_does_with_the_credits_what_the_rule_says(
    community, member, agency_staff, partner, offer, code, rule, fund, issuance
):
    if rule != "keep":  # keep is the default
        communities_services.rulebook_change(
            actor=None,
            community=community,
            changes={"partner_credits_go": rule},
            reason="Decided at the meeting",
        )
    give_credit(community, member, 300)
    redeem(agency_staff, partner, offer, code)
    assert partner_balance(community, partner) == (60 if rule == "keep" else 0)
    assert accounts_services.fund_account(community).balance_minutes == fund
    assert accounts_services.issuance_account(community).balance_minutes == issuance
    onward = list(
        Transfer.objects.filter(related_type="redemption")
        .order_by("sequence")
        .values_list("reason", flat=True)
    )
    assert onward == (["redemption"] if rule == "keep" else ["redemption", "partner_onward"])
    assert audit_clean()


def test_it_counts_the_month_in_community_time(community):
    assert partners_selectors.slot_at(community, SATURDAY_MORNING) == "sat-am"
    assert (
        partners_selectors.slot_at(community, dt.datetime(2026, 7, 4, 16, 30, tzinfo=dt.UTC))
        == "sat-eve"
    )  # 17:30 BST
