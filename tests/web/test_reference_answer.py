from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import Reference, ReferenceStatus
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import references as references_services

from .conftest import submit_application, text


@pytest.fixture
def requested(community, coordinator):
    application = submit_application(community)
    reference, token = references_services.reference_request(
        actor=coordinator,
        application=application,
        referee_name="Rita Referee",
        referee_email="rita@example.org",
    )
    return reference, token


def test_it_shows_the_referee_who_the_reference_is_for(client, requested):
    _reference, token = requested
    response = client.get(reverse("web:reference_answer", args=[token]))
    assert response.status_code == 200
    assert "A reference for Ada Applicant" in text(response)
    assert "Dear Rita Referee" in text(response)


def test_it_records_the_answer(client, requested):
    reference, token = requested
    response = client.post(
        reverse("web:reference_answer", args=[token]),
        {"outcome": "supports", "answer": "A kind neighbour."},
    )
    assert response["Location"] == reverse("web:reference_thanks", args=[token])
    assert "Thank you for your reference" in text(client.get(response["Location"]))
    reference.refresh_from_db()
    assert reference.status == ReferenceStatus.ANSWERED
    assert reference.outcome == "supports"


def test_it_needs_an_outcome_and_an_answer(client, requested):
    reference, token = requested
    response = client.post(
        reverse("web:reference_answer", args=[token]), {"outcome": "", "answer": ""}
    )
    assert response.status_code == 400
    assert "Choose whether you support the application or have concerns." in text(response)
    assert "Tell us a little about how you know the applicant." in text(response)
    reference.refresh_from_db()
    assert reference.status == ReferenceStatus.REQUESTED


def test_it_says_plainly_when_the_link_is_unknown(client, db):
    response = client.get(reverse("web:reference_answer", args=["no-such-token"]))
    assert response.status_code == 404
    assert "This reference link is not valid" in text(response)


def test_it_explains_an_answered_reference_and_changes_nothing(client, requested):
    reference, token = requested
    references_services.reference_answer(token=token, outcome="supports", answer="First answer.")
    response = client.post(
        reverse("web:reference_answer", args=[token]), {"outcome": "concerns", "answer": "Second."}
    )
    assert response.status_code == 409
    assert "already been given" in text(response)
    reference.refresh_from_db()
    assert (reference.outcome, reference.answer) == ("supports", "First answer.")


def test_it_explains_an_expired_link(client, requested):
    reference, token = requested
    Reference.objects.filter(pk=reference.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.get(reverse("web:reference_answer", args=[token]))
    assert response.status_code == 410
    assert "has expired" in text(response)
    response = client.post(
        reverse("web:reference_answer", args=[token]), {"outcome": "supports", "answer": "Late."}
    )
    assert response.status_code == 410
    reference.refresh_from_db()
    assert reference.status == ReferenceStatus.REQUESTED


def test_it_explains_a_cancelled_reference(client, requested, coordinator):
    reference, token = requested
    applications_services.application_decline(
        actor=coordinator, application=reference.application, reason="Moved away."
    )
    response = client.get(reverse("web:reference_answer", args=[token]))
    assert response.status_code == 410
    assert "no longer needed" in text(response)
