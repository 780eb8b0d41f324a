"""`community_found`: an operator creates a community and names its first coordinator by email;
bad input creates nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from coproduce.communities import access
from coproduce.communities.models import Community, Membership, Person, Role, RulebookVersion
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors.rules import default_rules
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import Conflict, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent


def found(actor, **values):
    values.setdefault("name", "Docks Time Bank")
    values.setdefault("slug", "docks")
    values.setdefault("member_prefix", "DOC")
    return communities_services.community_found(actor=actor, **values)


def everything() -> tuple:
    return (
        Community.objects.count(),
        RulebookVersion.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def test_it_makes_an_existing_person_the_first_coordinator(operator, member, community):
    community_new, membership = found(operator, coordinator_email=" Member@Riverside.example ")
    assert membership.person == member and membership.member_code == "DOC-0001"
    assert access.is_coordinator(member, community_new)
    assert communities_selectors.rules_for(community_new) == default_rules()
    events = AuditEvent.objects.filter(community_id=community_new.pk).order_by("id")
    assert [e.action for e in events] == [
        "community.create",
        "membership.create",
        "community.found",
    ]
    assert all(e.actor_id == operator.pk for e in events)
    assert events.last().changes["new_login"] == [None, False]
    assert mail.outbox == []


def test_it_makes_an_account_for_a_new_email_and_sends_the_welcome(
    operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        community, membership = found(
            operator, coordinator_email="bea@docks.example", coordinator_name="Bea Baker"
        )
    person = membership.person
    assert person.email == "bea@docks.example" and person.full_name == "Bea Baker"
    assert not person.has_usable_password()
    assert {r.role for r in membership.roles.all()} == {Role.COORDINATOR, Role.MEMBER}
    (welcome,) = mail.outbox
    assert welcome.to == ["bea@docks.example"] and welcome.subject == "Welcome to Docks Time Bank"
    # What any version of the welcome says (the "auth" work gives it a set-password link of its
    # own).
    assert "Dear Bea Baker" in welcome.body and "coordinator of Docks Time Bank" in welcome.body
    assert "DOC-0001" in welcome.body


def test_it_may_start_without_a_coordinator(operator):
    community, membership = found(operator)
    assert membership is None and community.member_prefix == "DOC"


@pytest.mark.parametrize(
    "person", ["member", "coordinator", "agency_staff", "outsider", "other_member"]
)
def test_only_operators_create_communities(request, community, person):
    actor = request.getfixturevalue(person)
    before = everything()
    with pytest.raises(PermissionDenied) as refused:
        found(actor)
    assert refused.value.code == "operators_only"
    assert everything() == before


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"slug": "Docks Town"}, "slug"),
        ({"slug": "-docks"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"member_prefix": "D"}, "member_prefix"),
        ({"member_prefix": "DOCKS1"}, "member_prefix"),
        ({"area_description": "a\x00b"}, "area_description"),
        ({"coordinator_email": "not an email"}, "coordinator_email"),
        ({"coordinator_email": "new@docks.example"}, "coordinator_name"),
        ({"coordinator_name": "Bea Baker"}, "coordinator_email"),
    ],
)
def test_it_refuses_bad_values_and_creates_nothing(operator, values, field):
    before = everything()
    with pytest.raises(ValidationFailed) as refused:
        found(operator, **values)
    assert field in refused.value.fields
    assert everything() == before and mail.outbox == []


def test_it_refuses_a_taken_web_address_or_prefix(operator, community):
    before = everything()
    with pytest.raises(Conflict) as refused:
        found(
            operator,
            slug="riverside",
            coordinator_email="new@docks.example",
            coordinator_name="Bea Baker",
        )
    assert refused.value.fields == {"slug": ["Already taken."]}
    with pytest.raises(Conflict) as refused:
        found(operator, member_prefix="riv")
    assert refused.value.fields == {"member_prefix": ["Already taken."]}
    assert "prefix" in refused.value.message
    with pytest.raises(Conflict) as refused:
        found(operator, slug="riverside", member_prefix="RIV")
    assert set(refused.value.fields) == {"slug", "member_prefix"}
    assert everything() == before and not Person.objects.filter(email="new@docks.example").exists()


def test_it_refuses_a_closed_account(operator):
    Person.objects.create_user(
        email="gone@riverside.example", full_name="Gone Away", is_active=False
    )
    with pytest.raises(ValidationFailed) as refused:
        found(operator, coordinator_email="gone@riverside.example")
    assert refused.value.fields["coordinator_email"] == [
        "This account is closed; give another email address."
    ]
    assert not Community.objects.filter(slug="docks").exists()
