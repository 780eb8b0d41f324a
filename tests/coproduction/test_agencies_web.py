"""The agencies and roles pages: lists, an agency's page with its staff, the role forms, role
search, training records; refusals shown on the form with nothing stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.coproduction.models import Agency, AgencyMembership, CoproductionRole, TrainingRecord
from coproduce.coproduction.services import agencies
from coproduce.core.models import AuditEvent
from coproduce.ledger.models import Account

from ..web.conftest import text


def number(person, community) -> int:
    return person.memberships.get(community=community).number


def role_data(**kw) -> dict:
    data = {
        "title": "Reading buddy",
        "description": "Read with a child.",
        "commitment": "1 hour a week",
        "vetting_level": "2",
        "training": "Safeguarding\nPhonics",
        "min_age": "16",
        "max_age": "",
        "staff_lead": "",
    }
    data.update(kw)
    return data


def test_it_lists_agencies_and_links_them_from_the_community_page(
    client, member, agency, community
):
    client.force_login(member)
    home = client.get(reverse("web:community", args=[community.slug]))
    assert reverse("web:agency_list", args=[community.slug]) in home.content.decode()
    assert reverse("web:role_list", args=[community.slug]) in home.content.decode()
    page = client.get(reverse("web:agency_list", args=[community.slug]))
    assert page.status_code == 200
    assert "Riverside Health Centre" in text(page) and "12 Dock Street" in text(page)
    assert "Add an agency" not in text(page)


def test_it_hides_agencies_from_outsiders(client, other_member, agency, community):
    client.force_login(other_member)
    assert client.get(reverse("web:agency_list", args=[community.slug])).status_code == 404
    assert (
        client.get(reverse("web:agency_detail", args=[community.slug, agency.slug])).status_code
        == 404
    )


def test_it_lets_a_coordinator_add_an_agency(client, coordinator, community):
    client.force_login(coordinator)
    url = reverse("web:agency_create", args=[community.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Riverside Library",
            "kind": "library",
            "place": "Market Square",
            "description": "",
            "website": "",
        },
    )
    agency = Agency.objects.get(name="Riverside Library")
    assert response.status_code == 302 and response["Location"].endswith(
        "/agencies/riverside-library/"
    )
    assert agency.account_id is not None


def test_it_refuses_a_bad_agency_and_stores_nothing(client, coordinator, member, community):
    client.force_login(coordinator)
    accounts = Account.objects.count()
    response = client.post(
        reverse("web:agency_create", args=[community.slug]), {"name": "", "kind": "nope"}
    )
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert Agency.objects.count() == 0 and Account.objects.count() == accounts
    client.force_login(member)
    assert (
        client.post(
            reverse("web:agency_create", args=[community.slug]), {"name": "Mine", "kind": "other"}
        ).status_code
        == 403
    )
    assert Agency.objects.count() == 0


def test_it_shows_staff_to_admins_and_adds_staff_by_member_number(
    client, agency, agency_admin, member, community
):
    client.force_login(agency_admin)
    page = client.get(reverse("web:agency_detail", args=[community.slug, agency.slug]))
    assert "Add staff" in text(page)
    url = reverse("web:agency_staff_add", args=[community.slug, agency.slug])
    response = client.post(url, {"number": 9999, "role": "staff", "job_title": ""})
    assert response.status_code == 400
    assert "No active member of Riverside has the number 9999." in text(response)
    assert AgencyMembership.objects.filter(agency=agency).count() == 1
    response = client.post(
        url, {"number": number(member, community), "role": "staff", "job_title": "Helper"}
    )
    assert response.status_code == 302
    assert AgencyMembership.objects.filter(
        agency=agency, person=member, ended_at__isnull=True
    ).exists()


def test_it_refuses_to_remove_the_last_admin(client, agency, agency_admin, community):
    client.force_login(agency_admin)
    url = reverse(
        "web:agency_staff_remove",
        args=[community.slug, agency.slug, number(agency_admin, community)],
    )
    response = client.post(url, follow=True)
    assert "An agency needs at least one admin" in text(response)
    assert AgencyMembership.objects.get(person=agency_admin).ended_at is None


def test_it_hides_staff_management_from_members(client, agency, agency_admin, member, community):
    client.force_login(member)
    page = client.get(reverse("web:agency_detail", args=[community.slug, agency.slug]))
    assert page.status_code == 200 and "Add staff" not in text(page)
    assert (
        client.post(
            reverse("web:agency_staff_add", args=[community.slug, agency.slug]),
            {"number": number(member, community), "role": "admin"},
        ).status_code
        == 403
    )
    assert not AgencyMembership.objects.filter(person=member).exists()


def test_it_creates_publishes_and_shows_a_role(client, agency, agency_admin, member, community):
    client.force_login(agency_admin)
    url = reverse("web:role_create", args=[community.slug, agency.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, role_data(staff_lead=str(agency_admin.pk)))
    assert response.status_code == 302, text(response)
    role = CoproductionRole.objects.get(title="Reading buddy")
    assert role.training == ["Safeguarding", "Phonics"] and role.status == "draft"
    client.post(reverse("web:role_publish", args=[community.slug, role.pk]))
    role.refresh_from_db()
    assert role.status == "published"
    client.force_login(member)
    page = client.get(reverse("web:role_detail", args=[community.slug, role.pk]))
    body = text(page)
    assert "1 hour here earns 1 hour of credit" in body
    assert "Training still needed: Safeguarding, Phonics." in body
    assert "Staff lead" in body and "Asha Staff" in body
    listing = client.get(reverse("web:role_list", args=[community.slug]), {"q": "reading"})
    assert "Reading buddy" in text(listing)


def test_it_escapes_role_text(client, agency, agency_admin, role, member, community):
    agencies.role_update(actor=agency_admin, role=role, description="<script>alert(1)</script>")
    client.force_login(member)
    page = client.get(reverse("web:role_detail", args=[community.slug, role.pk]))
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"min_age": "40", "max_age": "20"}, "The highest age cannot be below the lowest."),
        ({"min_age": "200"}, "Ensure this value is less than or equal to 120."),
        ({"title": ""}, "This field is required."),
    ],
)
def test_it_refuses_bad_roles_on_the_form(client, agency, agency_admin, community, extra, message):
    client.force_login(agency_admin)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("web:role_create", args=[community.slug, agency.slug]), role_data(**extra)
    )
    assert response.status_code == 400
    assert message in text(response)
    assert not CoproductionRole.objects.filter(title="Reading buddy").exists()
    assert AuditEvent.objects.count() == before


def test_it_refuses_roles_from_members_and_for_archived_agencies(
    client, agency, agency_admin, member, coordinator, community
):
    client.force_login(member)
    url = reverse("web:role_create", args=[community.slug, agency.slug])
    assert client.post(url, role_data()).status_code == 403
    agencies.agency_archive(actor=coordinator, agency=agency)
    client.force_login(coordinator)
    response = client.post(url, role_data())
    assert response.status_code == 400 and "This agency has been archived." in text(response)
    assert not CoproductionRole.objects.filter(title="Reading buddy").exists()
    client.force_login(member)
    assert (
        client.get(reverse("web:agency_detail", args=[community.slug, agency.slug])).status_code
        == 404
    )


def test_it_hides_draft_roles_from_members(client, agency, agency_admin, member, community):
    role = agencies.role_create(
        actor=agency_admin, agency=agency, title="Draft", description="x", commitment="y"
    )
    client.force_login(member)
    assert client.get(reverse("web:role_detail", args=[community.slug, role.pk])).status_code == 404
    assert (
        client.post(reverse("web:role_publish", args=[community.slug, role.pk])).status_code == 404
    )


def test_it_searches_roles_in_a_fixed_number_of_queries(
    client, agency, agency_admin, role, member, community, django_assert_max_num_queries
):
    for i in range(6):
        agencies.role_publish(
            actor=agency_admin,
            role=agencies.role_create(
                actor=agency_admin,
                agency=agency,
                title=f"Role {i}",
                description="x",
                commitment="y",
                staff_lead=agency_admin,
            ),
        )
    client.force_login(member)
    url = reverse("web:role_list", args=[community.slug])
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    agencies.role_publish(
        actor=agency_admin,
        role=agencies.role_create(
            actor=agency_admin,
            agency=agency,
            title="Role more",
            description="x",
            commitment="y",
            staff_lead=agency_admin,
        ),
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_it_records_training_by_member_number(client, agency, agency_admin, member, community):
    client.force_login(agency_admin)
    url = reverse("web:training_record", args=[community.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"number": 424242, "name": "Safeguarding", "completed_on": "2025-03-01"}
    )
    assert response.status_code == 400 and TrainingRecord.objects.count() == 0
    response = client.post(
        url,
        {"number": number(member, community), "name": "Safeguarding", "completed_on": "2025-03-01"},
    )
    assert response.status_code == 302
    assert TrainingRecord.objects.get().person == member
    client.force_login(member)
    assert client.get(url).status_code == 403
