"""An agency's hours account on its page: its staff and the coordinators see the balance, and a
coordinator funds it from the community fund or from issuance (one ledger transfer, once however
often the form is sent), so a register can credit members under the default rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.coproduction.models import Agency, SessionStatus
from coproduce.coproduction.services import agencies, register, sessions
from coproduce.coproduction.services.register import RegisterLine
from coproduce.exchanges.services import fund as fund_services
from coproduce.ledger import errors
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from tests.web.conftest import text

from ..api.conftest import assert_error, bearer, post
from .test_register import balance, held_yesterday


def page_url(agency):
    return reverse("web:agency_detail", args=[agency.community.slug, agency.slug])


def fund_url(agency):
    return reverse("web:agency_fund", args=[agency.community.slug, agency.slug])


def form(key="fund-key-1", **values):
    data = {
        "idempotency_key": key,
        "source": "issuance",
        "time_hours": "10",
        "time_minutes": "0",
        "note": "Budget for the spring sessions",
    }
    data.update(values)
    return data


def agency_balance(agency) -> int:
    return accounts_selectors.account_get(agency.community, agency.account_id).balance_minutes


def ledger_state():
    return Transfer.objects.count(), sorted(Transfer.objects.values_list("id", flat=True))


def test_a_web_made_agency_credits_a_register_once_a_coordinator_funds_it(
    client, community, coordinator, agency_staff, member
):
    # The agency is made in the web, as a coordinator would.
    client.force_login(coordinator)
    response = client.post(
        reverse("web:agency_create", args=[community.slug]),
        {"name": "Millbrook Surgery", "kind": "gp_practice", "place": "Mill Lane"},
    )
    assert response.status_code == 302
    agency = Agency.objects.get(name="Millbrook Surgery")
    agencies.staff_add(actor=coordinator, agency=agency, person=agency_staff, role="admin")
    role = agencies.role_create(
        actor=coordinator,
        agency=agency,
        title="Welcome host",
        description="Greet people in the waiting room.",
        commitment="2 hours a week",
    )
    role = agencies.role_publish(actor=coordinator, role=role)
    start = timezone.now() + dt.timedelta(days=1)
    session = sessions.session_create(
        actor=agency_staff,
        role=role,
        place="Waiting room",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=4,
    )
    sessions.signup_create(actor=member, session=session)
    held_yesterday(session)
    register.register_save(
        actor=agency_staff, session=session, lines=[RegisterLine(member, True, 120)]
    )
    # Under the default rules the credits come from the agency's account, which is empty.
    page = text(client.get(page_url(agency)))
    assert "Hours in the account 0h00" in page and "It is empty" in page
    with pytest.raises(errors.LimitExceeded):
        register.register_confirm(
            actor=agency_staff, session=session, idempotency_key="before-funding"
        )
    # The coordinator funds it from the page.
    response = client.post(fund_url(agency), form(time_hours="4"))
    assert response.status_code == 302 and response["Location"] == page_url(agency) + "#account"
    page = text(client.get(response["Location"]))
    assert "4h00 moved from new credits issued to Millbrook Surgery's account." in page
    assert "Hours in the account 4h00" in page and "It is empty" not in page
    confirmed = register.register_confirm(
        actor=agency_staff, session=session, idempotency_key="after-funding"
    )
    assert confirmed.status == SessionStatus.REGISTERED
    assert balance(community, member) == 120 and agency_balance(agency) == 120
    assert ledger_audit([community.pk]).clean


def test_it_funds_from_the_community_fund_once_for_a_double_click(
    client, community, coordinator, member, agency
):
    fund_services.fund_donate(
        actor=member, community=community, person=member, minutes=300, idempotency_key="donation"
    )
    client.force_login(coordinator)
    data = form(source="fund", time_hours="3")
    first = client.post(fund_url(agency), data)
    second = client.post(fund_url(agency), data)
    assert first.status_code == second.status_code == 302
    funding = Transfer.objects.filter(related_type="agency", related_id=str(agency.pk))
    assert funding.count() == 1 and funding.get().reason == "grant"
    assert (
        funding.get().memo == "Budget for the spring sessions"
        and funding.get().actor == coordinator
    )
    assert agency_balance(agency) == 180
    assert accounts_selectors.system_account(community, "fund").balance_minutes == 120


def test_it_refuses_more_than_the_fund_has_and_moves_nothing(
    client, community, coordinator, member, agency
):
    fund_services.fund_donate(
        actor=member, community=community, person=member, minutes=60, idempotency_key="donation"
    )
    client.force_login(coordinator)
    before = ledger_state()
    response = client.post(fund_url(agency), form(source="fund", time_hours="2"))
    assert response.status_code == 400
    page = text(response)
    assert (
        "The community fund has 1h00: not enough to give 2h00. Give less, or issue new credits "
        "instead." in page
    )
    assert ledger_state() == before and agency_balance(agency) == 0
    # The form comes back with a new key, so the corrected amount goes through.
    key = response.context["fund_form"]["idempotency_key"].value()
    assert key != "fund-key-1"
    assert (
        client.post(fund_url(agency), form(key=key, source="fund", time_hours="1")).status_code
        == 302
    )
    assert agency_balance(agency) == 60


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"time_hours": "0", "time_minutes": "0"}, "Enter how long: more than zero."),
        ({"time_hours": "10001"}, "That is far too many hours."),
        ({"source": "thin-air"}, "Select a valid choice."),
        ({"note": "x" * 501}, "at most 500 characters"),
    ],
)
def test_it_refuses_bad_input_on_the_form(client, coordinator, agency, values, message):
    client.force_login(coordinator)
    before = ledger_state()
    response = client.post(fund_url(agency), form(**values))
    assert response.status_code == 400 and message in text(response)
    assert ledger_state() == before


def test_it_refuses_an_archived_agency(client, coordinator, agency):
    agencies.agency_archive(actor=coordinator, agency=agency)
    client.force_login(coordinator)
    response = client.post(fund_url(agency), form())
    assert response.status_code == 400 and "This agency has been archived." in text(response)
    assert agency_balance(agency) == 0


@pytest.mark.parametrize(
    ("person", "status"),
    [("member", 403), ("agency_admin", 403), ("outsider", 404), ("other_member", 404)],
)
def test_only_coordinators_fund_an_agency(client, request, agency, person, status):
    client.force_login(request.getfixturevalue(person))
    before = ledger_state()
    assert client.post(fund_url(agency), form()).status_code == status
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("person", "sees", "funds"),
    [("coordinator", True, True), ("agency_admin", True, False), ("member", False, False)],
)
def test_the_page_shows_the_account_to_staff_and_coordinators(
    client, request, agency, person, sees, funds
):
    client.force_login(request.getfixturevalue(person))
    page = text(client.get(page_url(agency)))
    assert ("Hours account" in page) is sees
    assert (f"Fund {agency.name}" in page) is funds


def test_it_shows_a_balance_funded_through_the_api(client, community, coordinator, agency):
    """Funding through the existing API (a transfer from issuance to the agency's account) shows on
    the page; a transfer over the fund's limit is 409 there and changes nothing."""
    accounts = client.get(
        "/api/v1/communities/riverside/accounts?limit=100", headers=bearer(coordinator)
    ).json()
    assert agency.account_id in {a["id"] for a in accounts["items"]}
    issuance = accounts_services.issuance_account(community)
    fund = accounts_services.fund_account(community)
    headers = bearer(coordinator)
    url = "/api/v1/communities/riverside/transfers"
    before = ledger_state()
    assert_error(
        post(
            client,
            url,
            {
                "legs": [
                    {"account_id": fund.pk, "amount_minutes": -60},
                    {"account_id": agency.account_id, "amount_minutes": 60},
                ],
                "reason": "grant",
                "memo": "From the fund",
            },
            headers,
        ),
        409,
        "limit_exceeded",
    )
    assert ledger_state() == before
    response = post(
        client,
        url,
        {
            "legs": [
                {"account_id": issuance.pk, "amount_minutes": -300},
                {"account_id": agency.account_id, "amount_minutes": 300},
            ],
            "reason": "issuance",
            "memo": "Starting budget",
        },
        headers,
    )
    assert response.status_code == 201, response.content
    client.force_login(coordinator)
    assert "Hours in the account 5h00" in text(client.get(page_url(agency)))


def test_the_page_with_a_refused_funding_is_accessible(client, coordinator, agency):
    from tests.web.test_pages import assert_accessible

    client.force_login(coordinator)
    assert_accessible(client.get(page_url(agency)), page_url(agency))
    response = client.post(fund_url(agency), form(source="fund"))
    assert response.status_code == 400
    assert_accessible(response, fund_url(agency))
