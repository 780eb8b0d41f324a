from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from coproduce.communities.models import (
    Check,
    ContactRelay,
    CoordinatorNote,
    MembershipRole,
    MembershipStatus,
    Role,
)
from coproduce.communities.services import acting_for as acting_for_services
from coproduce.communities.services import notes as notes_services
from coproduce.communities.services import privacy as privacy_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.core.models import AuditEvent

from .conftest import text


def url(community, person, name="web:member_detail"):
    return reverse(name, args=[community.slug, person.memberships.get(community=community).number])


@pytest.fixture
def recorded(community, coordinator, member):
    """A member with a check and a coordinator note on record."""
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind="background_check",
        result="passed",
        checked_on=dt.date.today(),
        reference_number="DBS-SECRET-1",
    )
    notes_services.person_note_add(
        actor=coordinator, community=community, person=member, text="Prefers mornings; NOTE-XYZ"
    )
    return member


def test_it_shows_a_member_their_neighbour_with_privacy_applied(
    client, community, member, agency_staff
):
    profiles_services.gift_profile_update(
        actor=member, person=member, gifts=[("hands", "Gardening")]
    )
    client.force_login(agency_staff)
    response = client.get(url(community, member))
    assert response.status_code == 200
    page = text(response)
    assert "Mo Member" in page and "Gardening" in page
    assert "07700 900001" not in page and "1 River Row" not in page and member.email not in page


def test_it_shows_details_the_member_chose_to_share(client, community, member, agency_staff):
    privacy_services.privacy_update(actor=member, person=member, visibility={"phone": "members"})
    client.force_login(agency_staff)
    assert "07700 900001" in text(client.get(url(community, member)))


@pytest.mark.parametrize("who", ["outsider", "other_member"])
def test_it_hides_members_from_people_outside(client, community, member, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(community, member)).status_code == 404
    assert client.get(url(community, member, "web:member_card")).status_code == 404


def test_it_gives_404_for_an_unknown_number(client, community, member):
    client.force_login(member)
    assert client.get(reverse("web:member_detail", args=[community.slug, 999])).status_code == 404


def test_it_never_shows_checks_notes_or_history_to_members(
    client, community, recorded, agency_staff
):
    client.force_login(agency_staff)
    response = client.get(url(community, recorded))
    body = response.content.decode()
    assert "DBS-SECRET-1" not in body and "NOTE-XYZ" not in body
    assert "Coordinator's record" not in text(response)
    assert "History" not in text(response)
    assert "record" not in response.context


def test_it_shows_coordinators_the_record(client, community, recorded, coordinator):
    profiles_services.person_details_update(
        actor=coordinator, person=recorded, neighbourhood="Docks"
    )
    client.force_login(coordinator)
    response = client.get(url(community, recorded))
    page = text(response)
    assert "DBS-SECRET-1" in page and "NOTE-XYZ" in page
    assert "Enhanced check" not in page  # ID not seen yet, so level 0 despite the DBS
    assert "Not yet checked" in page
    assert "Their details were changed." in page and "Neighbourhood: nothing → Docks" in page
    assert "07700 900001" in page  # coordinators see contact details
    assert "Act for Mo Member" in page


def test_it_records_who_acted_for_whom_in_the_history(client, community, coordinator, member):
    acting_for_services.acting_for_start(actor=coordinator, membership=member.memberships.get())
    profiles_services.gift_profile_update(
        actor=coordinator, person=member, gifts=[("hands", "Gardening")]
    )
    client.force_login(coordinator)
    page = text(client.get(url(community, member)))
    assert "Their gift profile was changed." in page
    assert "on behalf of Mo Member" in page


def test_it_sends_people_to_messages_rather_than_the_old_contact_relay(
    client, community, member, agency_staff
):
    client.force_login(agency_staff)
    page = client.get(url(community, member))
    assert (
        reverse("web:conversation_new", args=[community.slug, member.memberships.get().number])
        in page.content.decode()
    )
    assert 'name="contact-message"' not in page.content.decode()
    response = client.post(
        url(community, member), {"contact-message": "Could you help with my garden?"}
    )
    assert response.status_code == 405
    assert not ContactRelay.objects.exists()


