"""Referral services: making one (consent, a way to reach the person, the target), following
it up (allowed moves only), what the referrer sees, and blanking declined referrals' contact
details after 90 days."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from coproduce.coproduction.models import (
    CoproductionRole,
    Referral,
    ReferralEvent,
    ReferralStatus,
    RoleStatus,
)
from coproduce.coproduction.selectors import referrals as referrals_selectors
from coproduce.coproduction.services import referrals as referrals_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.notifications.models import Notification


def make(actor, agency, **overrides):
    values = {
        "target": "community",
        "full_name": "Pat Patient",
        "phone": "07700 900123",
        "email": "pat@example.org",
        "what_matters": "Feels lonely since moving here",
        "consent_given": True,
        "consent_note": "Agreed in clinic on 3 May",
        "share_with_referrer": "status",
    }
    values.update(overrides)
    return referrals_services.referral_create(actor=actor, agency=agency, **values)


def test_it_records_a_referral_tells_coordinators_and_keeps_details_out_of_the_audit(
    agency, agency_admin, coordinator
):
    referral = make(agency_admin, agency)
    assert referral.status == ReferralStatus.REFERRED
    assert list(ReferralEvent.objects.values_list("status", flat=True)) == ["referred"]
    notice = Notification.objects.get(person=coordinator)
    assert notice.title == "A new referral from Riverside Health Centre"
    assert "Pat" not in notice.title + notice.body
    audit = AuditEvent.objects.get(action="referral.create")
    text = str(audit.changes) + audit.note
    for private in ("Pat", "07700", "pat@example.org", "lonely", "clinic"):
        assert private not in text


def test_it_refuses_a_referral_without_consent_and_stores_nothing(
    agency, agency_admin, coordinator
):
    for consent in (False, None, "yes"):
        with pytest.raises(ValidationFailed) as caught:
            make(agency_admin, agency, consent_given=consent)
        assert caught.value.code == "consent_required"
        assert "needs their consent" in caught.value.message
    assert not Referral.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="referral").exists()


def test_it_needs_a_way_to_reach_the_person(agency, agency_admin):
    with pytest.raises(ValidationFailed) as caught:
        make(agency_admin, agency, phone="", email="")
    assert "phone" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        make(agency_admin, agency, phone="", email="not-an-email")
    assert "email" in caught.value.fields
    assert make(agency_admin, agency, phone="", email="pat@example.org").phone == ""
    assert Referral.objects.count() == 1


def test_it_needs_the_consent_note_and_a_name(agency, agency_admin):
    with pytest.raises(ValidationFailed) as caught:
        make(agency_admin, agency, consent_note="  ", full_name="")
    assert set(caught.value.fields) == {"consent_note", "full_name"}
    assert not Referral.objects.exists()


def test_it_refuses_a_role_of_another_community_or_unpublished(
    agency, agency_admin, role, other_community
):
    from coproduce.coproduction.models import Agency, AgencyKind

    other_agency = Agency.objects.create(
        community=other_community, name="Hill GP", slug="hill-gp", kind=AgencyKind.GP_PRACTICE
    )
    elsewhere = CoproductionRole.objects.create(
        community=other_community,
        agency=other_agency,
        title="Gardener",
        description="Dig",
        commitment="Weekly",
        status=RoleStatus.PUBLISHED,
    )
    draft = CoproductionRole.objects.create(
        community=agency.community,
        agency=agency,
        title="Draft",
        description="Not yet",
        commitment="-",
        status=RoleStatus.DRAFT,
    )
    for bad in (elsewhere, draft, None):
        with pytest.raises(ValidationFailed) as caught:
            make(agency_admin, agency, target="role", role=bad)
        assert "role" in caught.value.fields
    assert not Referral.objects.exists()
    assert make(agency_admin, agency, target="role", role=role).role == role


def test_it_needs_a_group_name_for_a_group(agency, agency_admin):
    with pytest.raises(ValidationFailed) as caught:
        make(agency_admin, agency, target="group")
    assert "group_name" in caught.value.fields
    assert (
        make(agency_admin, agency, target="group", group_name="Knit and natter").group_name
        == "Knit and natter"
    )


def test_it_lets_only_agency_staff_and_coordinators_refer(
    agency, agency_admin, member, outsider, other_member, coordinator
):
    with pytest.raises(PermissionDenied):
        make(member, agency)
    for stranger in (outsider, other_member):
        with pytest.raises(NotFound):
            make(stranger, agency)
    assert not Referral.objects.exists()
    assert make(coordinator, agency).referrer == coordinator


def test_it_follows_a_referral_up_to_joined_with_events_and_notes(
    agency, agency_admin, coordinator, member, membership_of
):
    referral = make(agency_admin, agency)
    referrals_services.referral_update_status(
        actor=coordinator, referral=referral, status="contacted", note="Rang, coming Tuesday"
    )
    number = membership_of(member, agency.community).number
    done = referrals_services.referral_update_status(
        actor=coordinator, referral=referral, status="joined", member_number=f"RIV-{number:04d}"
    )
    assert done.status == "joined" and done.person == member and done.handled_by == coordinator
    assert "Rang, coming Tuesday" in done.coordinator_note
    assert list(referral.events.values_list("status", flat=True)) == [
        "referred",
        "contacted",
        "joined",
    ]
    audits = AuditEvent.objects.filter(action="referral.status")
    assert audits.count() == 2
    assert all("Rang" not in str(a.changes) + a.note for a in audits)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["declined"], "contacted"),
        (["declined"], "joined"),
        (["contacted"], "contacted"),
        (["contacted"], "referred"),
        ([], "first_exchange"),
    ],
)
def test_it_refuses_moves_a_referral_cannot_make(agency, agency_admin, coordinator, path, refused):
    referral = make(agency_admin, agency)
    for status in path:
        referrals_services.referral_update_status(
            actor=coordinator, referral=referral, status=status
        )
    events = ReferralEvent.objects.count()
    with pytest.raises((Conflict, ValidationFailed)) as caught:
        referrals_services.referral_update_status(
            actor=coordinator, referral=referral, status=refused
        )
    if refused != "referred":
        assert caught.value.code == "status_not_allowed"
    assert ReferralEvent.objects.count() == events
    referral.refresh_from_db()
    assert referral.status == (path[-1] if path else "referred")


def test_it_needs_a_real_member_number_to_mark_joined(
    agency, agency_admin, coordinator, other_member
):
    referral = make(agency_admin, agency)
    for bad in (None, "", "RIV-9999", "HIL-0001", "banana"):
        with pytest.raises(ValidationFailed) as caught:
            referrals_services.referral_update_status(
                actor=coordinator, referral=referral, status="joined", member_number=bad
            )
        assert "member_number" in caught.value.fields
    referral.refresh_from_db()
    assert referral.status == "referred" and referral.person is None


def test_it_lets_only_coordinators_follow_up(agency, agency_admin, member):
    referral = make(agency_admin, agency)
    for person in (agency_admin, member):
        with pytest.raises(PermissionDenied):
            referrals_services.referral_update_status(
                actor=person, referral=referral, status="contacted"
            )
    assert ReferralEvent.objects.count() == 1


def test_it_shows_the_referrer_the_outcome_only(agency, agency_admin, coordinator):
    quiet = make(agency_admin, agency)
    make(agency_admin, agency, full_name="Nia Named", share_with_referrer="name")
    referrals_services.referral_update_status(
        actor=coordinator, referral=quiet, status="contacted", note="Private note"
    )
    outcomes = [
        referrals_selectors.referral_outcome(r)
        for r in referrals_selectors.referrals_of_agency(agency)
    ]
    assert [o.name for o in outcomes] == ["Nia Named", None]
    text = repr(outcomes)
    for private in ("Pat", "07700", "pat@example.org", "lonely", "clinic", "Private note"):
        assert private not in text
    assert [s for s, _label, _at in outcomes[1].events] == ["referred", "contacted"]


def test_it_derives_the_first_exchange_of_a_joined_member(
    agency, agency_admin, coordinator, member, membership_of
):
    referral = make(agency_admin, agency)
    referral = referrals_services.referral_update_status(
        actor=coordinator,
        referral=referral,
        status="joined",
        member_number=membership_of(member, agency.community).number,
    )
    assert not referrals_selectors.first_exchange_made(referral)
    made = exchanges_services.exchange_record(
        actor=member,
        community=agency.community,
        idempotency_key="x",
        providers=[member],
        recipients=[coordinator],
        minutes=30,
        effective_on=timezone.localdate(),
    )
    answers_services.exchange_confirm(actor=coordinator, exchange=made)
    assert referrals_selectors.first_exchange_made(referral)
    done = referrals_services.referral_update_status(
        actor=coordinator, referral=referral, status="first_exchange"
    )
    assert done.status == "first_exchange"


def test_it_blanks_contact_details_of_referrals_declined_over_90_days_ago(
    agency, agency_admin, coordinator
):
    old = make(agency_admin, agency)
    recent = make(agency_admin, agency)
    open_one = make(agency_admin, agency)
    referrals_services.referral_update_status(actor=coordinator, referral=old, status="declined")
    referrals_services.referral_update_status(actor=coordinator, referral=recent, status="declined")
    Referral.objects.filter(pk__in=[old.pk, open_one.pk]).update(
        status_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    assert referrals_services.referrals_minimise() == 1
    assert referrals_services.referrals_minimise() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    open_one.refresh_from_db()
    assert (old.phone, old.email, old.what_matters) == ("", "", "")
    assert old.full_name == "Pat Patient" and old.status == "declined"
    assert recent.phone and open_one.phone
    assert (
        AuditEvent.objects.filter(action="referral.minimise", subject_id=str(old.pk)).count() == 1
    )


def test_it_runs_the_minimising_as_a_timed_job(agency, agency_admin, coordinator):
    from coproduce.ops.periodic import run_periodic_now

    old = make(agency_admin, agency)
    referrals_services.referral_update_status(actor=coordinator, referral=old, status="declined")
    later = timezone.now() + dt.timedelta(days=91)
    with mock.patch("django.utils.timezone.now", return_value=later):
        results = run_periodic_now()
    assert [v for k, v in results.items() if k.endswith("referrals_minimise")] == [1]
    old.refresh_from_db()
    assert old.phone == ""


def test_it_counts_new_referrals_for_the_dashboard(agency, agency_admin, coordinator):
    make(agency_admin, agency)
    second = make(agency_admin, agency)
    referrals_services.referral_update_status(
        actor=coordinator, referral=second, status="contacted"
    )
    assert referrals_selectors.referrals_new_count(agency.community) == 1
    assert referrals_selectors.referral_counts(agency)["contacted"] == 1
