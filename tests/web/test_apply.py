from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import (
    Application,
    ApplicationStatus,
    Person,
    UnconfirmedApplication,
)
from coproduce.communities.services import applications as applications_services
from coproduce.core.models import AuditEvent

from .conftest import submit_application, text

GOOD = {
    "full_name": "Pat Newcomer",
    "email": "pat@example.org",
    "phone": "",
    "neighbourhood": "Docks",
    "contact_preference": "email",
    "about": "I bake bread.",
}


def test_it_lists_communities_with_a_way_to_apply(client, community):
    response = client.get(reverse("web:index"))
    assert response.status_code == 200
    assert reverse("web:apply", args=[community.slug]) in response.content.decode()


def confirm_token(message) -> str:
    return re.search(r"/applications/confirm/([A-Za-z0-9_-]+)/", message.body).group(1)


def test_it_takes_an_anonymous_application_once_its_address_is_confirmed(
    client, community, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:apply", args=[community.slug]), GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:apply_check_email", args=[community.slug])
    assert "Check your email" in text(client.get(response["Location"]))
    # Held: coordinators see nothing yet, and the one message echoes nothing the applicant typed.
    assert not Application.objects.exists()
    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    assert message.subject == "Confirm your application to Riverside"
    assert "Pat" not in message.body and "bread" not in message.body
    token = confirm_token(message)

    page = client.get(reverse("web:apply_confirm", args=[token]))
    assert page.status_code == 200
    assert (
        not Application.objects.exists()
    )  # opening the link (as mail scanners do) confirms nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:apply_confirm", args=[token]))
    assert response["Location"] == reverse("web:apply_done", args=[community.slug])
    application = Application.objects.get(community=community)
    assert (application.full_name, application.status) == (
        "Pat Newcomer",
        ApplicationStatus.PENDING,
    )
    assert mail.outbox[-1].subject == "Your application to Riverside"
    assert "Dear Pat Newcomer" in mail.outbox[-1].body
    done = client.get(response["Location"])
    assert "What happens next" in text(done)

    # The link works once: again, it only says so.
    again = client.post(reverse("web:apply_confirm", args=[token]))
    assert again.status_code == 302
    assert Application.objects.count() == 1 and len(mail.outbox) == 2


def test_it_refuses_an_expired_or_unknown_confirmation_link(
    client, community, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:apply", args=[community.slug]), GOOD)
    token = confirm_token(mail.outbox[0])
    UnconfirmedApplication.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.post(reverse("web:apply_confirm", args=[token]))
    assert response.status_code == 410
    assert "This confirmation link has expired. Please apply again." in text(response)
    assert client.get(reverse("web:apply_confirm", args=["not-a-real-link"])).status_code == 404
    assert not Application.objects.exists()
    # The periodic job deletes what nobody confirmed.
    assert applications_services.unconfirmed_applications_expire() == 1
    assert client.get(reverse("web:apply_confirm", args=[token])).status_code == 404


def test_it_prefills_and_uses_the_signed_in_person(client, community, outsider):
    client.force_login(outsider)
    page = client.get(reverse("web:apply", args=[community.slug]))
    assert outsider.email in page.content.decode()
    client.post(reverse("web:apply", args=[community.slug]), {**GOOD, "email": outsider.email})
    assert Application.objects.get(community=community).person == outsider


def test_it_lets_a_coordinator_apply_for_someone_offline(client, community, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("web:apply", args=[community.slug]))
    assert "on the applicant's behalf" in text(page)
    response = client.post(
        reverse("web:apply", args=[community.slug]),
        {
            **GOOD,
            "email": "",
            "phone": "01632 960000",
            "contact_preference": "phone",
        },
    )
    application = Application.objects.get(community=community)
    assert response["Location"] == reverse(
        "web:application_detail", args=[community.slug, application.pk]
    )
    assert application.person != coordinator
    assert application.person.is_offline
    event = AuditEvent.objects.get(action="application.submit")
    assert event.actor == coordinator and event.on_behalf_of == application.person


def test_it_refuses_a_duplicate_application_when_confirmed_and_stores_nothing(
    client, community, django_capture_on_commit_callbacks
):
    submit_application(community, email="pat@example.org")
    before = (Application.objects.count(), Person.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:apply", args=[community.slug]), GOOD)
    # The form does not tell a stranger that this address has applied: only its owner learns it.
    assert response["Location"] == reverse("web:apply_check_email", args=[community.slug])
    response = client.post(reverse("web:apply_confirm", args=[confirm_token(mail.outbox[-1])]))
    assert response.status_code == 409
    assert "An application to this community is already waiting for a coordinator." in text(
        response
    )
    assert (Application.objects.count(), Person.objects.count()) == before


def test_it_refuses_an_application_from_a_member_when_confirmed(
    client, community, member, django_capture_on_commit_callbacks
):
    before = Application.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:apply", args=[community.slug]), {**GOOD, "email": member.email})
    response = client.post(reverse("web:apply_confirm", args=[confirm_token(mail.outbox[-1])]))
    assert response.status_code == 409
    assert "You are already a member of this community." in text(response)
    assert Application.objects.count() == before


def test_it_refuses_a_signed_in_members_application_at_once(client, community, member):
    client.force_login(member)
    response = client.post(
        reverse("web:apply", args=[community.slug]), {**GOOD, "email": "other@example.org"}
    )
    assert response.status_code == 400
    assert "You are already a member of this community." in text(response)
    assert not UnconfirmedApplication.objects.exists()


def test_it_needs_a_way_to_contact_the_applicant(client, community):
    response = client.post(
        reverse("web:apply", args=[community.slug]),
        {
            **GOOD,
            "email": "",
            "phone": "",
            "contact_preference": "post",
        },
    )
    assert response.status_code == 400
    assert "Give us an email address or a phone number so we can reach you." in text(response)
    # The error is linked from the summary and from the field.
    assert 'href="#id_phone"' in response.content.decode()
    assert 'aria-describedby="id_phone_error"' in response.content.decode()
    assert not Application.objects.exists()


def test_it_checks_the_shape_of_the_email_address(client, community):
    response = client.post(
        reverse("web:apply", args=[community.slug]), {**GOOD, "email": "not-an-address"}
    )
    assert response.status_code == 400
    assert "Enter an email address in the right format" in text(response)
    assert not Application.objects.exists()


def test_it_gives_404_for_an_unknown_community(client, db):
    assert client.get(reverse("web:apply", args=["nowhere"])).status_code == 404