def test_it_records_a_check(client, community, coordinator, member):
    client.force_login(coordinator)
    today = dt.date.today()
    response = client.post(
        url(community, member, "web:member_check"),
        {
            "check-kind": "id_seen",
            "check-result": "passed",
            "check-checked_on": today.isoformat(),
            "check-expires_on": "",
            "check-reference_number": "",
            "check-note": "Passport",
        },
    )
    assert response.status_code == 302
    assert Check.objects.get().kind == "id_seen"
    assert "ID checked" in text(client.get(url(community, member)))


def test_it_refuses_a_check_that_expires_before_it_was_done(client, community, coordinator, member):
    client.force_login(coordinator)
    response = client.post(
        url(community, member, "web:member_check"),
        {
            "check-kind": "id_seen",
            "check-result": "passed",
            "check-checked_on": "2024-05-01",
            "check-expires_on": "2024-04-01",
        },
    )
    assert response.status_code == 400
    assert "The expiry date must be after the check date." in text(response)
    assert 'href="#id_check-expires_on"' in response.content.decode()
    assert not Check.objects.exists()


def test_it_refuses_checks_and_notes_from_members(client, community, member, agency_staff):
    client.force_login(agency_staff)
    response = client.post(
        url(community, member, "web:member_check"),
        {
            "check-kind": "id_seen",
            "check-result": "passed",
            "check-checked_on": "2024-05-01",
        },
    )
    assert response.status_code == 403
    assert (
        client.post(url(community, member, "web:member_note"), {"note-text": "Hi"}).status_code
        == 403
    )
    assert not Check.objects.exists() and not CoordinatorNote.objects.exists()


def test_it_adds_a_note_and_needs_text(client, community, coordinator, member):
    client.force_login(coordinator)
    bad = client.post(url(community, member, "web:member_note"), {"note-text": ""})
    assert bad.status_code == 400 and "Write the note first." in text(bad)
    assert not CoordinatorNote.objects.exists()
    client.post(
        url(community, member, "web:member_note"), {"note-text": "Called about the garden."}
    )
    assert CoordinatorNote.objects.get().text == "Called about the garden."


def test_it_grants_and_revokes_roles(client, community, coordinator, member):
    client.force_login(coordinator)
    client.post(url(community, member, "web:member_role"), {"role": "steward", "granted": "1"})
    assert MembershipRole.objects.filter(membership__person=member, role=Role.STEWARD).exists()
    client.post(url(community, member, "web:member_role"), {"role": "steward", "granted": "0"})
    assert not MembershipRole.objects.filter(membership__person=member, role=Role.STEWARD).exists()


def test_it_keeps_the_last_coordinator(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(
        url(community, coordinator, "web:member_role"),
        {"role": "coordinator", "granted": "0"},
        follow=True,
    )
    assert "A community needs at least one coordinator." in text(response)
    assert MembershipRole.objects.filter(
        membership__person=coordinator, role=Role.COORDINATOR
    ).exists()


def test_it_refuses_role_changes_from_members(client, community, member, agency_staff):
    client.force_login(member)
    response = client.post(
        url(community, agency_staff, "web:member_role"), {"role": "coordinator", "granted": "1"}
    )
    assert response.status_code == 403
    assert not MembershipRole.objects.filter(
        membership__person=agency_staff, role=Role.COORDINATOR
    ).exists()


def test_it_offboards_with_a_reason_after_confirming(client, community, coordinator, member):
    client.force_login(coordinator)
    confirm = client.get(url(community, member, "web:member_offboard"))
    assert "Yes, offboard Mo Member" in text(confirm)
    bad = client.post(url(community, member, "web:member_offboard"), {"reason": ""})
    assert bad.status_code == 400 and "Give a reason for the member leaving." in text(bad)
    assert member.memberships.get().status == MembershipStatus.ACTIVE
    done = client.post(url(community, member, "web:member_offboard"), {"reason": "Moved to Leeds."})
    assert done["Location"] == reverse("web:coordinator_dashboard", args=[community.slug])
    assert member.memberships.get().status == MembershipStatus.ARCHIVED
    assert AuditEvent.objects.get(action="membership.archive").note == "Moved to Leeds."


def test_it_refuses_offboarding_to_members(client, community, member, agency_staff):
    client.force_login(agency_staff)
    assert (
        client.post(url(community, member, "web:member_offboard"), {"reason": "x"}).status_code
        == 403
    )
    assert member.memberships.get().status == MembershipStatus.ACTIVE
