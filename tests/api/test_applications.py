"""Applications to join, references and decisions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from coproduce.communities.models import (
    Application,
    ApplicationStatus,
    Community,
    Reference,
    ReferenceOutcome,
)
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import references as references_services
from coproduce.core.errors import Conflict
from coproduce.core.models import AuditEvent

from .conftest import apply, assert_error, bearer
from .test_communities import walk

APPLICATIONS = "/api/v1/communities/riverside/applications"


def post(client, url, data, headers=None):
    return client.post(url, data=data, content_type="application/json", headers=headers or {})


def ask_referee(client, application, headers, django_capture_on_commit_callbacks) -> str:
    """Request a reference through the API; returns the secret link token from the email."""
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            f"{APPLICATIONS}/{application.pk}/references",
            {"referee_name": "Rita Referee", "referee_email": "Rita@Example.org"},
            headers,
        )
    assert response.status_code == 201, response.content
    token = re.search(r"/references/([A-Za-z0-9_-]+)/", mail.outbox[-1].body).group(1)
    assert token not in response.content.decode()
    return token


def confirm_token(message) -> str:
    return re.search(r"/applications/confirm/([A-Za-z0-9_-]+)/", message.body).group(1)


def test_it_takes_an_application_from_anyone_once_the_address_is_confirmed(
    client, community, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            APPLICATIONS,
            {
                "full_name": "Ada Applicant",
                "email": " Ada@Example.org ",
                "neighbourhood": "Quayside",
                "about": "I can fix bikes.",
            },
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["id"], body["status"], body["community"]) == (None, "unconfirmed", "riverside")
    assert body["confirm_by"] is not None
    assert not Application.objects.exists()
    [message] = mail.outbox
    assert message.to == ["ada@example.org"]
    assert "Ada" not in message.body and "bikes" not in message.body

    with django_capture_on_commit_callbacks(execute=True):
        application = applications_services.application_confirm(token=confirm_token(message))
    assert (
        application.email == "ada@example.org" and application.status == ApplicationStatus.PENDING
    )
    assert mail.outbox[-1].subject == "Your application to Riverside"


def test_it_takes_an_application_by_phone_only(client, community):
    response = post(
        client,
        APPLICATIONS,
        {"full_name": "Phil Phone", "phone": "07700 900123", "contact_preference": "phone"},
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Application.objects.get().person.is_offline


def test_it_tells_nobody_but_the_addresss_owner_about_a_duplicate(
    client, community, counts, django_capture_on_commit_callbacks
):
    apply(community)
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, APPLICATIONS, {"full_name": "Ada Again", "email": "ada@example.org"}
        )
    assert response.status_code == 202
    with pytest.raises(Conflict) as refused:
        applications_services.application_confirm(token=confirm_token(mail.outbox[-1]))
    assert refused.value.code == "duplicate_application"
    assert counts() == before


def test_it_refuses_an_application_from_a_member(client, community, member, counts):
    headers = bearer(member)
    before = counts()
    assert_error(
        post(client, APPLICATIONS, {"full_name": "Mo", "email": "x@example.org"}, headers),
        409,
        "already_member",
    )
    assert_error(
        post(client, APPLICATIONS, {"full_name": "Mo", "email": member.email}, headers),
        409,
        "already_member",
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"full_name": "Ada"}, "phone"),
        ({"full_name": "Ada", "phone": "0770", "contact_preference": "email"}, "email"),
        ({"full_name": "Ada", "email": "ada@"}, "email"),
        ({"full_name": "", "email": "ada@example.org"}, "full_name"),
        ({"full_name": "   ", "email": "ada@example.org"}, "full_name"),
        ({"full_name": "A" * 151, "email": "ada@example.org"}, "full_name"),
        ({"full_name": "Ada", "email": "ada@example.org", "phone": "0" * 41}, "phone"),
    ],
)
def test_it_refuses_an_incomplete_application(client, community, counts, data, field):
    before = counts()
    assert field in assert_error(post(client, APPLICATIONS, data), 422)["fields"]
    assert counts() == before


def test_it_refuses_an_application_to_an_unknown_or_unlisted_community(
    client, community, other_community, counts
):
    Community.objects.filter(pk=other_community.pk).update(is_listed=False)
    before = counts()
    for slug in ("nowhere", "hillside"):
        response = post(
            client,
            f"/api/v1/communities/{slug}/applications",
            {"full_name": "A", "email": "a@example.org"},
        )
        assert_error(response, 404, "not_found")
    assert counts() == before


def test_it_lets_a_coordinator_apply_on_someones_behalf(client, community, coordinator):
    response = post(
        client,
        APPLICATIONS,
        {"full_name": "Olive Offline", "phone": "01234 567890", "contact_preference": "phone"},
        bearer(coordinator),
    )
    assert response.status_code == 201
    application = Application.objects.get()
    assert application.submitted_by_id == coordinator.pk and application.person_id != coordinator.pk
    event = AuditEvent.objects.get(action="application.submit")
    assert (event.actor_id, event.on_behalf_of_id) == (coordinator.pk, application.person_id)


def test_it_lists_applications_for_coordinators(client, community, coordinator):
    applications = [
        apply(community, full_name=f"Applicant {i}", email=f"a{i}@example.org") for i in range(5)
    ]
    applications_services.application_decline(
        actor=coordinator, application=applications[1], reason="Lives too far away"
    )
    headers = bearer(coordinator)
    everything = walk(client, f"{APPLICATIONS}?limit=2", headers)
    assert [a["full_name"] for a in everything] == [f"Applicant {i}" for i in range(5)]
    pending = walk(client, f"{APPLICATIONS}?status=pending&limit=2", headers)
    assert [a["full_name"] for a in pending] == [
        "Applicant 0",
        "Applicant 2",
        "Applicant 3",
        "Applicant 4",
    ]
    declined = client.get(f"{APPLICATIONS}?status=declined", headers=headers).json()["items"]
    assert [(a["full_name"], a["decision_reason"]) for a in declined] == [
        ("Applicant 1", "Lives too far away")
    ]
    assert_error(client.get(f"{APPLICATIONS}?status=maybe", headers=headers), 422)


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_shows_applications_only_to_coordinators(client, community, request, who, status):
    application = apply(community)
    headers = bearer(request.getfixturevalue(who))
    assert_error(client.get(APPLICATIONS, headers=headers), status)
    assert_error(client.get(f"{APPLICATIONS}/{application.pk}", headers=headers), status)
    assert_error(client.get(APPLICATIONS), 401)


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        ("/notes", {"text": "Lovely chat"}),
        ("/references", {"referee_name": "Rita", "referee_email": "rita@example.org"}),
        ("/approve", {}),
        ("/decline", {"reason": "No"}),
    ],
)
@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_lets_only_coordinators_act_on_applications(
    client, community, request, counts, suffix, data, who, status
):
    application = apply(community)
    headers = bearer(request.getfixturevalue(who))
    before = counts()
    assert_error(post(client, f"{APPLICATIONS}/{application.pk}{suffix}", data, headers), status)
    assert counts() == before
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_it_keeps_another_communitys_applications_apart(
    client, community, other_community, coordinator
):
    theirs = apply(other_community)
    assert_error(
        client.get(f"{APPLICATIONS}/{theirs.pk}", headers=bearer(coordinator)), 404, "not_found"
    )


def test_it_takes_an_application_through_to_approval(
    client, community, coordinator, django_capture_on_commit_callbacks
):
    application = apply(community)
    headers = bearer(coordinator)
    assert (
        post(
            client,
            f"{APPLICATIONS}/{application.pk}/notes",
            {"text": "Lovely chat", "interview": True},
            headers,
        ).status_code
        == 201
    )
    assert_error(
        post(client, f"{APPLICATIONS}/{application.pk}/approve", {}, headers),
        409,
        "references_needed",
    )

    token = ask_referee(client, application, headers, django_capture_on_commit_callbacks)
    answer = post(
        client,
        f"/api/v1/references/{token}/answer",
        {"outcome": "supports", "answer": "I have known Ada for ten years."},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "answered"

    response = post(
        client, f"{APPLICATIONS}/{application.pk}/approve", {"reason": "Good fit"}, headers
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved" and body["member_code"] == "RIV-0002"
    assert body["interviewed_at"] is not None
    assert body["references_supporting"] == 1 and body["references"][0]["outcome"] == "supports"
    assert body["notes"][0]["text"] == "Lovely chat" and body["notes"][0]["kind"] == "interview"
    assert_error(
        post(client, f"{APPLICATIONS}/{application.pk}/approve", {}, headers),
        409,
        "already_decided",
    )


def test_it_declines_with_a_reason(client, community, coordinator, counts):
    application = apply(community)
    headers = bearer(coordinator)
    before = counts()
    assert (
        "reason"
        in assert_error(post(client, f"{APPLICATIONS}/{application.pk}/decline", {}, headers), 422)[
            "fields"
        ]
    )
    assert_error(
        post(client, f"{APPLICATIONS}/{application.pk}/decline", {"reason": "  "}, headers), 422
    )
    assert counts() == before
    response = post(
        client, f"{APPLICATIONS}/{application.pk}/decline", {"reason": "Outside our area"}, headers
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert_error(
        post(client, f"{APPLICATIONS}/{application.pk}/decline", {"reason": "Again"}, headers), 409
    )


def test_it_refuses_an_empty_note_or_a_referee_without_email(
    client, community, coordinator, counts
):
    application = apply(community)
    headers = bearer(coordinator)
    before = counts()
    assert_error(
        post(client, f"{APPLICATIONS}/{application.pk}/notes", {"text": "   "}, headers), 422
    )
    response = post(
        client,
        f"{APPLICATIONS}/{application.pk}/references",
        {"referee_name": "Rita", "referee_email": "rita"},
        headers,
    )
    assert "referee_email" in assert_error(response, 422)["fields"]
    assert_error(post(client, f"{APPLICATIONS}/99999/notes", {"text": "Hello"}, headers), 404)
    assert counts() == before


def test_it_refuses_an_answer_to_an_expired_reference(
    client, community, coordinator, counts, django_capture_on_commit_callbacks
):
    application = apply(community)
    token = ask_referee(
        client, application, bearer(coordinator), django_capture_on_commit_callbacks
    )
    Reference.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    before = counts()
    response = post(
        client,
        f"/api/v1/references/{token}/answer",
        {"outcome": "supports", "answer": "Known her years"},
    )
    assert_error(response, 409, "link_expired")
    assert counts() == before
    assert Reference.objects.get().status == "requested"


def test_it_refuses_a_second_answer_and_an_unknown_link(
    client, community, coordinator, counts, django_capture_on_commit_callbacks
):
    application = apply(community)
    token = ask_referee(
        client, application, bearer(coordinator), django_capture_on_commit_callbacks
    )
    references_services.reference_answer(
        token=token, outcome=ReferenceOutcome.CONCERNS, answer="Not sure"
    )
    before = counts()
    url = f"/api/v1/references/{token}/answer"
    assert_error(
        post(client, url, {"outcome": "supports", "answer": "Changed my mind"}),
        409,
        "already_answered",
    )
    assert_error(
        post(
            client,
            "/api/v1/references/not-a-real-link/answer",
            {"outcome": "supports", "answer": "Hi"},
        ),
        404,
        "not_found",
    )
    assert_error(post(client, url, {"outcome": "maybe", "answer": "Hmm"}), 422)
    assert counts() == before
    assert Reference.objects.get().outcome == ReferenceOutcome.CONCERNS
