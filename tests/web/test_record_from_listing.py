"""Recording hours from a listing: the listing page leads to the record-hours form, filled in from
the listing, and the recorded exchange links back to it. The words say what happens: the hours
for help that has happened are recorded (nothing is "arranged" in advance; that is a message)."""

from __future__ import annotations

from django.urls import reverse

from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Exchange
from coproduce.exchanges.services import listings as listings_services
from coproduce.messaging.services import conversations as conversations_services

from .conftest import code_of, text
from .test_exchange_record import form_data


def listing_of(community, owner, **kw):
    values = {"kind": "offer", "title": "Help setting up a laptop", "category": "computer-help"}
    values.update(kw)
    return listings_services.listing_create(actor=owner, community=community, **values)


def record_url(community, listing=None):
    url = reverse("web:exchange_record", args=[community.slug])
    return f"{url}?listing={listing.pk}" if listing else url


def test_it_offers_recording_hours_to_members_other_than_the_owner(
    client, community, member, agency_staff
):
    listing = listing_of(community, agency_staff)
    detail = reverse("web:listing_detail", args=[community.slug, listing.pk])
    client.force_login(member)
    page = client.get(detail).content.decode()
    # Seen: "Arrange an exchange" opened "Record hours" for help already given.
    assert (
        f'<a class="button" href="{record_url(community, listing)}">Record hours for this offer</a>'
        in page
    )
    words = text(client.get(detail))
    assert "Arrange" not in words and "arrange" not in words
    assert (
        "Once the help has happened" in words
        and "To agree a time, send Asha Staff a message" in words
    )
    request = listing_of(
        community,
        agency_staff,
        kind="request",
        title="Lift to the clinic",
        category="lifts-to-appointments",
    )
    assert "Record hours for this request" in text(
        client.get(reverse("web:listing_detail", args=[community.slug, request.pk]))
    )
    client.force_login(agency_staff)
    assert "Record hours for this" not in text(client.get(detail))


def test_it_fills_in_the_form_from_an_offer(client, community, member, agency_staff):
    listing = listing_of(community, agency_staff)
    client.force_login(member)
    response = client.get(record_url(community, listing))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["person_1"] == f"Asha Staff ({code_of(agency_staff, community)})"
    assert (
        form.initial["title"] == "Help setting up a laptop"
        and form.initial["category"] == "Computer help"
    )
    assert form.initial["direction"] == "received"  # an offer: the owner gives the help
    assert form.initial["listing_id"] == listing.pk
    body = response.content.decode()
    assert f'name="listing_id" value="{listing.pk}"' in body
    page = text(response)
    assert "<title>Record hours" in body and "Record hours" in page
    assert "For this offer: Help setting up a laptop" in page and "Arranged" not in page
    request = listing_of(
        community,
        agency_staff,
        kind="request",
        title="Lift to the clinic",
        category="lifts-to-appointments",
    )
    assert client.get(record_url(community, request)).context["form"].initial["direction"] == "gave"


def test_it_records_an_exchange_linked_to_the_listing(client, community, member, agency_staff):
    listing = listing_of(community, agency_staff)
    client.force_login(member)
    response = client.post(
        record_url(community),
        form_data(
            agency_staff,
            community,
            direction="received",
            listing_id=str(listing.pk),
            category="Something else",
            title="Laptop set up",
        ),
    )
    assert response.status_code == 302
    exchange = Exchange.objects.get()
    assert exchange.listing_id == listing.pk
    assert exchange.category == "Computer help"  # from the listing
    assert exchange.title == "Laptop set up"
    response = client.get(reverse("web:exchange_detail", args=[community.slug, exchange.pk]))
    assert (
        f'href="{reverse("web:listing_detail", args=[community.slug, listing.pk])}"'
        in response.content.decode()
    )
    assert "Listing The offer or request it was for" in text(response) and "Arranged" not in text(
        response
    )


def test_it_names_the_link_from_a_conversation_for_what_it_does(
    client, community, member, agency_staff
):
    listing = listing_of(community, agency_staff)
    conversation = conversations_services.conversation_start(
        actor=member,
        community=community,
        recipient=agency_staff,
        body="Could you help on Tuesday?",
        listing=listing,
    )
    client.force_login(agency_staff)
    page = text(
        client.get(reverse("web:conversation_detail", args=[community.slug, conversation.pk]))
    )
    assert "Record hours with Mo Member" in page and "Arrange" not in page


def test_it_refuses_a_listing_of_another_community_or_one_not_there(
    client, community, other_community, member, agency_staff, other_member
):
    elsewhere = listings_services.listing_create(
        actor=other_member,
        community=other_community,
        kind="offer",
        title="Hillside help",
        category="gardening",
    )
    client.force_login(member)
    assert client.get(record_url(community, elsewhere)).status_code == 404
    assert client.get(record_url(community) + "?listing=abc").status_code == 404
    for n, bad in enumerate((str(elsewhere.pk), "999999")):
        response = client.post(
            record_url(community),
            form_data(
                agency_staff,
                community,
                listing_id=bad,
                idempotency_key=f"11111111-2222-3333-4444-00000000000{n}",
            ),
        )
        assert response.status_code == 400
        assert "There is no such offer or request in this community" in text(response)
    assert not Exchange.objects.exists()
    assert not AuditEvent.objects.filter(action="exchange.record").exists()
