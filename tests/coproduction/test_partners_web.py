"""The spend-partner pages: members find where to spend; the partner's staff take credits at the
door (a member number or a scanned card), print the receipt and read the report."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.coproduction.models import PartnerOffer, Redemption, SpendPartner
from coproduce.coproduction.services import partners
from coproduce.ledger.models import Transfer

from ..web.conftest import text
from .partner_helpers import (
    audit_clean,
    balance,
    give_credit,
    leisure_centre,
    partner_balance,
    swim,
)


@pytest.fixture
def partner(coordinator, community, agency, agency_admin):
    return leisure_centre(coordinator, community, agency)


@pytest.fixture
def offer(coordinator, partner):
    return swim(coordinator, partner)


@pytest.fixture
def code(member, membership_of, community):
    return membership_of(member, community).member_code


def door_url(community, partner):
    return reverse("web:partner_door", args=[community.slug, partner.pk])


def take(client, community, partner, offer, member_ref, key="door-1", adults="1", children="0"):
    return client.post(
        reverse("web:partner_redeem", args=[community.slug, partner.pk]),
        {
            "idempotency_key": key,
            "member_ref": member_ref,
            "offer": str(offer.pk),
            "adults": adults,
            "children": children,
        },
    )


def test_it_lists_where_members_can_spend_from_the_community_page(
    client, community, member, partner, offer
):
    client.force_login(member)
    home = client.get(reverse("web:community", args=[community.slug]))
    assert reverse("web:partner_list", args=[community.slug]) in home.content.decode()
    page = text(client.get(reverse("web:partner_list", args=[community.slug])))
    assert "Riverside Leisure Centre" in page and "One swim: 1h00 a person" in page
    detail = client.get(reverse("web:partner_detail", args=[community.slug, partner.pk]))
    assert "One swim" in text(detail)
    assert door_url(community, partner) not in detail.content.decode()


def test_it_checks_a_member_showing_only_name_and_whether_they_can_pay(
    client, community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 250)
    client.force_login(agency_staff)
    page = client.get(door_url(community, partner), {"member": f"coproduce:riverside:{code}"})
    assert page.status_code == 200
    body = text(page)
    assert "Mo Member" in body and "enough credit for one person" in body
    assert "4h10" not in body  # the balance stays private


def test_it_refuses_an_unknown_number_at_check(client, community, agency_staff, partner, offer):
    client.force_login(agency_staff)
    page = client.get(door_url(community, partner), {"member": "RIV-0999"})
    assert page.status_code == 400
    assert "No current member has that number." in text(page)


def test_it_takes_credits_and_shows_a_receipt(
    client, community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    client.force_login(agency_staff)
    response = take(client, community, partner, offer, code, adults="2", children="1")
    assert response.status_code == 302
    redemption = Redemption.objects.get()
    assert response["Location"].endswith(f"/receipts/{redemption.receipt_number}/")
    receipt = text(client.get(response["Location"]))
    assert redemption.receipt_number in receipt and "3h00" in receipt
    assert balance(community, member) == 120
    # The same form sent again (a double tap) takes nothing more.
    again = take(client, community, partner, offer, code, adults="2", children="1")
    assert again["Location"] == response["Location"]
    assert Redemption.objects.count() == 1
    # The member can see their own receipt too.
    client.force_login(member)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("ref", "adults", "message"),
    [
        ("RIV-0999", "1", "No current member has that number."),
        (None, "5", "At most 2 adults for this offer."),
        (None, "0", "At least one person."),
    ],
)
def test_it_refuses_bad_input_and_moves_nothing(
    client, community, member, agency_staff, partner, offer, code, ref, adults, message
):
    give_credit(community, member, 300)
    client.force_login(agency_staff)
    response = take(client, community, partner, offer, ref or code, adults=adults)
    assert response.status_code == 400
    assert message in text(response)
    assert Redemption.objects.count() == 0 and balance(community, member) == 300
    assert partner_balance(community, partner) == 0 and audit_clean()


def test_it_says_when_there_is_not_enough_credit(
    client, community, member, agency_staff, partner, offer, code
):
    transfers = Transfer.objects.count()
    client.force_login(agency_staff)
    response = take(
        client, community, partner, offer, code, adults="2", children="3"
    )  # 5h, floor -10h
    assert response.status_code == 302  # within the floor
    response = take(client, community, partner, offer, code, key="door-2", adults="2", children="3")
    assert response.status_code == 302
    response = take(client, community, partner, offer, code, key="door-3")
    assert response.status_code == 400
    assert "Mo Member does not have enough time credit." in text(response)
    assert Transfer.objects.count() == transfers + 2
    assert audit_clean()


def test_it_keeps_the_door_and_report_from_members(client, community, member, partner, offer):
    client.force_login(member)
    assert client.get(door_url(community, partner)).status_code == 403
    assert (
        client.get(reverse("web:partner_report", args=[community.slug, partner.pk])).status_code
        == 403
    )
    assert take(client, community, partner, offer, "RIV-0001").status_code == 403


def test_it_reports_by_month_and_offer_with_csv(
    client, community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    client.force_login(agency_staff)
    take(client, community, partner, offer, code)
    take(client, community, partner, offer, code, key="door-2", children="1")
    page = text(client.get(reverse("web:partner_report", args=[community.slug, partner.pk])))
    assert "One swim" in page and "3h00" in page
    csv = client.get(
        reverse("web:partner_report_csv", args=[community.slug, partner.pk])
    ).content.decode()
    lines = csv.strip().splitlines()
    assert lines[0] == "month,offer,redemptions,adults,children,minutes,hours"
    assert lines[1].endswith("One swim,2,2,1,180,3h00")


def test_it_lets_coordinators_add_partners_and_offers(client, community, coordinator, member):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:partner_add", args=[community.slug]), {"name": "Town Cinema", "place": ""}
    )
    partner = SpendPartner.objects.get(name="Town Cinema")
    assert response.status_code == 302
    bad = client.post(
        reverse("web:partner_offer_add", args=[community.slug, partner.pk]),
        {"title": "A film", "minutes": "0", "max_adults": "1", "max_children": "0"},
    )
    assert bad.status_code == 400 and not PartnerOffer.objects.exists()
    client.post(
        reverse("web:partner_offer_add", args=[community.slug, partner.pk]),
        {
            "title": "A film",
            "minutes": "90",
            "max_adults": "1",
            "max_children": "2",
            "times": ["fri-eve"],
        },
    )
    offer = PartnerOffer.objects.get()
    assert offer.times == ["fri-eve"]
    client.post(
        reverse("web:partner_offer_deactivate", args=[community.slug, partner.pk, offer.pk])
    )
    offer.refresh_from_db()
    assert not offer.is_active
    client.force_login(member)
    assert (
        client.post(reverse("web:partner_add", args=[community.slug]), {"name": "X"}).status_code
        == 403
    )


def test_it_reads_the_list_and_the_door_in_a_fixed_number_of_queries(
    client,
    community,
    member,
    coordinator,
    agency_staff,
    partner,
    offer,
    code,
    django_assert_max_num_queries,
):
    for name in ("Town Cinema", "Canal Cafe", "Dock Museum"):
        swim(
            coordinator,
            partners.partner_create(actor=coordinator, community=community, name=name),
            title="Visit",
        )
    client.force_login(agency_staff)
    client.get(reverse("web:partner_list", args=[community.slug]))
    with django_assert_max_num_queries(14):  # 14th: the viewer's own account, for "Your balance"
        assert client.get(reverse("web:partner_list", args=[community.slug])).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(door_url(community, partner), {"member": code}).status_code == 200


def test_a_coordinator_changes_and_archives_a_partner(client, coordinator, community, partner):
    client.force_login(coordinator)
    detail = client.get(reverse("web:partner_detail", args=[community.slug, partner.pk]))
    assert "Change or archive this partner" in text(detail)
    edit = reverse("web:partner_edit", args=[community.slug, partner.pk])
    response = client.post(
        edit,
        {
            "name": "Riverside Leisure Centre and Pool",
            "place": "Dock Road",
            "description": "Swimming <b>and</b> gym.",
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.name, partner.place) == ("Riverside Leisure Centre and Pool", "Dock Road")
    page = client.get(reverse("web:partner_detail", args=[community.slug, partner.pk]))
    assert "Swimming &lt;b&gt;and&lt;/b&gt; gym." in page.content.decode()
    response = client.post(reverse("web:partner_archive", args=[community.slug, partner.pk]))
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.is_archived
    assert client.get(edit).status_code == 404


def test_a_partner_without_a_name_is_refused_and_nothing_changes(
    client, coordinator, community, partner
):
    client.force_login(coordinator)
    before = partner.name
    response = client.post(
        reverse("web:partner_edit", args=[community.slug, partner.pk]),
        {"name": "", "place": "Elsewhere", "description": ""},
    )
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    partner.refresh_from_db()
    assert partner.name == before
    assert partner.place != "Elsewhere"


def test_members_may_not_change_or_archive_a_partner(client, member, community, partner):
    client.force_login(member)
    assert (
        client.get(reverse("web:partner_edit", args=[community.slug, partner.pk])).status_code
        == 403
    )
    assert (
        client.post(reverse("web:partner_archive", args=[community.slug, partner.pk])).status_code
        == 403
    )
    partner.refresh_from_db()
    assert not partner.is_archived
    assert "Change or archive this partner" not in text(
        client.get(reverse("web:partner_detail", args=[community.slug, partner.pk]))
    )
