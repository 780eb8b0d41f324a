"""Recording hours: the form on /c/<slug>/exchanges/record/, two steps from a member's home."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from coproduce.communities.selectors.communities import local_today
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Exchange, ExchangeShape, ExchangeStatus
from coproduce.ledger.models import Transfer
from coproduce.web.middleware import ACTING_FOR_SESSION_KEY
from tests.conftest import make_person

from .conftest import code_of, text


def url(community):
    return reverse("web:exchange_record", args=[community.slug])


def form_data(other, community, **overrides):
    data = {
        "idempotency_key": "11111111-2222-3333-4444-555555555555",
        "direction": "gave",
        "person_1": code_of(other, community),
        "time_hours": "1",
        "time_minutes": "30",
        "effective_on": local_today(community).isoformat(),
        "title": "Weeding the front garden",
        "category": "Gardening",
        "note": "",
        "expense_currency": "GBP",
    }
    data.update(overrides)
    return data


def test_it_is_two_steps_from_home(client, community, member):
    client.force_login(member)
    home = client.get(reverse("web:home")).content.decode()
    link = re.search(r'<a class="button" href="([^"]+)">Record hours</a>', home)
    assert link and link.group(1) == url(community)
    page = client.get(link.group(1))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="idempotency_key"' in body and 'value="gave"' in body
    assert 'id="member-list"' in body


def test_it_records_hours_and_asks_the_other_side(client, community, member, agency_staff):
    client.force_login(member)
    response = client.post(url(community), form_data(agency_staff, community))
    exchange = Exchange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "web:exchange_detail", args=[community.slug, exchange.pk]
    )
    assert exchange.status == ExchangeStatus.RECORDED and exchange.minutes == 90
    assert [p.person for p in exchange.participants.filter(role="provider")] == [member]
    assert [p.person for p in exchange.participants.filter(role="recipient")] == [agency_staff]
    assert exchange.recorded_by == member and exchange.recorded_for == member
    assert not Transfer.objects.exists()
    page = text(client.get(response["Location"]))
    assert "Recorded. Asha Staff will be asked to confirm." in page
    assert "1h30" in page and "Waiting for confirmation" in page


def test_it_accepts_a_name_from_the_suggestions_and_received_help(
    client, community, member, agency_staff
):
    client.force_login(member)
    data = form_data(
        agency_staff,
        community,
        direction="received",
        person_1=f"Asha Staff ({code_of(agency_staff, community)})",
        time_hours="",
        time_minutes="45",
    )
    assert client.post(url(community), data).status_code == 302
    exchange = Exchange.objects.get()
    assert exchange.minutes == 45
    assert exchange.participants.get(role="provider").person == agency_staff


def test_it_finds_a_member_by_name(client, community, member, agency_staff):
    client.force_login(member)
    assert (
        client.post(
            url(community), form_data(agency_staff, community, person_1="asha staff")
        ).status_code
        == 302
    )
    assert Exchange.objects.get().participants.get(role="recipient").person == agency_staff


def test_it_records_a_group_in_one_exchange(client, community, member, agency_staff, coordinator):
    client.force_login(member)
    data = form_data(agency_staff, community, person_2=code_of(coordinator, community))
    assert client.post(url(community), data).status_code == 302
    exchange = Exchange.objects.get()
    assert exchange.shape == ExchangeShape.ONE_TO_MANY
    assert {p.person for p in exchange.participants.filter(role="recipient")} == {
        agency_staff,
        coordinator,
    }

    data = form_data(
        agency_staff,
        community,
        direction="received",
        person_2=code_of(coordinator, community),
        idempotency_key="another-key",
    )
    client.post(url(community), data)
    assert Exchange.objects.latest("id").shape == ExchangeShape.MANY_TO_ONE


def test_it_notes_an_expense_beside_the_hours(client, community, member, agency_staff):
    client.force_login(member)
    data = form_data(agency_staff, community, expense_amount="4.50", expense_note="Bus fare")
    response = client.post(url(community), data, follow=True)
    expense = Exchange.objects.get().expenses.get()
    assert (str(expense.amount), expense.currency, expense.note) == ("4.50", "GBP", "Bus fare")
    assert Exchange.objects.get().minutes == 90
    assert "4.50 GBP: Bus fare" in text(response)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"time_hours": "0", "time_minutes": "0"}, "Enter how long: more than zero."),
        ({"time_hours": "", "time_minutes": ""}, "Enter how long: more than zero."),
        ({"time_hours": "-1"}, "Enter 0 or more hours."),
        ({"time_minutes": "75"}, "Enter minutes from 0 to 59."),
        ({"time_hours": "9"}, "This community records at most 8h00 in one exchange."),
        ({"effective_on": "2999-01-01"}, "The date cannot be in the future."),
        ({"effective_on": "not a date"}, "Enter a real date."),
        ({"direction": ""}, "Choose whether you gave help or received it."),
        ({"title": ""}, "Say what the help was."),
        ({"person_1": ""}, "Say who it was: a name or a member number."),
        ({"person_1": "RIV-9999"}, "There is no member number RIV-9999 in Riverside."),
        ({"person_1": "Nobody Atall"}, "No member of Riverside is called “Nobody Atall”."),
        (
            {"expense_amount": "abc", "expense_note": "Seeds"},
            "Enter the amount as a number, such as 4.50.",
        ),
        ({"expense_amount": "4.50", "expense_note": ""}, "Say what each expense was for."),
        ({"idempotency_key": ""}, "This form is out of date."),
    ],
)
def test_it_refuses_bad_input_clearly_and_records_nothing(
    client, community, member, agency_staff, overrides, message
):
    client.force_login(member)
    response = client.post(url(community), form_data(agency_staff, community, **overrides))
    assert response.status_code == 400
    assert message in text(response)
    assert "There is a problem" in text(response)
    assert not Exchange.objects.exists()


def test_it_refuses_an_exchange_with_oneself(client, community, member):
    client.force_login(member)
    response = client.post(url(community), form_data(member, community))
    assert response.status_code == 400
    assert "Nobody can exchange time with themselves." in text(response)
    assert not Exchange.objects.exists()


def test_it_refuses_a_member_of_another_community(
    client, community, member, other_member, other_community
):
    client.force_login(member)
    response = client.post(url(community), form_data(other_member, other_community))
    assert response.status_code == 400
    assert f"{code_of(other_member, other_community)} is not a member number in Riverside." in text(
        response
    )
    response = client.post(
        url(community), form_data(other_member, other_community, person_1="Hana Hillside")
    )
    assert "No member of Riverside is called “Hana Hillside”." in text(response)
    assert not Exchange.objects.exists()


def test_it_asks_which_member_when_a_name_matches_several(client, community, member, agency_staff):
    for name in ("Sam Green", "Sam Brown"):
        memberships_services.membership_add(
            actor=None, community=community, person=make_person(None, name)
        )
    client.force_login(member)
    response = client.post(url(community), form_data(agency_staff, community, person_1="Sam"))
    assert response.status_code == 400
    assert "Several members match “Sam”" in text(response)
    assert not Exchange.objects.exists()


def test_it_refuses_an_archived_member(client, community, member, agency_staff, coordinator):
    offboarding_services.member_offboard(
        actor=coordinator, membership=agency_staff.memberships.get(), reason="Moved"
    )
    client.force_login(member)
    response = client.post(url(community), form_data(agency_staff, community))
    assert "is no longer an active member" in text(response)
    assert not Exchange.objects.exists()


def test_it_records_once_when_the_form_is_sent_twice(client, community, member, agency_staff):
    client.force_login(member)
    first = client.post(url(community), form_data(agency_staff, community))
    second = client.post(url(community), form_data(agency_staff, community))
    assert Exchange.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_it_refuses_a_resent_form_with_other_details(client, community, member, agency_staff):
    client.force_login(member)
    client.post(url(community), form_data(agency_staff, community))
    response = client.post(url(community), form_data(agency_staff, community, time_hours="2"))
    assert response.status_code == 400
    assert (
        "This form was already sent once with different details, so nothing was done this time."
        in text(response)
    )
    assert Exchange.objects.count() == 1
    assert Exchange.objects.get().minutes == 90


def test_it_gives_a_corrected_form_a_new_key(client, community, member, agency_staff):
    """A refused attempt stays refused under its key; the form shown again must not reuse it."""
    client.force_login(member)
    data = form_data(agency_staff, community, time_hours="9")
    response = client.post(url(community), data)
    new_key = re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode()).group(
        1
    )
    assert new_key != data["idempotency_key"]
    assert (
        client.post(
            url(community), form_data(agency_staff, community, idempotency_key=new_key)
        ).status_code
        == 302
    )
    assert Exchange.objects.count() == 1


def test_it_refuses_a_date_more_than_a_year_ago(client, community, member, agency_staff):
    client.force_login(member)
    old = (local_today(community) - dt.timedelta(days=400)).isoformat()
    response = client.post(url(community), form_data(agency_staff, community, effective_on=old))
    assert "more than a year ago" in text(response)


def test_it_lets_a_coordinator_record_for_an_offline_member(
    client, community, coordinator, member, agency_staff
):
    client.force_login(coordinator)
    client.post(reverse("web:acting_start", args=[community.slug, member.memberships.get().number]))
    assert client.session[ACTING_FOR_SESSION_KEY]
    page = client.get(url(community))
    assert "Record hours for Mo Member" in text(page) and "You are acting for Mo Member" in text(
        page
    )
    assert "Mo Member gave help" in text(page)
    response = client.post(url(community), form_data(agency_staff, community), follow=True)
    exchange = Exchange.objects.get()
    assert exchange.recorded_by == coordinator and exchange.recorded_for == member
    assert exchange.participants.get(role="provider").person == member
    event = AuditEvent.objects.get(action="exchange.record")
    assert event.actor == coordinator and event.on_behalf_of == member
    assert "entered by Cora Coordinator on their behalf" in text(response)


def test_it_refuses_acting_for_a_member_of_another_community(
    client, community, other_community, coordinator, other_member, agency_staff
):
    memberships_services.membership_add(
        actor=None, community=other_community, person=coordinator, roles=["coordinator"]
    )
    client.force_login(coordinator)
    client.post(
        reverse(
            "web:acting_start", args=[other_community.slug, other_member.memberships.get().number]
        )
    )
    response = client.post(url(community), form_data(agency_staff, community))
    assert response.status_code == 403
    assert "Stop acting for them" in text(response)
    assert not Exchange.objects.exists()


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("other_member", 404), ("agency_staff", 200)]
)
def test_it_is_for_members_of_the_community(client, community, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(community)).status_code == status


def test_it_sends_anonymous_visitors_to_sign_in(client, community):
    response = client.get(url(community))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.parametrize("typed", ["²", "99999999999999999999", "RIV-99999999999999999999", "٤٢"])
def test_it_copes_with_odd_member_numbers(client, community, member, agency_staff, typed):
    client.force_login(member)
    response = client.post(url(community), form_data(agency_staff, community, person_1=typed))
    assert response.status_code == 400
    assert not Exchange.objects.exists()
