"""Arranging an exchange from a listing: the listing page leads to the record-hours form, filled
in from the listing, and the recorded exchange links back to it."""

from __future__ import annotations

from django.urls import reverse

from coproduce.core.models import AuditEvent
from coproduce.exchanges import services
from coproduce.exchanges.models import Exchange

from .conftest import code_of, text
from .test_exchange_record import form_data


def listing_of(community, owner, **kw):
    values = {"kind": "offer", "title": "Help setting up a laptop", "category": "computer-help"}
    values.update(kw)
    return services.listing_create(actor=owner, community=community, **values)


def record_url(community, listing=None):
    url = reverse("web:exchange_record", args=[community.slug])
    return f"{url}?listing={listing.pk}" if listing else url


def test_it_offers_arranging_to_members_other_than_the_owner(client, community, member, agency_staff):
    listing = listing_of(community, agency_staff)
    detail = reverse("web:listing_detail", args=[community.slug, listing.pk])
    client.force_login(member)
    page = client.get(detail).content.decode()
    assert f'href="{record_url(community, listing)}"' in page and "Arrange an exchange" in page
    client.force_login(agency_staff)
    assert "Arrange an exchange" not in text(client.get(detail))


def test_it_fills_in_the_form_from_an_offer(client, community, member, agency_staff):
    listing = listing_of(community, agency_staff)
    client.force_login(member)
    response = client.get(record_url(community, listing))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["person_1"] == f"Asha Staff ({code_of(agency_staff, community)})"
    assert form.initial["title"] == "Help setting up a laptop" and form.initial["category"] == "Computer help"
    assert form.initial["direction"] == "received"  # an offer: the owner gives the help
    assert form.initial["listing_id"] == listing.pk
    body = response.content.decode()
    assert f'name="listing_id" value="{listing.pk}"' in body
    assert "Arranged from this offer: Help setting up a laptop" in text(response)
    request = listing_of(community, agency_staff, kind="request", title="Lift to the clinic",
                         category="lifts-to-appointments")
    assert client.get(record_url(community, request)).context["form"].initial["direction"] == "gave"


def test_it_records_an_exchange_linked_to_the_listing(client, community, member, agency_staff):
    listing = listing_of(community, agency_staff)
    client.force_login(member)
    response = client.post(record_url(community), form_data(
        agency_staff, community, direction="received", listing_id=str(listing.pk), category="Something else",
        title="Laptop set up"))
    assert response.status_code == 302
    exchange = Exchange.objects.get()
    assert exchange.listing_id == listing.pk
    assert exchange.category == "Computer help"  # from the listing
    assert exchange.title == "Laptop set up"
    page = client.get(reverse("web:exchange_detail", args=[community.slug, exchange.pk])).content.decode()
    assert f'href="{reverse("web:listing_detail", args=[community.slug, listing.pk])}"' in page


def test_it_refuses_a_listing_of_another_community_or_one_not_there(client, community, other_community, member,
                                                                    agency_staff, other_member):
    elsewhere = services.listing_create(actor=other_member, community=other_community, kind="offer",
                                        title="Hillside help", category="gardening")
    client.force_login(member)
    assert client.get(record_url(community, elsewhere)).status_code == 404
    assert client.get(record_url(community) + "?listing=abc").status_code == 404
    for n, bad in enumerate((str(elsewhere.pk), "999999")):
        response = client.post(record_url(community), form_data(
            agency_staff, community, listing_id=bad, idempotency_key=f"11111111-2222-3333-4444-00000000000{n}"))
        assert response.status_code == 400
        assert "There is no such offer or request in this community" in text(response)
    assert not Exchange.objects.exists()
    assert not AuditEvent.objects.filter(action="exchange.record").exists()
