"""The spend-partner API: partners, offers, redemptions (with an Idempotency-Key) and the report."""

from __future__ import annotations

import pytest

from coproduce.coproduction.models import PartnerOffer, Redemption, SpendPartner

from ..api.conftest import assert_error, bearer, hours_state, post
from .partner_helpers import audit_clean, balance, give_credit, leisure_centre, swim

BASE = "/api/v1/communities/riverside/partners"


@pytest.fixture
def partner(coordinator, community, agency, agency_admin):
    return leisure_centre(coordinator, community, agency)


@pytest.fixture
def offer(coordinator, partner):
    return swim(coordinator, partner)


@pytest.fixture
def code(member, membership_of, community):
    return membership_of(member, community).member_code


def redeem(client, headers, partner, offer, member, key="api-1", **extra):
    body = {"offer_id": offer.pk, "member": member, "adults": 1, "children": 0, **extra}
    return post(client, f"{BASE}/{partner.pk}/redemptions", body, headers, key=key)


def test_it_lets_coordinators_create_partners_and_offers(client, coordinator, agency, member):
    headers = bearer(coordinator)
    made = client.post(
        BASE,
        {"name": "Town Cinema", "agency_id": agency.pk},
        content_type="application/json",
        headers=headers,
    )
    assert made.status_code == 201, made.content
    partner_id = made.json()["id"]
    offer = client.post(
        f"{BASE}/{partner_id}/offers",
        {"title": "A film", "minutes": 90, "times": ["fri-eve"], "max_children": 2},
        content_type="application/json",
        headers=headers,
    )
    assert offer.status_code == 201 and offer.json()["times"] == ["fri-eve"]
    listed = client.get(BASE, headers=bearer(member)).json()
    assert listed["items"][0]["offers"][0]["title"] == "A film"
    patched = client.patch(
        f"{BASE}/{partner_id}",
        {"place": "High Street"},
        content_type="application/json",
        headers=headers,
    )
    assert patched.json()["place"] == "High Street"
    assert_error(
        client.post(BASE, {"name": "X"}, content_type="application/json", headers=bearer(member)),
        403,
    )
    assert_error(
        client.post(
            BASE,
            {"name": "X", "agency_id": 999999},
            content_type="application/json",
            headers=headers,
        ),
        422,
    )
    assert_error(
        client.post(
            f"{BASE}/{partner_id}/offers",
            {"title": "X", "minutes": 1.5},
            content_type="application/json",
            headers=headers,
        ),
        422,
    )
    assert SpendPartner.objects.count() == 1 and PartnerOffer.objects.count() == 1


def test_it_redeems_once_per_key_and_refuses_another_request_under_it(
    client, community, member, agency_staff, partner, offer, code
):
    give_credit(community, member, 300)
    headers = bearer(agency_staff)
    first = redeem(client, headers, partner, offer, code)
    assert first.status_code == 201, first.content
    receipt = first.json()
    assert receipt["minutes"] == 60 and receipt["member_name"] == "Mo Member"
    again = redeem(client, headers, partner, offer, code)
    assert again.status_code == 201 and again.json()["receipt_number"] == receipt["receipt_number"]
    before = hours_state()
    assert_error(
        redeem(client, headers, partner, offer, code, adults=2), 409, "idempotency_key_reused"
    )
    assert hours_state() == before
    assert Redemption.objects.count() == 1 and balance(community, member) == 240 and audit_clean()


def test_it_needs_an_idempotency_key(client, community, member, agency_staff, partner, offer, code):
    response = client.post(
        f"{BASE}/{partner.pk}/redemptions",
        {"offer_id": offer.pk, "member": code},
        content_type="application/json",
        headers=bearer(agency_staff),
    )
    assert_error(response, 422, "idempotency_key_required")


@pytest.mark.parametrize(
    ("member_ref", "extra", "status", "code_"),
    [
        ("RIV-0999", {}, 422, "validation_failed"),
        (None, {"adults": 3}, 422, "validation_failed"),
        (None, {"adults": 0}, 422, "validation_failed"),
        (None, {"adults": 2, "children": 3}, 409, "limit_exceeded"),
    ],
)
def test_it_refuses_bad_redemptions_and_moves_nothing(
    client, community, member, agency_staff, partner, offer, code, member_ref, extra, status, code_
):
    community_services_floor_zero(community)
    give_credit(community, member, 120)
    before = hours_state()
    error = assert_error(
        redeem(client, bearer(agency_staff), partner, offer, member_ref or code, **extra),
        status,
        code_,
    )
    if code_ == "limit_exceeded":
        assert "2h00" not in error["message"]
    if member_ref:
        assert set(error["fields"]) == {"member"}  # named as in the request body
    assert hours_state() == before
    assert not Redemption.objects.exists() and audit_clean()


def community_services_floor_zero(community):
    from coproduce.communities.services import communities as communities_services

    communities_services.rulebook_change(
        actor=None, community=community, changes={"credit_floor_minutes": 0}, reason="No debt here"
    )


def test_it_keeps_redemptions_and_the_report_to_the_partners_staff(
    client, community, member, other_member, partner, offer, code
):
    give_credit(community, member, 300)
    assert_error(redeem(client, bearer(member), partner, offer, code), 403)
    assert_error(client.get(f"{BASE}/{partner.pk}/redemptions", headers=bearer(member)), 403)
    assert_error(client.get(f"{BASE}/{partner.pk}", headers=bearer(other_member)), 404)
    assert not Redemption.objects.exists()


def test_it_pages_the_report(client, community, member, coordinator, partner, offer, code):
    other = swim(coordinator, partner, title="Gym session", minutes=30)
    give_credit(community, member, 300)
    headers = bearer(coordinator)
    redeem(client, headers, partner, offer, code, key="a")
    redeem(client, headers, partner, other, code, key="b")
    redeem(client, headers, partner, other, code, key="c", children=0, adults=2)
    page = client.get(f"{BASE}/{partner.pk}/redemptions", {"limit": 1}, headers=headers).json()
    assert [r["offer_title"] for r in page["items"]] == ["Gym session"]
    assert page["items"][0]["redemptions"] == 2 and page["items"][0]["minutes"] == 90
    rest = client.get(
        f"{BASE}/{partner.pk}/redemptions",
        {"limit": 1, "cursor": page["next_cursor"]},
        headers=headers,
    ).json()
    assert [r["offer_title"] for r in rest["items"]] == ["One swim"] and rest["next_cursor"] is None
    assert_error(
        client.get(f"{BASE}/{partner.pk}/redemptions", {"cursor": "bad"}, headers=headers), 422
    )
