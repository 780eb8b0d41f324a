from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from coproduce.communities.models import (
    Application,
    ApplicationStatus,
    Check,
    CoordinatorNote,
    Membership,
    Reference,
)
from coproduce.communities.services import applications as applications_services

from .conftest import submit_application, supported_application, text


def detail(community, application, name="web:application_detail"):
    return reverse(name, args=[community.slug, application.pk])


def test_it_takes_an_application_from_submission_to_approval_through_the_web(
    client, community, coordinator, django_capture_on_commit_callbacks
):
    # The applicant applies on the public page and follows the link emailed to them.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("web:apply", args=[community.slug]),
            {
                "full_name": "Pat Newcomer",
                "email": "pat@example.org",
                "phone": "",
                "neighbourhood": "Docks",
                "contact_preference": "email",
                "about": "I bake bread.",
            },
        )
    confirm = re.search(r"/applications/confirm/([^/\s]+)/", mail.outbox[-1].body).group(1)
    client.post(reverse("web:apply_confirm", args=[confirm]))
    application = Application.objects.get()

    # The coordinator finds it on the dashboard and opens it.
    client.force_login(coordinator)
    dashboard = client.get(reverse("web:coordinator_dashboard", args=[community.slug]))
    assert detail(community, application) in dashboard.content.decode()
    page = client.get(detail(community, application))
    assert "I bake bread." in text(page)

    # Interview notes, a check and a reference request.
    client.post(
        detail(community, application, "web:application_note"),
        {"note-text": "Lovely chat over tea.", "note-interview": "on"},
    )
    client.post(
        detail(community, application, "web:application_check"),
        {
            "check-kind": "id_seen",
            "check-result": "passed",
            "check-checked_on": dt.date.today().isoformat(),
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            detail(community, application, "web:application_reference"),
            {
                "reference-referee_name": "Rita Referee",
                "reference-referee_email": "rita@example.org",
                "reference-relationship": "Neighbour",
            },
        )
    link = re.search(r"http://[^\s]+/references/([^/\s]+)/", mail.outbox[-1].body)
    assert link

    # The referee answers through the emailed link (signed out).
    client.logout()
    client.post(
        reverse("web:reference_answer", args=[link.group(1)]),
        {"outcome": "supports", "answer": "Known Pat for ten years."},
    )

    # The coordinator reads it and approves.
    client.force_login(coordinator)
    page = text(client.get(detail(community, application)))
    assert "Known Pat for ten years." in page and "Lovely chat over tea." in page
    assert "1 supporting of 1 needed" in page
    response = client.post(
        detail(community, application, "web:application_approve"), {"approve-reason": "Welcome!"}
    )
    membership = Membership.objects.get(person=application.person, community=community)
    assert response["Location"] == reverse(
        "web:member_detail", args=[community.slug, membership.number]
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.interviewed_at is not None
    welcome = client.get(response["Location"])
    assert f"Pat Newcomer is now a member, number {membership.member_code}." in text(welcome)


def test_it_explains_a_refusal_for_want_of_references_and_changes_nothing(
    client, community, coordinator
):
    application = submit_application(community)
    client.force_login(coordinator)
    response = client.post(
        detail(community, application, "web:application_approve"), {"approve-reason": ""}
    )
    # Back on the application's own address, so refreshing the page does not send the form again.
    assert response.status_code == 302
    assert response["Location"] == detail(community, application)
    page = client.get(response["Location"])
    assert (
        "This community needs 1 supporting reference before approval; none received so far."
        in text(page)
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert not Membership.objects.filter(person=application.person).exists()


def test_it_declines_with_a_reason(client, community, coordinator):
    application = submit_application(community)
    client.force_login(coordinator)
    bad = client.post(
        detail(community, application, "web:application_decline"), {"decline-reason": ""}
    )
    assert bad.status_code == 400 and "Give a reason for declining." in text(bad)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    response = client.post(
        detail(community, application, "web:application_decline"),
        {"decline-reason": "Out of area."},
    )
    assert response["Location"] == reverse("web:coordinator_dashboard", args=[community.slug])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECLINED
    listing = client.get(
        reverse("web:application_list", args=[community.slug]), {"status": "declined"}
    )
    assert "Ada Applicant" in text(listing) and "Out of area." in text(listing)
    assert "Ada Applicant" not in text(
        client.get(reverse("web:application_list", args=[community.slug]), {"status": "approved"})
    )


def test_it_refuses_to_decide_twice(client, community, coordinator):
    application = supported_application(community, coordinator)
    applications_services.application_approve(actor=coordinator, application=application)
    client.force_login(coordinator)
    response = client.post(
        detail(community, application, "web:application_decline"), {"decline-reason": "Oops"}
    )
    assert response["Location"] == detail(community, application)
    assert "This application has already been approved." in text(client.get(response["Location"]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


def test_it_checks_the_referees_details(client, community, coordinator):
    application = submit_application(community)
    client.force_login(coordinator)
    response = client.post(
        detail(community, application, "web:application_reference"),
        {"reference-referee_name": "", "reference-referee_email": "nope"},
    )
    assert response.status_code == 400
    assert "Give the referee's name." in text(response)
    assert "Enter an email address in the right format" in text(response)
    assert not Reference.objects.exists()


def test_it_needs_a_note_text_and_a_check_date(client, community, coordinator):
    application = submit_application(community)
    client.force_login(coordinator)
    note = client.post(detail(community, application, "web:application_note"), {"note-text": ""})
    assert note.status_code == 400 and "Write the note first." in text(note)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    check = client.post(
        detail(community, application, "web:application_check"),
        {"check-kind": "id_seen", "check-result": "passed", "check-checked_on": future},
    )
    assert check.status_code == 400 and "The check date cannot be in the future." in text(check)
    assert not CoordinatorNote.objects.exists() and not Check.objects.exists()


@pytest.mark.parametrize(
    "who, status",
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_keeps_applications_from_everyone_but_coordinators(
    client, community, coordinator, who, status, request
):
    application = submit_application(community)
    client.force_login(request.getfixturevalue(who))
    assert client.get(detail(community, application)).status_code == status
    assert (
        client.post(detail(community, application, "web:application_approve"), {}).status_code
        == status
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_it_hides_another_communitys_application(client, community, other_community, coordinator):
    application = submit_application(other_community)
    client.force_login(coordinator)
    assert (
        client.get(
            reverse("web:application_detail", args=[community.slug, application.pk])
        ).status_code
        == 404
    )
