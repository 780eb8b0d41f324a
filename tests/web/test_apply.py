from __future__ import annotations

from django.urls import reverse

from coproduce.communities.models import Application, ApplicationStatus, Person
from coproduce.core.models import AuditEvent

from .conftest import submit_application, text

GOOD = {
    "full_name": "Pat Newcomer", "email": "pat@example.org", "phone": "", "neighbourhood": "Docks",
    "contact_preference": "email", "about": "I bake bread.",
}


def test_it_lists_communities_with_a_way_to_apply(client, community):
    response = client.get(reverse("web:index"))
    assert response.status_code == 200
    assert reverse("web:apply", args=[community.slug]) in response.content.decode()


def test_it_takes_an_anonymous_application(client, community):
    response = client.post(reverse("web:apply", args=[community.slug]), GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:apply_done", args=[community.slug])
    application = Application.objects.get(community=community)
    assert application.full_name == "Pat Newcomer"
    assert application.status == ApplicationStatus.PENDING
    done = client.get(response["Location"])
    assert "What happens next" in text(done)


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
    response = client.post(reverse("web:apply", args=[community.slug]), {
        **GOOD, "email": "", "phone": "01632 960000", "contact_preference": "phone",
    })
    application = Application.objects.get(community=community)
    assert response["Location"] == reverse("web:application_detail", args=[community.slug, application.pk])
    assert application.person != coordinator
    assert application.person.is_offline
    event = AuditEvent.objects.get(action="application.submit")
    assert event.actor == coordinator and event.on_behalf_of == application.person


def test_it_refuses_a_duplicate_application_and_stores_nothing(client, community):
    submit_application(community, email="pat@example.org")
    before = (Application.objects.count(), Person.objects.count())
    response = client.post(reverse("web:apply", args=[community.slug]), GOOD)
    assert response.status_code == 400
    assert "An application to this community is already waiting for a coordinator." in text(response)
    assert 'class="error-summary"' in response.content.decode()
    assert (Application.objects.count(), Person.objects.count()) == before


def test_it_refuses_an_application_from_a_member(client, community, member):
    before = Application.objects.count()
    response = client.post(reverse("web:apply", args=[community.slug]), {**GOOD, "email": member.email})
    assert response.status_code == 400
    assert "You are already a member of this community." in text(response)
    assert Application.objects.count() == before


def test_it_needs_a_way_to_contact_the_applicant(client, community):
    response = client.post(reverse("web:apply", args=[community.slug]), {
        **GOOD, "email": "", "phone": "", "contact_preference": "post",
    })
    assert response.status_code == 400
    assert "Give us an email address or a phone number so we can reach you." in text(response)
    # The error is linked from the summary and from the field.
    assert 'href="#id_phone"' in response.content.decode()
    assert 'aria-describedby="id_phone_error"' in response.content.decode()
    assert not Application.objects.exists()


def test_it_checks_the_shape_of_the_email_address(client, community):
    response = client.post(reverse("web:apply", args=[community.slug]), {**GOOD, "email": "not-an-address"})
    assert response.status_code == 400
    assert "Enter an email address in the right format" in text(response)
    assert not Application.objects.exists()


def test_it_gives_404_for_an_unknown_community(client, db):
    assert client.get(reverse("web:apply", args=["nowhere"])).status_code == 404
