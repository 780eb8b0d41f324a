from __future__ import annotations

from django.urls import reverse

from coproduce.communities.models import Consent, Person, SensitiveDatum
from coproduce.communities.services import profiles as profiles_services
from coproduce.core.models import AuditEvent

from .conftest import text

DETAILS = {
    "full_name": "Mo Member",
    "known_as": "Mo",
    "email": "member@riverside.example",
    "phone": "07700 900002",
    "address": "2 River Row",
    "neighbourhood": "Docks",
    "date_of_birth": "1950-03-27",
}


def test_it_needs_sign_in(client, db):
    for name in ("web:profile_details", "web:profile_gifts", "web:profile_privacy"):
        assert client.get(reverse(name)).status_code == 302


def test_it_shows_the_details_filled_in(client, member):
    client.force_login(member)
    response = client.get(reverse("web:profile_details"))
    assert response.status_code == 200
    assert 'value="07700 900001"' in response.content.decode()


def test_it_saves_details(client, member):
    client.force_login(member)
    response = client.post(reverse("web:profile_details"), DETAILS)
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.known_as, member.phone, member.date_of_birth.isoformat()) == (
        "Mo",
        "07700 900002",
        "1950-03-27",
    )


def test_it_refuses_an_email_used_by_another_account(client, member, coordinator):
    client.force_login(member)
    response = client.post(reverse("web:profile_details"), {**DETAILS, "email": coordinator.email})
    assert response.status_code == 400
    assert "That email address is used by another account." in text(response)
    member.refresh_from_db()
    assert member.email == "member@riverside.example" and member.phone == "07700 900001"


def test_it_refuses_a_bad_date_and_an_empty_name(client, member):
    client.force_login(member)
    response = client.post(
        reverse("web:profile_details"), {**DETAILS, "full_name": "", "date_of_birth": "31/31/1950"}
    )
    assert response.status_code == 400
    assert "Enter a full name." in text(response)
    assert "Enter a real date" in text(response)
    member.refresh_from_db()
    assert member.full_name == "Mo Member" and member.date_of_birth is None


def test_it_saves_the_gift_profile(client, member):
    client.force_login(member)
    page = client.get(reverse("web:profile_gifts"))
    body = page.content.decode()
    assert '<th scope="row">Monday</th>' in body and '<th scope="col">Evening</th>' in body
    assert "Monday morning" in body  # each checkbox has its own label
    response = client.post(
        reverse("web:profile_gifts"),
        {
            "head": "Bookkeeping",
            "hands": "Gardening\n\nPainting\n",
            "heart": "",
            "teach": "Knitting",
            "availability": ["mon-am", "sat-eve"],
            "languages": "English, Welsh",
            "accessibility_needs": "Large print",
            "contact_preferences": ["email", "phone"],
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert sorted((g.kind, g.description) for g in member.gifts.all()) == [
        ("hands", "Gardening"),
        ("hands", "Painting"),
        ("head", "Bookkeeping"),
        ("teach", "Knitting"),
    ]
    assert member.availability == ["mon-am", "sat-eve"]
    assert member.contact_preferences == ["email", "phone"]
    again = client.get(reverse("web:profile_gifts")).content.decode()
    assert "Gardening\nPainting" in again
    assert 'value="sat-eve" id="id_availability_17" checked' in again


def test_it_refuses_a_contact_preference_without_the_detail(client, outsider):
    outsider.phone = ""
    outsider.save()
    client.force_login(outsider)
    response = client.post(
        reverse("web:profile_gifts"), {"hands": "Gardening", "contact_preferences": ["phone"]}
    )
    assert response.status_code == 400
    assert "Add a phone number before choosing phone." in text(response)
    assert not outsider.gifts.exists()


def test_it_refuses_an_overlong_gift(client, member):
    client.force_login(member)
    response = client.post(reverse("web:profile_gifts"), {"hands": "x" * 201})
    assert response.status_code == 400
    assert "Keep each gift under 200 characters" in text(response)
    assert not member.gifts.exists()


def test_it_saves_privacy_choices(client, member):
    client.force_login(member)
    page = client.get(reverse("web:profile_privacy"))
    assert "<legend>Email address" in page.content.decode()
    response = client.post(
        reverse("web:profile_privacy"),
        {
            "email": "members",
            "phone": "coordinators",
            "address": "coordinators",
            "photo": "public",
            "date_of_birth": "coordinators",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.email_visibility, member.photo_visibility) == ("members", "public")


def test_it_refuses_an_unknown_privacy_choice(client, member):
    client.force_login(member)
    response = client.post(
        reverse("web:profile_privacy"),
        {
            "email": "everyone",
            "phone": "coordinators",
            "address": "coordinators",
            "photo": "public",
            "date_of_birth": "coordinators",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    member.refresh_from_db()
    assert member.email_visibility == "coordinators"


def test_it_records_consent_then_the_value_then_withdraws(client, member):
    client.force_login(member)
    page = text(client.get(reverse("web:profile_privacy")))
    assert "I agree that coproduce may keep what I tell it about my health" in page
    assert "Record consent for Health" in page
    client.post(reverse("web:profile_consent", args=["health"]), {"action": "give"})
    assert Consent.objects.filter(person=member, topic="health", withdrawn_at__isnull=True).exists()
    response = client.post(
        reverse("web:profile_sensitive", args=["health"]), {"health-value": "Diabetes"}
    )
    assert response.status_code == 302
    assert SensitiveDatum.objects.get(person=member).value == "Diabetes"
    assert "Diabetes" in client.get(reverse("web:profile_privacy")).content.decode()
    client.post(reverse("web:profile_consent", args=["health"]), {"action": "withdraw"})
    assert not SensitiveDatum.objects.filter(person=member).exists()
    assert Consent.objects.get(person=member).withdrawn_at is not None


def test_it_stores_nothing_sensitive_without_consent(client, member):
    client.force_login(member)
    response = client.post(
        reverse("web:profile_sensitive", args=["income"]), {"income-value": "Low"}
    )
    assert response.status_code == 400
    assert "This can only be stored with a recorded consent." in text(response)
    assert not SensitiveDatum.objects.exists()


def test_it_gives_404_for_an_unknown_topic(client, member):
    client.force_login(member)
    assert (
        client.post(
            reverse("web:profile_consent", args=["religion"]), {"action": "give"}
        ).status_code
        == 404
    )
    assert not Consent.objects.exists()


def test_it_does_not_touch_the_audit_for_a_failed_save(client, member):
    client.force_login(member)
    before = AuditEvent.objects.count()
    client.post(reverse("web:profile_details"), {**DETAILS, "full_name": ""})
    assert AuditEvent.objects.count() == before
    assert Person.objects.get(pk=member.pk).full_name == "Mo Member"


def test_it_saves_nothing_when_nothing_changed(client, member):
    profiles_services.person_details_update(
        actor=member,
        person=member,
        **{
            **DETAILS,
            "date_of_birth": None,
            "is_offline": False,
        },
    )
    before = AuditEvent.objects.count()
    client.force_login(member)
    client.post(reverse("web:profile_details"), {**DETAILS, "date_of_birth": ""})
    assert AuditEvent.objects.count() == before
