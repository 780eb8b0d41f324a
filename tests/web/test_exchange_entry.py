"""Coordinators enter brokered exchanges and paper slips for members who are offline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.communities.selectors.communities import local_today
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import EntryMethod, Exchange, ExchangeStatus
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors

from .conftest import code_of, text


def broker_url(community):
    return reverse("web:exchange_broker", args=[community.slug])


def slip_url(community):
    return reverse("web:exchange_slip", args=[community.slug])


def entry(community, giver_person, receiver_person, **overrides):
    data = {
        "idempotency_key": "entry-key-1",
        "giver": code_of(giver_person, community),
        "receiver": code_of(receiver_person, community),
        "time_hours": "2",
        "time_minutes": "0",
        "effective_on": local_today(community).isoformat(),
        "title": "Lift to the hospital",
        "category": "Transport",
        "note": "",
    }
    data.update(overrides)
    return data


def balance(community, person):
    account = accounts_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


def test_it_links_the_entry_pages_from_the_dashboard(client, community, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("web:coordinator_dashboard", args=[community.slug])).content.decode()
    for target in (
        broker_url(community),
        slip_url(community),
        reverse("web:exchange_disputes", args=[community.slug]),
        reverse("web:fund", args=[community.slug]),
    ):
        assert f'href="{target}"' in page


def test_it_enters_a_brokered_exchange_and_posts_it(
    client, community, coordinator, member, agency_staff
):
    client.force_login(coordinator)
    assert "Enter a brokered exchange" in text(client.get(broker_url(community)))
    response = client.post(
        broker_url(community), entry(community, member, agency_staff), follow=True
    )
    exchange = Exchange.objects.get()
    assert exchange.method == EntryMethod.BROKERED and exchange.status == ExchangeStatus.CONFIRMED
    assert (balance(community, member), balance(community, agency_staff)) == (120, -120)
    assert "Entered and posted: Mo Member gave Asha Staff 2h00." in text(response)
    assert AuditEvent.objects.filter(action="exchange.brokered", actor=coordinator).exists()


def test_it_enters_a_paper_slip_once(client, community, coordinator, member, agency_staff):
    client.force_login(coordinator)
    response = client.post(
        slip_url(community),
        entry(community, member, agency_staff, slip_number="A-0042"),
        follow=True,
    )
    assert "slip A-0042" in text(response)
    assert Exchange.objects.get().method == EntryMethod.PAPER_SLIP
    again = client.post(
        slip_url(community),
        entry(community, member, agency_staff, slip_number="A-0042", idempotency_key="entry-key-2"),
    )
    assert again.status_code == 400
    assert "Paper slip A-0042 was already entered on" in text(again)
    assert Exchange.objects.count() == 1 and Transfer.objects.count() == 1
    assert balance(community, member) == 120


def test_it_needs_a_slip_number_for_a_slip(client, community, coordinator, member, agency_staff):
    client.force_login(coordinator)
    response = client.post(slip_url(community), entry(community, member, agency_staff))
    assert response.status_code == 400 and "Give the slip number." in text(response)
    assert not Exchange.objects.exists()


def test_it_enters_once_when_sent_twice(client, community, coordinator, member, agency_staff):
    client.force_login(coordinator)
    client.post(broker_url(community), entry(community, member, agency_staff))
    client.post(broker_url(community), entry(community, member, agency_staff))
    assert Exchange.objects.count() == 1 and balance(community, member) == 120


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"time_hours": "0", "time_minutes": "0"}, "Enter how long: more than zero."),
        ({"time_hours": "25"}, "This community records at most 8h00 in one exchange."),
        ({"effective_on": "2999-12-31"}, "The date cannot be in the future."),
        ({"giver": "RIV-9999"}, "There is no member number RIV-9999 in Riverside."),
        ({"receiver": ""}, "Say who it was: a name or a member number."),
    ],
)
def test_it_refuses_bad_entries(
    client, community, coordinator, member, agency_staff, overrides, message
):
    client.force_login(coordinator)
    response = client.post(
        broker_url(community), entry(community, member, agency_staff, **overrides)
    )
    assert response.status_code == 400 and message in text(response)
    assert not Exchange.objects.exists() and not Transfer.objects.exists()


def test_it_refuses_the_same_member_on_both_sides(client, community, coordinator, member):
    client.force_login(coordinator)
    response = client.post(broker_url(community), entry(community, member, member))
    assert "Nobody can exchange time with themselves." in text(response)
    assert not Exchange.objects.exists()


def test_it_refuses_a_member_of_another_community(
    client, community, coordinator, member, other_member, other_community
):
    client.force_login(coordinator)
    data = entry(community, member, member, receiver=code_of(other_member, other_community))
    response = client.post(broker_url(community), data)
    assert "is not a member number in Riverside" in text(response)
    assert not Exchange.objects.exists()


def test_it_explains_a_limit(client, community, coordinator, member, agency_staff):
    client.force_login(coordinator)
    response = client.post(
        broker_url(community), entry(community, member, agency_staff, time_hours="8")
    )
    assert response.status_code == 302
    response = client.post(
        broker_url(community),
        entry(community, member, agency_staff, time_hours="3", idempotency_key="entry-key-2"),
    )
    assert response.status_code == 400
    assert "Asha Staff does not have enough time credit" in text(response)
    assert Exchange.objects.count() == 1


@pytest.mark.parametrize(
    "who, status",
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_is_for_coordinators_only(client, community, member, agency_staff, request, who, status):
    client.force_login(request.getfixturevalue(who))
    for target in (broker_url(community), slip_url(community)):
        assert client.get(target).status_code == status
        assert (
            client.post(target, entry(community, member, agency_staff, slip_number="9")).status_code
            == status
        )
    assert not Exchange.objects.exists()
