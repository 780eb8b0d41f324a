"""An exchange's page: who may see it, what it shows, and reversing it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.models import Exchange
from coproduce.exchanges.services import answers as answers_services
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors.audit import ledger_audit
from tests.conftest import make_person

from .conftest import confirmed, recorded, text


def url(community, exchange):
    return reverse("web:exchange_detail", args=[community.slug, exchange.pk])


def balance(community, person):
    return accounts_selectors.account_of(community, person).balance_minutes


@pytest.mark.parametrize(
    "who, status",
    [
        ("member", 200),
        ("agency_staff", 200),
        ("coordinator", 200),
        ("outsider", 404),
        ("other_member", 404),
        ("stranger", 404),
    ],
)
def test_it_shows_an_exchange_to_its_people_and_coordinators_only(
    client, community, member, agency_staff, request, who, status
):
    exchange = recorded(community, member, member, agency_staff)
    if who == "stranger":
        viewer = make_person("third@example.org", "Third Member")
        memberships_services.membership_add(actor=None, community=community, person=viewer)
    else:
        viewer = request.getfixturevalue(who)
    client.force_login(viewer)
    assert client.get(url(community, exchange)).status_code == status


def test_it_is_not_found_in_another_community(
    client, community, other_community, member, agency_staff
):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(member)
    assert (
        client.get(
            reverse("web:exchange_detail", args=[other_community.slug, exchange.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("web:exchange_detail", args=[community.slug, 999999])).status_code == 404
    )


def test_it_shows_what_was_recorded_and_what_each_side_can_do(
    client, community, member, agency_staff
):
    exchange = recorded(
        community,
        member,
        member,
        agency_staff,
        note="Brought my own tools",
        expenses=[{"amount": "3.20", "currency": "GBP", "note": "Compost"}],
    )
    client.force_login(agency_staff)
    page = text(client.get(url(community, exchange)))
    for expected in (
        "Weeding the front garden",
        "Waiting for confirmation",
        "Gave help Mo Member",
        "Received help Asha Staff",
        "Time 1h30",
        "Kind of help Gardening",
        "Recorded by Mo Member",
        "Brought my own tools",
        "3.20 GBP: Compost",
        "Not yet: no hours have moved.",
        "Are these hours right?",
        "Confirm 1h30",
        "Something is wrong",
    ):
        assert expected in page, expected
    client.force_login(member)
    page = text(client.get(url(community, exchange)))
    assert "Waiting for the other side to confirm" in page
    assert "Confirm 1h30" not in page and "Something is wrong" in page
    assert "Reverse" not in page


def test_it_lets_a_coordinator_reverse_with_a_reason_both_sides_see(
    client, community, member, agency_staff, coordinator, django_capture_on_commit_callbacks
):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(coordinator)
    page = text(client.get(url(community, exchange)))
    assert "Reverse these hours" in page and "Hours posted On" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:exchange_reverse", args=[community.slug, exchange.pk]),
            {f"reverse-{exchange.pk}-reason": "Recorded twice by mistake"},
            follow=True,
        )
    assert "Reversed: 1h30. Both members have been told why." in text(response)
    assert (balance(community, member), balance(community, agency_staff)) == (0, 0)
    assert {tuple(m.to) for m in mail.outbox} >= {(member.email,), (agency_staff.email,)}
    for person in (member, agency_staff):
        client.force_login(person)
        page = text(client.get(url(community, exchange)))
        assert "Confirmed, then reversed" in page
        assert (
            "Reversed by Cora Coordinator" in page and "Reason: Recorded twice by mistake" in page
        )
        statement = text(client.get(reverse("web:statement", args=[community.slug])))
        assert "Reversal Reason: Recorded twice by mistake" in statement
    assert ledger_audit().clean


def test_it_refuses_reversing_twice(client, community, member, agency_staff, coordinator):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(coordinator)
    reverse_url = reverse("web:exchange_reverse", args=[community.slug, exchange.pk])
    client.post(reverse_url, {f"reverse-{exchange.pk}-reason": "Mistake"})
    assert "Reverse these hours" not in text(client.get(url(community, exchange)))
    response = client.post(reverse_url, {f"reverse-{exchange.pk}-reason": "Again"}, follow=True)
    assert "This transfer has already been reversed." in text(response)
    assert Transfer.objects.filter(reason="reversal").count() == 1


def test_it_asks_for_a_reason_to_reverse(client, community, member, agency_staff, coordinator):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(coordinator)
    response = client.post(
        reverse("web:exchange_reverse", args=[community.slug, exchange.pk]),
        {f"reverse-{exchange.pk}-reason": ""},
    )
    assert response.status_code == 400
    assert "Say why the hours are being reversed." in text(response)
    assert not Transfer.objects.filter(reason="reversal").exists()


def test_it_refuses_reversing_what_was_never_posted(
    client, community, member, agency_staff, coordinator
):
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(coordinator)
    response = client.post(
        reverse("web:exchange_reverse", args=[community.slug, exchange.pk]),
        {f"reverse-{exchange.pk}-reason": "Wrong"},
        follow=True,
    )
    assert "Nothing has been posted for this exchange" in text(response)


def test_it_explains_when_a_reversal_would_break_a_limit(
    client, community, member, agency_staff, coordinator
):
    exchange = confirmed(community, member, member, agency_staff, minutes=60)
    communities_services.rulebook_change(
        actor=coordinator, community=community, changes={"credit_floor_minutes": 0}, reason="Vote"
    )
    recorded_spend = recorded(
        community, agency_staff, agency_staff, member, minutes=60, title="Shopping"
    )
    answers_services.exchange_confirm(actor=member, exchange=recorded_spend)
    # Mo spent the hour with Asha; taking back the first hour would leave Mo below the floor.
    client.force_login(coordinator)
    response = client.post(
        reverse("web:exchange_reverse", args=[community.slug, exchange.pk]),
        {f"reverse-{exchange.pk}-reason": "Wrong"},
        follow=True,
    )
    assert "does not have enough time credit" in text(response)
    assert not Transfer.objects.filter(reason="reversal").exists()


@pytest.mark.parametrize(
    "who, status",
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_lets_only_coordinators_reverse(
    client, community, member, agency_staff, request, who, status
):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("web:exchange_reverse", args=[community.slug, exchange.pk]),
        {f"reverse-{exchange.pk}-reason": "Mine"},
    )
    assert response.status_code == status
    assert not Transfer.objects.filter(reason="reversal").exists()
    assert Exchange.objects.get().transfer is not None
