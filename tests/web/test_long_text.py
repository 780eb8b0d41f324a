"""A megabyte of text through a web form is a form error and changes nothing (it was stored and
shown on other people's pages); the limits are the API's (coproduce/core/limits.py)."""

from __future__ import annotations

from django.urls import reverse

from coproduce.communities.models import Application, UnconfirmedApplication
from coproduce.communities.selectors.communities import local_today
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Exchange

from .conftest import code_of, text

MEGABYTE = "x" * 1_000_000


def test_it_refuses_a_megabyte_about_an_applicant(client, community):
    response = client.post(
        reverse("web:apply", args=[community.slug]),
        {
            "full_name": "Pat Newcomer",
            "email": "pat@example.org",
            "contact_preference": "email",
            "about": MEGABYTE,
        },
    )
    assert response.status_code == 400
    assert "at most 5000 characters" in text(response)
    assert not Application.objects.exists()
    assert not AuditEvent.objects.filter(action="application.submit").exists()


def test_it_takes_an_about_at_the_limit(client, community):
    response = client.post(
        reverse("web:apply", args=[community.slug]),
        {
            "full_name": "Pat Newcomer",
            "email": "pat@example.org",
            "contact_preference": "email",
            "about": "x" * 5000,
        },
    )
    assert response.status_code == 302
    assert (
        len(UnconfirmedApplication.objects.get().about) == 5000
    )  # held until the address is confirmed


def test_it_refuses_a_megabyte_note_on_recorded_hours(client, community, member, agency_staff):
    client.force_login(member)
    response = client.post(
        reverse("web:exchange_record", args=[community.slug]),
        {
            "idempotency_key": "11111111-2222-3333-4444-555555555555",
            "direction": "gave",
            "person_1": code_of(agency_staff, community),
            "time_hours": "1",
            "time_minutes": "0",
            "effective_on": local_today(community).isoformat(),
            "title": "Weeding",
            "note": MEGABYTE,
            "expense_currency": "GBP",
        },
    )
    assert response.status_code == 400
    assert "at most 5000 characters" in text(response)
    assert not Exchange.objects.exists()


def test_it_refuses_a_megabyte_of_accessibility_needs(client, community, member):
    client.force_login(member)
    response = client.post(reverse("web:profile_gifts"), {"accessibility_needs": MEGABYTE})
    assert response.status_code == 400
    assert "at most 2000 characters" in text(response)
    member.refresh_from_db()
    assert member.accessibility_needs == ""
    assert not AuditEvent.objects.filter(action="person.gift_profile").exists()
