from __future__ import annotations

import io
import json
import zipfile

import pytest

from coproduce.communities.models import (
    AccessToken,
    Gift,
    Membership,
    MembershipStatus,
    Person,
    SensitiveDatum,
)
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors import privacy as privacy_selectors
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import privacy as privacy_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import tokens as tokens_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent


def view_of(viewer, person, community):
    membership = memberships_selectors.membership_by_number(
        community, person.memberships.get(community=community).number
    )
    from coproduce.communities import access

    return directory_selectors.member_view(
        viewer, membership, viewer_coordinates=access.is_coordinator(viewer, community)
    )


def test_it_hides_private_fields_from_other_members_by_default(
    community, member, coordinator, agency_staff
):
    seen = view_of(agency_staff, member, community)
    assert seen.email is None and seen.phone is None and seen.address is None
    mine = view_of(member, member, community)
    assert mine.email == member.email and mine.phone == member.phone
    coordinators_view = view_of(coordinator, member, community)
    assert coordinators_view.phone == member.phone


def test_it_shows_a_field_to_members_once_shared(community, member, agency_staff):
    privacy_services.privacy_update(actor=member, person=member, visibility={"phone": "members"})
    assert view_of(agency_staff, member, community).phone == member.phone
    assert view_of(agency_staff, member, community).email is None


def test_it_rejects_unknown_privacy_values(community, member):
    with pytest.raises(ValidationFailed) as exc:
        privacy_services.privacy_update(
            actor=member, person=member, visibility={"phone": "everyone", "shoe_size": "public"}
        )
    assert set(exc.value.fields) == {"phone", "shoe_size"}
    member.refresh_from_db()
    assert member.phone_visibility == "coordinators"


def test_it_stores_sensitive_data_only_with_consent(member):
    with pytest.raises(PermissionDenied) as exc:
        privacy_services.sensitive_set(
            actor=member, person=member, field="health", value="Diabetes"
        )
    assert exc.value.code == "consent_required"
    assert not SensitiveDatum.objects.exists()
    privacy_services.consent_give(actor=member, person=member, topic="health")
    privacy_services.sensitive_set(actor=member, person=member, field="health", value="Diabetes")
    assert SensitiveDatum.objects.get().value == "Diabetes"
    # The value never reaches the audit log.
    assert "Diabetes" not in json.dumps(list(AuditEvent.objects.values("changes", "note")))
    privacy_services.consent_withdraw(actor=member, person=member, topic="health")
    assert not SensitiveDatum.objects.exists()


def test_it_lets_a_coordinator_edit_for_a_member_and_records_both(community, coordinator, member):
    profiles_services.gift_profile_update(
        actor=coordinator, person=member, gifts=[("hands", "Gardening")], availability=["mon-am"]
    )
    event = AuditEvent.objects.filter(action="person.gift_profile").get()
    assert event.actor_id == coordinator.pk
    assert event.on_behalf_of_id == member.pk


def test_it_refuses_edits_by_someone_who_does_not_coordinate_them(
    community, member, agency_staff, other_member
):
    for actor in (agency_staff, other_member):
        with pytest.raises(NotFound):
            profiles_services.gift_profile_update(
                actor=actor, person=member, gifts=[("hands", "x")]
            )
    assert not Gift.objects.exists()


def test_it_validates_the_gift_profile(member):
    with pytest.raises(ValidationFailed) as exc:
        profiles_services.gift_profile_update(
            actor=member,
            person=member,
            gifts=[("feet", "Running")],
            availability=["someday"],
            contact_preferences=["pigeon"],
        )
    assert set(exc.value.fields) == {"gifts", "availability", "contact_preferences"}


def test_it_exports_everything_as_json_and_csv(community, member):
    profiles_services.gift_profile_update(
        actor=member, person=member, gifts=[("head", "Tax forms"), ("teach", "Knitting")]
    )
    data = privacy_selectors.person_data_export(member)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"my-data.json", "gifts.csv", "memberships.csv", "history.csv"} <= names
    payload = json.loads(archive.read("my-data.json"))
    assert payload["profile"]["email"] == member.email
    assert {g["description"] for g in payload["gifts"]} == {"Tax forms", "Knitting"}
    assert payload["memberships"][0]["member_number"].startswith("RIV-")
    assert "Knitting" in archive.read("gifts.csv").decode()


def test_it_pseudonymises_a_member_who_leaves_and_keeps_the_record(community, coordinator, member):
    profiles_services.gift_profile_update(actor=member, person=member, gifts=[("hands", "DIY")])
    tokens_services.token_create(actor=member, person=member, name="phone")
    membership = member.memberships.get(community=community)
    history_before = AuditEvent.objects.filter(person_id=member.pk).count()
    offboarding_services.member_offboard(
        actor=coordinator, membership=membership, reason="Moved away"
    )
    person = Person.objects.get(pk=member.pk)
    assert person.email is None and person.phone == "" and person.address == ""
    assert person.full_name == f"Former member {person.pk}"
    assert not person.is_active and not person.has_usable_password()
    assert not person.gifts.exists()
    assert not AccessToken.objects.filter(person=person, revoked_at__isnull=True).exists()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ARCHIVED
    # History still points at the same (now anonymous) record.
    assert AuditEvent.objects.filter(person_id=member.pk).count() > history_before
    with pytest.raises(Conflict):
        offboarding_services.member_offboard(
            actor=coordinator, membership=membership, reason="again"
        )


def test_it_keeps_the_personal_data_of_someone_still_in_another_community(
    community, other_community, coordinator, member
):
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    offboarding_services.member_offboard(
        actor=coordinator, membership=member.memberships.get(community=community), reason="x"
    )
    member.refresh_from_db()
    assert member.email == "member@riverside.example"
    assert (
        Membership.objects.get(person=member, community=other_community).status
        == MembershipStatus.ACTIVE
    )


def test_it_keeps_the_last_coordinator(community, coordinator):
    with pytest.raises(Conflict):
        offboarding_services.member_offboard(
            actor=coordinator, membership=coordinator.memberships.get(), reason="bye"
        )
