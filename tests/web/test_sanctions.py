"""Sanctions pages (issue 12): a coordinator records one from a member's page, the member reads
it on "my sanctions" and appeals within the window, the panel records the outcome; a suspended
member sees the banner on community pages. Bad input is a form error that changes nothing; the
lists take a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.communities.models import Membership, Role
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.governance.models import Appeal, Sanction
from coproduce.governance.services import sanctions as sanctions_services
from tests.conftest import make_person


def url(community, name, *args):
    return reverse(f"web:{name}", args=[community.slug, *args])


def code_of(person, community) -> str:
    return Membership.objects.get(person=person, community=community).member_code


@pytest.fixture
def steward(community):
    person = make_person("steward@riverside.example", "Sam Steward", mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=[Role.STEWARD]
    )
    return person


def record(client, community, coordinator, member, step="reminder"):
    client.force_login(coordinator)
    return client.post(
        url(community, "sanction_new"),
        {
            "member": code_of(member, community),
            "step": step,
            "rule_broken": "Turn up when you said you would",
            "reason": "Missed three sessions without a word.",
        },
    )


def test_the_warning_and_appeal_story_on_the_pages(client, community, coordinator, member, steward):
    client.force_login(coordinator)
    page = client.get(url(community, "member_detail", Membership.objects.get(person=member).number))
    assert f"?member={code_of(member, community)}" in page.content.decode()
    form = client.get(url(community, "sanction_new") + f"?member={code_of(member, community)}")
    assert code_of(member, community) in form.content.decode()
    response = record(client, community, coordinator, member)
    assert response.status_code == 302 and response["Location"] == url(community, "sanction", 1)
    client.force_login(member)
    page = client.get(url(community, "sanctions") + "?mine=1").content.decode()
    assert "My sanctions" in page and "S-1" in page
    page = client.get(url(community, "sanction", 1)).content.decode()
    assert "Cora Coordinator" in page and "14 days left to appeal" in page
    response = client.post(url(community, "sanction_appeal", 1), {"grounds": "I was ill."})
    assert response.status_code == 302
    # A second appeal: a form error, nothing changed.
    response = client.post(url(community, "sanction_appeal", 1), {"grounds": "Again."})
    assert response.status_code == 400
    assert "appealed already" in response.content.decode()
    assert Appeal.objects.count() == 1
    # The coordinator who decided has no outcome form; the steward has.
    client.force_login(coordinator)
    assert "Record the outcome" not in client.get(url(community, "sanction", 1)).content.decode()
    client.force_login(steward)
    assert "Record the outcome" in client.get(url(community, "sanction", 1)).content.decode()
    response = client.post(
        url(community, "sanction_outcome", 1), {"outcome": "overturned", "reason": "Ill, truly."}
    )
    assert response.status_code == 302
    assert Appeal.objects.get().outcome == "overturned"


@pytest.mark.parametrize(
    "change, says",
    [
        ({"step": "suspension"}, "one step at a time"),
        ({"member": "RIV-0999"}, "is not a member"),
        ({"member": "self"}, "cannot sanction yourself"),
        ({"rule_broken": ""}, "Say which rule was broken"),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(
    client, community, coordinator, member, change, says
):
    data = {
        "member": code_of(member, community),
        "step": "reminder",
        "rule_broken": "A rule",
        "reason": "A reason",
        **change,
    }
    if data["member"] == "self":
        data["member"] = code_of(coordinator, community)
    client.force_login(coordinator)
    response = client.post(url(community, "sanction_new"), data)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Sanction.objects.exists()


def test_members_may_not_record_or_see_others(client, community, coordinator, member):
    client.force_login(member)
    assert client.get(url(community, "sanction_new")).status_code == 403
    other = make_person("other@riverside.example", "Oli Other")
    memberships_services.membership_add(actor=None, community=community, person=other)
    record(client, community, coordinator, other)
    client.force_login(member)
    assert client.get(url(community, "sanction", 1)).status_code == 404
    assert "S-1" not in client.get(url(community, "sanctions")).content.decode()


def test_a_suspended_member_sees_the_banner_and_can_still_read(
    client, community, coordinator, member
):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    record(client, community, coordinator, member, step="suspension")
    client.force_login(member)
    page = client.get(url(community, "sanctions") + "?mine=1")
    assert page.status_code == 200
    text = page.content.decode()
    assert "is suspended" in text and "You can read, message a coordinator and appeal" in text
    client.force_login(coordinator)
    assert "is suspended" not in client.get(url(community, "sanctions")).content.decode()


@pytest.mark.parametrize("how_many", [1, 4])
def test_the_lists_and_a_sanction_page_take_a_fixed_number_of_queries(
    client, community, coordinator, member, steward, how_many
):
    people = []
    for n in range(how_many):
        person = make_person(f"p{n}@riverside.example", f"Person {n}")
        memberships_services.membership_add(actor=None, community=community, person=person)
        people.append(person)
    for person in [member, *people]:
        made = sanctions_services.sanction_create(
            actor=coordinator,
            community=community,
            member=code_of(person, community),
            step="reminder",
            rule_broken="A rule",
            reason="A reason",
        )
        sanctions_services.appeal_make(actor=person, sanction=made, grounds="Unfair.")
    counts = {}
    for who, name, args, query in (
        (coordinator, "sanctions", (), ""),
        (member, "sanctions", (), "?mine=1"),
        (steward, "sanction", (1,), ""),
    ):
        client.force_login(who)
        client.get(url(community, name, *args) + query)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(community, name, *args) + query).status_code == 200
        counts[f"{name}{query}"] = len(queries)
    # session, person, memberships, unread count; then the sanctions with their appeals.
    assert counts == {"sanctions": 5, "sanctions?mine=1": 5, "sanction": 5}


def test_a_suspended_member_opens_their_own_member_page(client, community, coordinator, member):
    communities_services.rulebook_change(
        actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
    )
    record(client, community, coordinator, member, step="suspension")
    client.force_login(member)
    number = Membership.objects.get(person=member).number
    assert client.get(url(community, "member_detail", number)).status_code == 200
