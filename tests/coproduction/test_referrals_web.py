"""The referral pages: the staff's referral form (consent first), the agency's list of outcomes
(never contact details), and the coordinators' queue and referral page with its status buttons."""

from __future__ import annotations

from django.urls import reverse

from coproduce.coproduction.models import Referral, ReferralEvent
from coproduce.coproduction.services import referrals
from coproduce.notifications.models import Notification

from ..web.conftest import text


def form_data(**kw) -> dict:
    data = {
        "target": "community",
        "role": "",
        "group_name": "",
        "full_name": "Pat Patient",
        "phone": "07700 900123",
        "email": "pat@example.org",
        "what_matters": "Feels lonely since moving",
        "consent_given": "on",
        "consent_note": "Agreed in clinic on 3 May",
        "share_with_referrer": "status",
    }
    data.update(kw)
    return data


def make(actor, agency, **kw):
    values = {
        "target": "community",
        "full_name": "Pat Patient",
        "phone": "07700 900123",
        "email": "pat@example.org",
        "what_matters": "Feels lonely since moving",
        "consent_given": True,
        "consent_note": "Agreed in clinic on 3 May",
    }
    values.update(kw)
    return referrals.referral_create(actor=actor, agency=agency, **values)


def test_it_takes_a_referral_from_staff_and_tells_the_coordinators(
    client, agency, agency_admin, coordinator, role
):
    client.force_login(agency_admin)
    url = reverse("web:referral_create", args=[agency.community.slug, agency.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "Ask the person first" in text(page)
    response = client.post(url, form_data(target="role", role=str(role.pk)))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.role == role and referral.referrer == agency_admin
    assert Notification.objects.filter(person=coordinator, kind="referral").count() == 1


def test_it_refuses_a_referral_without_consent_on_the_form(client, agency, agency_admin):
    client.force_login(agency_admin)
    url = reverse("web:referral_create", args=[agency.community.slug, agency.slug])
    response = client.post(url, form_data(consent_given=""))
    assert response.status_code == 400
    assert "Ask the person first; a referral needs their consent." in text(response)
    response = client.post(url, form_data(phone="", email=""))
    assert response.status_code == 400
    assert "Give a phone number or an email address" in text(response)
    assert not Referral.objects.exists()


def test_it_keeps_the_form_from_members_and_outsiders(
    client, agency, agency_admin, member, other_member
):
    url = reverse("web:referral_create", args=[agency.community.slug, agency.slug])
    client.force_login(member)
    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403
    client.force_login(other_member)
    assert client.get(url).status_code == 404
    assert not Referral.objects.exists()


def test_it_shows_the_agency_outcomes_only(client, agency, agency_admin, coordinator):
    quiet = make(agency_admin, agency)
    make(
        agency_admin,
        agency,
        full_name="Nia Named",
        share_with_referrer="name",
        phone="07700 900999",
        email="",
    )
    referrals.referral_update_status(
        actor=coordinator, referral=quiet, status="contacted", note="Rang her Tuesday"
    )
    client.force_login(agency_admin)
    page = client.get(reverse("web:agency_referrals", args=[agency.community.slug, agency.slug]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nia Named" in body and "Contacted" in body
    for private in ("Pat Patient", "07700", "pat@example.org", "lonely", "clinic", "Rang her"):
        assert private not in body


def test_it_shows_coordinators_the_queue_and_links_it_from_the_dashboard(
    client, agency, agency_admin, coordinator, django_assert_max_num_queries
):
    for i in range(3):
        make(agency_admin, agency, full_name=f"Person {i}")
    client.force_login(coordinator)
    dashboard = client.get(reverse("web:coordinator_dashboard", args=[agency.community.slug]))
    assert reverse("web:referral_queue", args=[agency.community.slug]) in dashboard.content.decode()
    assert "3 new" in text(dashboard)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("web:referral_queue", args=[agency.community.slug]))
    assert page.status_code == 200
    assert "Person 0" in text(page) and "Person 2" in text(page)


def test_it_keeps_the_queue_and_the_details_from_staff(client, agency, agency_admin):
    referral = make(agency_admin, agency)
    client.force_login(agency_admin)
    assert (
        client.get(reverse("web:referral_queue", args=[agency.community.slug])).status_code == 403
    )
    detail = client.get(reverse("web:referral_detail", args=[agency.community.slug, referral.pk]))
    assert detail.status_code == 403
    assert "07700" not in detail.content.decode()


def test_it_lets_a_coordinator_follow_a_referral_up(
    client, agency, agency_admin, coordinator, member, membership_of
):
    referral = make(agency_admin, agency)
    client.force_login(coordinator)
    detail_url = reverse("web:referral_detail", args=[agency.community.slug, referral.pk])
    page = client.get(detail_url)
    assert "07700 900123" in text(page) and "Mark contacted" in text(page)
    status_url = reverse("web:referral_status", args=[agency.community.slug, referral.pk])
    assert (
        client.post(status_url, {"status": "contacted", "note": "Left a message"}).status_code
        == 302
    )
    bad = client.post(status_url, {"status": "joined", "member_number": "RIV-9999"})
    assert bad.status_code == 400 and "no active member has that number" in text(bad)
    number = membership_of(member, agency.community).number
    assert (
        client.post(status_url, {"status": "joined", "member_number": str(number)}).status_code
        == 302
    )
    referral.refresh_from_db()
    assert referral.status == "joined" and referral.person == member
    # A move the referral cannot make: a message, nothing stored.
    events = ReferralEvent.objects.count()
    refused = client.post(status_url, {"status": "declined"}, follow=True)
    assert "cannot become" in text(refused)
    assert ReferralEvent.objects.count() == events
