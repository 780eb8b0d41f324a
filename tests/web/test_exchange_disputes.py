"""Coordinators settle disputed exchanges."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.exchanges.services import answers as answers_services
from coproduce.ledger.models import Transfer

from .conftest import recorded, text


def url(community):
    return reverse("web:exchange_disputes", args=[community.slug])


@pytest.fixture
def disputed(community, member, agency_staff):
    exchange = recorded(community, member, member, agency_staff)
    return answers_services.exchange_dispute(
        actor=agency_staff, exchange=exchange, reason="It never happened"
    )


def settle(client, community, exchange, outcome, note="Spoke to both of them", back="disputes"):
    return client.post(
        reverse("web:exchange_settle", args=[community.slug, exchange.pk]),
        {
            f"settle-{exchange.pk}-note": note,
            f"settle-{exchange.pk}-outcome": outcome,
            "back": back,
        },
        follow=True,
    )


def test_it_lists_disputes_with_what_is_wrong(client, community, coordinator, disputed):
    client.force_login(coordinator)
    page = text(client.get(url(community)))
    assert "Weeding the front garden" in page and "What is wrong: It never happened" in page
    assert "Confirm: post the hours" in page and "Decline: post nothing" in page


def test_it_settles_by_confirming(client, community, coordinator, disputed):
    client.force_login(coordinator)
    response = settle(client, community, disputed, "confirm")
    assert response.redirect_chain[-1][0] == url(community)
    assert "Settled: the hours are posted." in text(
        response
    ) and "No exchanges are disputed." in text(response)
    exchange = Exchange.objects.get()
    assert exchange.status == ExchangeStatus.CONFIRMED and exchange.transfer is not None
    assert exchange.decision_note == "Spoke to both of them"


def test_it_settles_by_declining(client, community, coordinator, disputed, member):
    client.force_login(coordinator)
    assert "Settled: declined, no hours were posted." in text(
        settle(client, community, disputed, "decline")
    )
    assert (
        Exchange.objects.get().status == ExchangeStatus.DECLINED and not Transfer.objects.exists()
    )
    client.force_login(member)
    page = text(client.get(reverse("web:exchange_detail", args=[community.slug, disputed.pk])))
    assert "Declined" in page and "Spoke to both of them" in page


def test_it_asks_how_it_was_settled(client, community, coordinator, disputed):
    client.force_login(coordinator)
    response = settle(client, community, disputed, "confirm", note="")
    assert response.status_code == 400 and "Record how the dispute was settled." in text(response)
    assert Exchange.objects.get().status == ExchangeStatus.DISPUTED


def test_it_refuses_settling_twice(client, community, coordinator, disputed):
    client.force_login(coordinator)
    settle(client, community, disputed, "confirm")
    response = settle(client, community, disputed, "confirm")
    assert "Only a disputed exchange can be settled this way." in text(response)
    assert Transfer.objects.count() == 1


def test_it_offers_settling_on_the_exchange_page(client, community, coordinator, disputed):
    client.force_login(coordinator)
    page = text(client.get(reverse("web:exchange_detail", args=[community.slug, disputed.pk])))
    assert "Settle the dispute" in page and "What is wrong It never happened" in page
    response = settle(client, community, disputed, "confirm", back="")
    assert response.redirect_chain[-1][0] == reverse(
        "web:exchange_detail", args=[community.slug, disputed.pk]
    )


@pytest.mark.parametrize(
    "who, status",
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_is_for_coordinators_only(client, community, disputed, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(community)).status_code == status
    response = client.post(
        reverse("web:exchange_settle", args=[community.slug, disputed.pk]),
        {f"settle-{disputed.pk}-note": "Mine", f"settle-{disputed.pk}-outcome": "confirm"},
    )
    assert response.status_code == status
    assert Exchange.objects.get().status == ExchangeStatus.DISPUTED


def test_it_reads_a_fixed_number_of_queries(
    client, community, coordinator, member, agency_staff, django_assert_num_queries
):
    client.force_login(coordinator)
    for i in range(2):
        exchange = recorded(community, member, member, agency_staff, title=f"Job {i}")
        answers_services.exchange_dispute(actor=member, exchange=exchange, reason="Wrong")
    # 8: the exchanges' disputes (issue 12) are read in one more query.
    with django_assert_num_queries(8):
        client.get(url(community))
    for i in range(5):
        exchange = recorded(community, member, member, agency_staff, title=f"More {i}")
        answers_services.exchange_dispute(actor=member, exchange=exchange, reason="Wrong")
    with django_assert_num_queries(8):
        client.get(url(community))
