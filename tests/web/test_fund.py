"""The community fund: members see it and donate; coordinators grant from it with a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.communities.services import communities as communities_services
from coproduce.exchanges.services import answers as answers_services
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors

from .conftest import code_of, confirmed, recorded, text


def url(community):
    return reverse("web:fund", args=[community.slug])


def fund_balance(community):
    fund = accounts_selectors.system_account(community, "fund")
    return fund.balance_minutes if fund else 0


def donate(client, community, hours="1", minutes="0", key="donate-key-1", note="For the winter"):
    return client.post(
        reverse("web:fund_donate", args=[community.slug]),
        {
            "donate-idempotency_key": key,
            "donate-time_hours": hours,
            "donate-time_minutes": minutes,
            "donate-note": note,
        },
        follow=True,
    )


def grant(
    client, community, person, hours="1", reason="Recovering from an operation", key="grant-key-1"
):
    return client.post(
        reverse("web:fund_grant", args=[community.slug]),
        {
            "grant-idempotency_key": key,
            "grant-member": code_of(person, community),
            "grant-time_hours": hours,
            "grant-time_minutes": "0",
            "grant-reason": reason,
        },
        follow=True,
    )


def test_it_lets_a_member_donate_hours(client, community, member, agency_staff):
    confirmed(community, member, member, agency_staff, minutes=120)
    client.force_login(member)
    response = donate(client, community)
    assert "Thank you: 1h00 given to the community fund." in text(response)
    assert fund_balance(community) == 60
    assert accounts_selectors.account_of(community, member).balance_minutes == 60
    assert "Hours in the fund 1h00" in text(response)
    donate(client, community)  # sent twice: given once
    assert fund_balance(community) == 60


def test_it_refuses_a_donation_beyond_the_members_limit(client, community, member):
    client.force_login(member)
    response = donate(client, community, hours="11")
    assert response.status_code == 400
    assert "Mo Member does not have enough time credit" in text(response)
    assert fund_balance(community) == 0


def test_it_refuses_zero_and_negative_donations(client, community, member):
    client.force_login(member)
    assert "Enter how long: more than zero." in text(donate(client, community, hours="0"))
    assert "Enter 0 or more hours." in text(donate(client, community, hours="-2"))
    assert not Transfer.objects.exists()


def test_it_lets_a_coordinator_grant_with_a_reason(
    client, community, coordinator, member, agency_staff
):
    confirmed(community, member, member, agency_staff, minutes=180)
    client.force_login(member)
    donate(client, community, hours="2")
    client.force_login(coordinator)
    response = grant(client, community, agency_staff)
    assert "Granted 1h00 from the community fund to Asha Staff." in text(response)
    assert fund_balance(community) == 60
    assert "Recovering from an operation" in text(response) and "Asha Staff" in text(response)


def test_it_keeps_who_and_why_to_coordinators(client, community, coordinator, member, agency_staff):
    confirmed(community, member, member, agency_staff, minutes=180)
    client.force_login(member)
    donate(client, community, hours="2")
    client.force_login(coordinator)
    grant(client, community, agency_staff)
    client.force_login(member)
    page = text(client.get(url(community)))
    assert "Grant from the community fund" in page and "−1h00" in page
    assert "Recovering from an operation" not in page and "Asha Staff" not in page
    assert "Grant hours from the fund" not in page


def test_it_needs_a_reason_and_enough_in_the_fund(client, community, coordinator, member):
    client.force_login(coordinator)
    response = grant(client, community, member, reason="")
    assert response.status_code == 400 and "Say why the grant is made." in text(response)
    response = grant(client, community, member, key="grant-key-2")
    assert (
        response.status_code == 400
        and "community fund does not have enough time credit" in text(response)
    )
    assert not Transfer.objects.exists()


def test_it_donates_for_the_member_a_coordinator_acts_for(
    client, community, coordinator, member, agency_staff
):
    confirmed(community, member, member, agency_staff, minutes=120)
    client.force_login(coordinator)
    client.post(reverse("web:acting_start", args=[community.slug, member.memberships.get().number]))
    assert "Give hours from Mo Member's account" in text(client.get(url(community)))
    donate(client, community)
    transfer = Transfer.objects.get(reason="donation")
    assert transfer.actor == coordinator and transfer.on_behalf_of == member
    assert accounts_selectors.account_of(community, member).balance_minutes == 60


def test_it_shows_group_exchanges_the_fund_paid_for(
    client, community, coordinator, member, agency_staff
):
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"group_exchange_payer": "fund"},
        reason="Vote",
    )
    confirmed(community, member, member, agency_staff, minutes=240)
    client.force_login(member)
    donate(client, community, hours="3")
    exchange = recorded(
        community, member, member, [agency_staff, coordinator], minutes=60, title="Knitting class"
    )
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    page = text(client.get(url(community)))
    assert "Group exchange" in page and "−1h00" in page and "Hours in the fund 2h00" in page


@pytest.mark.parametrize(
    "who, status",
    [
        ("member", 200),
        ("agency_staff", 200),
        ("coordinator", 200),
        ("outsider", 404),
        ("other_member", 404),
    ],
)
def test_it_shows_the_fund_to_members(client, community, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(community)).status_code == status


@pytest.mark.parametrize(
    "who, status",
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_lets_only_coordinators_grant(client, community, member, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert grant(client, community, member).status_code == status
    assert not Transfer.objects.exists()
