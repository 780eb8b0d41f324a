"""The community's check rules on the web: recording hours, a coordinator's brokered entry and
posting a listing are refused on the form with the check needed and whom to ask, changing
nothing; a listing's page says so in place of "Record hours for this offer"."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import CheckKind, CheckResult
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.exchanges.models import Exchange, Listing
from coproduce.exchanges.services import listings as listings_services
from coproduce.ledger.models import Transfer

from .conftest import text
from .test_exchange_entry import broker_url, entry
from .test_exchange_record import form_data, url
from .test_listings import category
from .test_listings import form_data as listing_form

REFUSED = (
    "One-to-one help in a public place needs the check level “ID checked” in Riverside: an ID "
    "check. You have not had an ID check yet. Ask a coordinator (Cora Coordinator) to arrange it."
)


@pytest.fixture
def founding_rules(community, coordinator):
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"vetting_one_to_one": 1},
        reason="Back to the founding rule",
    )
    return community


def id_check(coordinator, community, *people):
    for person in people:
        vetting_services.check_record(
            actor=coordinator,
            community=community,
            person=person,
            kind=CheckKind.ID_SEEN,
            result=CheckResult.PASSED,
            checked_on=timezone.localdate(),
        )


def test_it_refuses_recording_hours_on_the_form_until_checked(
    client, founding_rules, coordinator, member, agency_staff
):
    community = founding_rules
    client.force_login(member)
    response = client.post(url(community), form_data(agency_staff, community))
    assert response.status_code == 400
    assert REFUSED in text(response)
    assert not Exchange.objects.exists()
    id_check(coordinator, community, member)
    response = client.post(
        url(community), form_data(agency_staff, community, idempotency_key="second-try")
    )
    assert response.status_code == 400
    page = text(response)
    assert (
        "Asha Staff has not had the check this needs yet; a coordinator of Riverside can arrange "
        "it." in page
    )
    assert not Exchange.objects.exists()
    id_check(coordinator, community, agency_staff)
    response = client.post(
        url(community), form_data(agency_staff, community, idempotency_key="third-try")
    )
    assert response.status_code == 302 and Exchange.objects.count() == 1


def test_it_refuses_a_brokered_entry_for_members_not_checked(
    client, founding_rules, coordinator, member, agency_staff
):
    community = founding_rules
    client.force_login(coordinator)
    response = client.post(broker_url(community), entry(community, member, agency_staff))
    assert response.status_code == 400
    assert (
        "Mo Member has not had an ID check yet. Record the check on their member page once it is "
        "done." in text(response)
    )
    assert not Exchange.objects.exists() and not Transfer.objects.exists()
    id_check(coordinator, community, member, agency_staff)
    response = client.post(
        broker_url(community), entry(community, member, agency_staff, idempotency_key="again")
    )
    assert response.status_code == 302 and Transfer.objects.count() == 1


def test_it_refuses_posting_an_in_person_listing_on_the_form(
    client, founding_rules, coordinator, member
):
    community = founding_rules
    client.force_login(member)
    create = reverse("web:listing_create", args=[community.slug])
    response = client.post(create, listing_form())
    assert response.status_code == 400
    body = response.content.decode()
    assert REFUSED in text(response)
    assert 'id="id_mode_error"' in body  # the note is on the "Where?" field
    assert not Listing.objects.exists()
    assert client.post(create, listing_form(mode="remote")).status_code == 302
    id_check(coordinator, community, member)
    assert client.post(create, listing_form()).status_code == 302
    assert Listing.objects.count() == 2


def test_it_shows_the_reason_in_place_of_record_hours(
    client, founding_rules, coordinator, member, agency_staff
):
    community = founding_rules
    id_check(coordinator, community, agency_staff)
    listing = listings_services.listing_create(
        actor=agency_staff,
        community=community,
        kind="offer",
        title="Help in the garden",
        category=category().pk,
    )
    detail = reverse("web:listing_detail", args=[community.slug, listing.pk])
    client.force_login(member)
    response = client.get(detail)
    page = text(response)
    assert "Before you can record hours for this" in page and REFUSED in page
    assert "Record hours for this" not in page
    assert (
        reverse("web:conversation_new", args=[community.slug, coordinator.memberships.get().number])
        in response.content.decode()
    )
    id_check(coordinator, community, member)
    page = text(client.get(detail))
    assert "Record hours for this" in page and "Before you can record hours for this" not in page


def test_it_offers_arranging_remote_help_without_a_check(
    client, founding_rules, member, agency_staff
):
    listing = listings_services.listing_create(
        actor=agency_staff,
        community=founding_rules,
        kind="offer",
        mode="remote",
        title="A weekly phone call",
        category=category().pk,
    )
    client.force_login(member)
    page = text(client.get(reverse("web:listing_detail", args=[founding_rules.slug, listing.pk])))
    assert "Record hours for this" in page and "Before you can record hours for this" not in page


def test_the_listing_page_with_the_reason_is_accessible(
    client, founding_rules, coordinator, member, agency_staff
):
    from .test_pages import assert_accessible

    id_check(coordinator, founding_rules, agency_staff)
    listing = listings_services.listing_create(
        actor=agency_staff,
        community=founding_rules,
        kind="offer",
        title="Help in the garden",
        category=category().pk,
    )
    client.force_login(member)
    url = reverse("web:listing_detail", args=[founding_rules.slug, listing.pk])
    assert_accessible(client.get(url), url)
