"""Spend partners and their offers: who may set them up, what is checked, what is recorded."""

from __future__ import annotations

import pytest

from coproduce.coproduction import access
from coproduce.coproduction.models import PartnerOffer, SpendPartner
from coproduce.coproduction.selectors import partners as partners_selectors
from coproduce.coproduction.services import partners as partners_services
from coproduce.core.errors import NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.ledger.selectors import accounts as accounts_selectors

from .partner_helpers import leisure_centre, swim


def test_it_opens_the_partners_account_with_it(community, coordinator):
    partner = leisure_centre(coordinator, community)
    account = accounts_selectors.account_get(community, partner.account_id)
    assert account.kind == "organisation" and account.balance_minutes == 0
    assert partner.slug == "riverside-leisure-centre"
    assert AuditEvent.objects.filter(action="partner.create", subject_id=str(partner.pk)).exists()
    assert leisure_centre(coordinator, community).slug == "riverside-leisure-centre-2"


def test_it_lets_only_coordinators_create_partners(community, member, agency_staff, outsider):
    with pytest.raises(PermissionDenied):
        leisure_centre(member, community)
    with pytest.raises(PermissionDenied):
        leisure_centre(agency_staff, community)
    with pytest.raises(NotFound):
        leisure_centre(outsider, community)
    assert not SpendPartner.objects.exists()


def test_it_refuses_bad_partner_details(community, coordinator, other_community):
    with pytest.raises(ValidationFailed) as refused:
        partners_services.partner_create(
            actor=coordinator, community=community, name=" ", description="x" * 2001
        )
    assert set(refused.value.fields) == {"name", "description"}
    assert not SpendPartner.objects.exists()


def test_it_updates_and_archives_with_audit(community, coordinator, agency):
    partner = leisure_centre(coordinator, community)
    partners_services.partner_update(
        actor=coordinator, partner=partner, place="Dock Road, RV1", agency=agency
    )
    partner.refresh_from_db()
    assert partner.place == "Dock Road, RV1" and partner.agency == agency
    event = AuditEvent.objects.get(action="partner.update")
    assert event.changes["place"] == ["Dock Road", "Dock Road, RV1"]
    partners_services.partner_archive(actor=coordinator, partner=partner)
    assert partners_selectors.partners_of(community).count() == 0


def test_it_creates_offers_and_checks_them(community, coordinator, member):
    partner = leisure_centre(coordinator, community)
    offer = swim(coordinator, partner, times=["sat-am", "mon-am"], per_member_per_month=4)
    assert offer.times == ["mon-am", "sat-am"]
    bad = {
        "minutes": 0,
        "times": ["someday"],
        "max_adults": 0,
        "max_children": 0,
        "per_member_per_month": 0,
    }
    with pytest.raises(ValidationFailed) as refused:
        swim(coordinator, partner, title="", **bad)
    assert set(refused.value.fields) == {
        "title",
        "minutes",
        "times",
        "max_adults",
        "per_member_per_month",
    }
    with pytest.raises(PermissionDenied):
        swim(member, partner)
    assert PartnerOffer.objects.count() == 1


def test_it_lets_the_agency_admin_manage_offers_and_staff_work_the_door(
    community, coordinator, agency, agency_admin, member
):
    partner = leisure_centre(coordinator, community, agency)
    offer = swim(agency_admin, partner)
    partners_services.offer_update(actor=agency_admin, offer=offer, minutes=45)
    offer.refresh_from_db()
    assert offer.minutes == 45
    assert access.is_partner_staff(agency_admin, partner)
    assert access.is_partner_staff(coordinator, partner)
    assert not access.is_partner_staff(member, partner)
    unlinked = partners_services.partner_create(actor=coordinator, community=community, name="Cafe")
    assert not access.is_partner_staff(agency_admin, unlinked)


def test_it_deactivates_offers_without_losing_them(community, coordinator):
    partner = leisure_centre(coordinator, community)
    offer = swim(coordinator, partner)
    partners_services.offer_deactivate(actor=coordinator, offer=offer)
    assert list(partners_selectors.offers_of(partner)) == []
    assert list(partners_selectors.offers_of(partner, active_only=False)) == [offer]
    with pytest.raises(ValidationFailed):
        partners_services.offer_update(actor=coordinator, offer=offer, colour="red")
