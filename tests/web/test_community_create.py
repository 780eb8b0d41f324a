"""The operator's page for creating a community (/operate/communities/new/)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from coproduce.communities import access
from coproduce.communities.models import Community, Membership, Person, RulebookVersion
from coproduce.core.models import AuditEvent

from .conftest import text

URL = "/operate/communities/new/"


def everything() -> tuple:
    return (
        Community.objects.count(),
        RulebookVersion.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def form(**values) -> dict:
    data = {
        "name": "Docks Time Bank",
        "slug": "docks",
        "member_prefix": "DOC",
        "area_description": "The streets by the old docks.",
        "coordinator_email": "",
        "coordinator_name": "",
    }
    data.update(values)
    return data


def test_it_is_linked_from_an_operators_home(client, operator):
    client.force_login(operator)
    assert reverse("web:community_create") == URL
    assert f'href="{URL}"' in client.get(reverse("web:home")).content.decode()


def test_it_is_not_linked_for_anyone_else(client, member):
    client.force_login(member)
    assert URL not in client.get(reverse("web:home")).content.decode()


def test_an_operator_creates_a_community_with_a_new_coordinator(
    client, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    page = text(client.get(URL))
    assert "Create a community" in page and "First coordinator's email" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, form(coordinator_email="bea@docks.example", coordinator_name="Bea Baker")
        )
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:community", args=["docks"]
    )
    community = Community.objects.get(slug="docks")
    bea = Person.objects.get(email="bea@docks.example")
    assert access.is_coordinator(bea, community)
    assert [m.to for m in mail.outbox] == [["bea@docks.example"]]
    page = text(client.get(response["Location"]))
    assert "Docks Time Bank is ready, with Bea Baker as its first coordinator." in page


def test_an_operator_names_an_existing_person(client, operator, member, community):
    client.force_login(operator)
    response = client.post(URL, form(coordinator_email="member@riverside.example"))
    assert response.status_code == 302
    assert access.is_coordinator(member, Community.objects.get(slug="docks"))
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"slug": "riverside"}, "A community with that web address already exists."),
        ({"member_prefix": "RIV"}, "Another community uses that member number prefix."),
        ({"slug": "Docks Town"}, "Use lower-case letters, digits and single hyphens"),
        ({"member_prefix": "D1"}, "Use 2 to 5 letters"),
        (
            {"coordinator_email": "new@docks.example"},
            "give the coordinator's name for their new account",
        ),
        ({"coordinator_email": "nobody at all"}, "Give an email address such as name@example.org."),
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 121}, "at most 120 characters"),
    ],
)
def test_it_refuses_bad_input_on_the_form_and_creates_nothing(
    client, operator, community, values, message
):
    client.force_login(operator)
    before = everything()
    response = client.post(URL, form(**values))
    assert response.status_code == 400
    assert message in text(response)
    assert everything() == before and mail.outbox == []


@pytest.mark.parametrize(
    "person", ["member", "coordinator", "agency_staff", "outsider", "other_member"]
)
def test_it_is_for_operators_only(client, request, community, person):
    client.force_login(request.getfixturevalue(person))
    before = everything()
    assert client.get(URL).status_code == 403
    response = client.post(URL, form())
    assert response.status_code == 403 and "Only the install's operators can do this." in text(
        response
    )
    assert everything() == before


def test_it_sends_anonymous_people_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_and_its_refused_form_are_accessible(client, operator, community):
    from .test_pages import assert_accessible

    client.force_login(operator)
    assert_accessible(client.get(URL), URL)
    assert_accessible(client.post(URL, form(slug="riverside", member_prefix="D")), URL)
