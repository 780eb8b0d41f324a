from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from coproduce.communities.models import ContactRelay, Person
from coproduce.communities.services import contact_relay as contact_relay_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import notes as notes_services
from coproduce.communities.services import references as references_services
from coproduce.communities.services import vetting as vetting_services

from .conftest import submit_application, text


def dashboard_url(community):
    return reverse("web:coordinator_dashboard", args=[community.slug])


def test_it_shows_the_dashboard_to_coordinators(client, community, coordinator):
    client.force_login(coordinator)
    response = client.get(dashboard_url(community))
    assert response.status_code == 200
    page = text(response)
    assert (
        "Applications waiting" in page
        and "Checks expiring" in page
        and "Messages to pass on" in page
    )


@pytest.mark.parametrize(
    "who, status",
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_keeps_others_out(client, community, coordinator, who, status, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(dashboard_url(community)).status_code == status
    assert (
        client.get(reverse("web:member_search", args=[community.slug]), {"q": "Cora"}).status_code
        == status
    )
    assert client.get(reverse("web:application_list", args=[community.slug])).status_code == status


def test_it_lets_operators_in(client, community, coordinator, operator):
    client.force_login(operator)
    assert client.get(dashboard_url(community)).status_code == 200


def test_it_lists_pending_applications_with_progress(client, community, coordinator):
    application = submit_application(community)
    notes_services.application_note_add(
        actor=coordinator, application=application, text="Good chat", interview=True
    )
    references_services.reference_request(
        actor=coordinator, application=application, referee_name="R", referee_email="r@example.org"
    )
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=application.person,
        kind="id_seen",
        result="passed",
        checked_on=dt.date.today(),
    )
    client.force_login(coordinator)
    page = text(client.get(dashboard_url(community)))
    assert "Ada Applicant" in page
    assert "Done" in page
    assert "0 of 1 (1 asked)" in page
    assert "Identity document seen: Passed" in page


def test_it_lists_checks_expiring_soon(client, community, coordinator, member):
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind="background_check",
        result="passed",
        checked_on=dt.date.today() - dt.timedelta(days=1000),
        expires_on=dt.date.today() + dt.timedelta(days=10),
    )
    client.force_login(coordinator)
    response = client.get(dashboard_url(community))
    assert "Background check (DBS)" in text(response)
    assert (
        reverse("web:member_detail", args=[community.slug, member.memberships.get().number])
        in response.content.decode()
    )


def test_it_lists_messages_to_pass_on_and_marks_them(
    client, community, coordinator, member, number_of
):
    offline = Person.objects.create_user(
        email=None, full_name="Olive Offline", phone="01632 960001", is_offline=True
    )
    memberships_services.membership_add(actor=None, community=community, person=offline)
    relay = contact_relay_services.contact_relay_send(
        actor=member,
        community=community,
        recipient=offline.memberships.get(),
        message="Fancy a walk?",
    )
    client.force_login(coordinator)
    page = text(client.get(dashboard_url(community)))
    assert "Fancy a walk?" in page and "01632 960001" in page
    response = client.post(reverse("web:relay_passed_on", args=[community.slug, relay.pk]))
    assert response.status_code == 302
    relay.refresh_from_db()
    assert relay.passed_on_by == coordinator
    again = client.post(
        reverse("web:relay_passed_on", args=[community.slug, relay.pk]), follow=True
    )
    assert "already been passed on" in text(again)


def test_it_refuses_marking_relays_to_members(client, community, member, agency_staff):
    relay = contact_relay_services.contact_relay_send(
        actor=agency_staff, community=community, recipient=member.memberships.get(), message="Hi"
    )
    ContactRelay.objects.filter(pk=relay.pk).update(via="coordinator")
    client.force_login(member)
    assert (
        client.post(reverse("web:relay_passed_on", args=[community.slug, relay.pk])).status_code
        == 403
    )
    relay.refresh_from_db()
    assert relay.passed_on_at is None


def test_it_searches_members_with_and_without_htmx(client, community, coordinator, member):
    client.force_login(coordinator)
    search = reverse("web:member_search", args=[community.slug])
    fragment = client.get(search, {"q": "Mo"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and 'id="member-results"' in body and "Mo Member" in body
    full = client.get(search, {"q": "Mo"})
    assert "<html" in full.content.decode() and "Mo Member" in text(full)
    assert "Nobody matches" in text(client.get(search, {"q": "zzz"}))


def make_dashboard_rows(community, coordinator, count, start):
    for i in range(start, start + count):
        application = submit_application(
            community, full_name=f"Applicant {i}", email=f"a{i}@example.org"
        )
        references_services.reference_request(
            actor=coordinator,
            application=application,
            referee_name="R",
            referee_email=f"r{i}@example.org",
        )
        vetting_services.check_record(
            actor=coordinator,
            community=community,
            person=application.person,
            kind="id_seen",
            result="passed",
            checked_on=dt.date.today(),
        )
        person = Person.objects.create_user(email=None, full_name=f"Offline {i}", is_offline=True)
        membership = memberships_services.membership_add(
            actor=None, community=community, person=person
        )
        vetting_services.check_record(
            actor=coordinator,
            community=community,
            person=person,
            kind="background_check",
            result="passed",
            checked_on=dt.date.today() - dt.timedelta(days=400),
            expires_on=dt.date.today() + dt.timedelta(days=5),
        )
        contact_relay_services.contact_relay_send(
            actor=coordinator, community=community, recipient=membership, message="Hello"
        )


def test_it_uses_a_fixed_number_of_queries(
    client, community, coordinator, django_assert_num_queries
):
    client.force_login(coordinator)
    url = dashboard_url(community)
    make_dashboard_rows(community, coordinator, 2, 0)
    client.get(url)
    # session, person, memberships with roles (the community among them), expiring checks (2),
    # relays, member numbers,
    # applications (+ their checks), rulebook; and the figures: rulebook, the three broker
    # queue counts, messages to pass on, introductions, open concerns; working alongside agencies
    # (referrals waiting, registers waiting, this month's session credits); commitments past
    # their date; unread notifications (header)
    with django_assert_num_queries(22):
        small = client.get(url)
    make_dashboard_rows(community, coordinator, 8, 2)
    with django_assert_num_queries(22):
        large = client.get(url)
    board = large.context["dashboard"]
    assert len(board.applications) == 10 and len(board.expiring) == 10 and len(board.relays) == 10
    assert len(small.context["dashboard"].applications) == 2
