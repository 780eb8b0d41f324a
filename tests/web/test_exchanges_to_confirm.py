"""The "to confirm" list, and confirming, declining or disputing from it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.services import answers as answers_services
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors
from tests.conftest import make_person

from .conftest import recorded, text


def balance(community, person):
    account = accounts_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


def url(community):
    return reverse("web:exchanges_to_confirm", args=[community.slug])


def test_it_lists_what_waits_for_the_other_side(client, community, member, agency_staff):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    page = text(client.get(url(community)))
    assert "Weeding the front garden" in page and "1h30" in page and "Mo Member" in page
    assert "Confirm 1h30" in page and "Decline" in page and "Something is wrong" in page
    client.force_login(member)
    page = text(client.get(url(community)))
    assert "Nothing is waiting for you to confirm." in page
    assert reverse("web:exchange_confirm", args=[community.slug, exchange.pk]) not in page


def test_it_shows_the_count_on_the_member_home(client, community, member, agency_staff):
    recorded(community, member, member, agency_staff)
    recorded(community, member, agency_staff, member)
    client.force_login(agency_staff)
    home = client.get(reverse("web:home")).content.decode()
    assert re.search(rf'href="{url(community)}">To confirm \(2\)</a>', home)
    client.force_login(member)
    assert "To confirm (0)" in text(client.get(reverse("web:home")))


def test_it_counts_on_home_as_the_list_does(community, member, agency_staff, coordinator):
    """The home badge's one-query count follows the list's rule, groups included."""
    recorded(community, member, member, [agency_staff, coordinator])
    recorded(community, coordinator, [coordinator, member], agency_staff)
    done = recorded(community, agency_staff, agency_staff, member)
    answers_services.exchange_decline(actor=member, exchange=done, reason="No")
    for person in (member, agency_staff, coordinator):
        listed = len(exchanges_selectors.exchanges_to_confirm(community, person))
        assert exchanges_selectors.to_confirm_counts(person).get(community.pk, 0) == listed
    # The rule's edges, made by hand: no recorder, and a recorder outside the exchange (both
    # sides may answer, says exchanges.access.answer_refusal).
    from coproduce.exchanges.models import Exchange

    loose = recorded(community, member, member, agency_staff)
    stranger = recorded(community, agency_staff, agency_staff, member)
    Exchange.objects.filter(pk=loose.pk).update(recorded_for=None)
    Exchange.objects.filter(pk=stranger.pk).update(recorded_for=coordinator)
    for person in (member, agency_staff, coordinator):
        listed = exchanges_selectors.exchanges_to_confirm(community, person)
        assert exchanges_selectors.to_confirm_counts(person).get(community.pk, 0) == len(listed)
    assert {loose.pk, stranger.pk} <= {
        e.pk for e in exchanges_selectors.exchanges_to_confirm(community, member)
    }


def test_it_confirms_and_posts_the_hours(client, community, member, agency_staff):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    response = client.post(
        reverse("web:exchange_confirm", args=[community.slug, exchange.pk]),
        {"back": "to_confirm"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url(community)
    assert "Confirmed: 1h30 for Weeding the front garden. The hours are posted." in text(response)
    assert (balance(community, member), balance(community, agency_staff)) == (90, -90)
    assert Exchange.objects.get().status == ExchangeStatus.CONFIRMED


def test_it_refuses_confirming_twice(client, community, member, agency_staff):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    confirm = reverse("web:exchange_confirm", args=[community.slug, exchange.pk])
    client.post(confirm)
    response = client.post(confirm, follow=True)
    assert "This exchange is not waiting for an answer: it is confirmed." in text(response)
    assert Transfer.objects.count() == 1 and balance(community, member) == 90


def test_it_refuses_confirming_ones_own_record(client, community, member, agency_staff):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(member)
    response = client.post(reverse("web:exchange_confirm", args=[community.slug, exchange.pk]))
    assert response.status_code == 403
    assert "you cannot confirm or decline hours your side recorded" in text(response)
    assert not Transfer.objects.exists()
    assert Exchange.objects.get().status == ExchangeStatus.RECORDED


def test_it_explains_when_the_recipient_lacks_credit(
    client, community, coordinator, member, agency_staff
):
    communities_services.rulebook_change(
        actor=coordinator, community=community, changes={"credit_floor_minutes": 0}, reason="Vote"
    )
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    response = client.post(
        reverse("web:exchange_confirm", args=[community.slug, exchange.pk]), follow=True
    )
    assert "Asha Staff does not have enough time credit" in text(response)
    assert not Transfer.objects.exists()


def test_it_declines_with_a_reason(client, community, member, agency_staff):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    response = client.post(
        reverse("web:exchange_decline", args=[community.slug, exchange.pk]),
        {f"decline-{exchange.pk}-reason": "It was one hour", "back": "to_confirm"},
        follow=True,
    )
    assert "Declined. No hours were posted." in text(response)
    exchange.refresh_from_db()
    assert (
        exchange.status == ExchangeStatus.DECLINED and exchange.decision_note == "It was one hour"
    )
    assert not Transfer.objects.exists()
    client.force_login(member)
    page = text(client.get(reverse("web:exchange_detail", args=[community.slug, exchange.pk])))
    assert "Reason for declining It was one hour" in page


def test_it_asks_for_a_reason_to_decline(client, community, member, agency_staff):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    response = client.post(
        reverse("web:exchange_decline", args=[community.slug, exchange.pk]),
        {f"decline-{exchange.pk}-reason": "  "},
    )
    assert response.status_code == 400
    assert "Say why, so the other person understands." in text(response)
    assert Exchange.objects.get().status == ExchangeStatus.RECORDED


def test_it_flags_a_dispute_for_a_coordinator(client, community, member, agency_staff, coordinator):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    response = client.post(
        reverse("web:exchange_dispute", args=[community.slug, exchange.pk]),
        {f"dispute-{exchange.pk}-reason": "This never happened"},
        follow=True,
    )
    assert "A coordinator will look into it" in text(response)
    assert Exchange.objects.get().status == ExchangeStatus.DISPUTED
    response = client.post(
        reverse("web:exchange_dispute", args=[community.slug, exchange.pk]),
        {f"dispute-{exchange.pk}-reason": "Again"},
        follow=True,
    )
    assert "not waiting for an answer: it is disputed" in text(response)
    response = client.post(
        reverse("web:exchange_dispute", args=[community.slug, exchange.pk]),
        {f"dispute-{exchange.pk}-reason": ""},
    )
    assert response.status_code == 400 and "Say what is wrong." in text(response)


def test_it_lets_a_coordinator_confirm_for_an_offline_member(
    client, community, coordinator, member, agency_staff
):
    exchange = recorded(community, agency_staff, agency_staff, member)
    client.force_login(coordinator)
    client.post(reverse("web:acting_start", args=[community.slug, member.memberships.get().number]))
    page = text(client.get(url(community)))
    assert "Hours for Mo Member to confirm" in page and "Weeding the front garden" in page
    client.post(reverse("web:exchange_confirm", args=[community.slug, exchange.pk]))
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CONFIRMED and exchange.decided_by == member
    assert exchange.transfer.actor == coordinator and exchange.transfer.on_behalf_of == member
    event = AuditEvent.objects.get(action="exchange.confirm")
    assert event.actor == coordinator and event.on_behalf_of == member


def test_it_lets_a_coordinator_decline_for_an_offline_member(
    client, community, coordinator, member, agency_staff
):
    exchange = recorded(community, agency_staff, agency_staff, member)
    client.force_login(coordinator)
    client.post(reverse("web:acting_start", args=[community.slug, member.memberships.get().number]))
    client.post(
        reverse("web:exchange_decline", args=[community.slug, exchange.pk]),
        {f"decline-{exchange.pk}-reason": "She says it was shorter"},
    )
    event = AuditEvent.objects.get(action="exchange.decline")
    assert event.actor == coordinator and event.on_behalf_of == member


@pytest.mark.parametrize("who, status", [("outsider", 404), ("other_member", 404)])
def test_it_hides_the_list_from_outsiders(client, community, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(community)).status_code == status


@pytest.mark.parametrize("who", ["outsider", "other_member", "coordinator"])
def test_it_refuses_answers_from_outside_the_exchange(
    client, community, member, agency_staff, request, who
):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("web:exchange_confirm", args=[community.slug, exchange.pk]))
    # Outsiders learn nothing; a coordinator sees it but is not a side of it.
    assert response.status_code == (403 if who == "coordinator" else 404)
    assert not Transfer.objects.exists()


def test_it_only_accepts_post_for_answers(client, community, member, agency_staff):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    for name in ("web:exchange_confirm", "web:exchange_decline", "web:exchange_dispute"):
        assert client.get(reverse(name, args=[community.slug, exchange.pk])).status_code == 405


def test_it_reads_a_fixed_number_of_queries(
    client, community, member, agency_staff, django_assert_num_queries
):
    def people(n):
        made = []
        for i in range(n):
            person = make_person(None, f"Neighbour {i}")
            memberships_services.membership_add(actor=None, community=community, person=person)
            made.append(person)
        return made

    client.force_login(agency_staff)
    recorded(
        community, member, member, agency_staff, expenses=[{"amount": "2.00", "note": "Seeds"}]
    )
    with django_assert_num_queries(QUERIES):
        client.get(url(community))
    for person in people(6):
        recorded(
            community, person, person, agency_staff, expenses=[{"amount": "1.50", "note": "Bus"}]
        )
    recorded(community, member, member, [agency_staff, *people(2)])
    with django_assert_num_queries(QUERIES):
        response = client.get(url(community))
    assert text(response).count("Confirm ") >= 8


QUERIES = 7  # with the unread notifications count in the header
