from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from coproduce.communities.models import (
    Application,
    ApplicationStatus,
    CheckKind,
    CheckResult,
    Membership,
    ReferenceOutcome,
)
from coproduce.communities.selectors import vetting as vetting_selectors
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import notes as notes_services
from coproduce.communities.services import references as references_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.models import AuditEvent


def apply(community, **kw):
    data = {"full_name": "Ada Applicant", "email": "ada@example.org", "about": "I can fix bikes."}
    data.update(kw)
    return applications_services.application_submit(actor=None, community=community, **data)


def test_it_takes_an_application_through_to_approval(
    community, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(community)
    assert application.status == ApplicationStatus.PENDING
    notes_services.application_note_add(
        actor=coordinator, application=application, text="Lovely chat.", interview=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        reference, token = references_services.reference_request(
            actor=coordinator,
            application=application,
            referee_name="Rita Referee",
            referee_email="rita@example.org",
        )
    assert any(token in m.body for m in mail.outbox)
    references_services.reference_answer(
        token=token, outcome=ReferenceOutcome.SUPPORTS, answer="Known her ten years."
    )
    membership = applications_services.application_approve(
        actor=coordinator, application=application
    )
    assert membership.community == community
    assert membership.member_code.startswith("RIV-")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    actions = list(
        AuditEvent.objects.filter(person_id=application.person_id).values_list("action", flat=True)
    )
    assert {
        "application.submit",
        "application.interview",
        "reference.request",
        "reference.answer",
        "application.approve",
        "membership.create",
    } <= set(actions)


def test_it_refuses_approval_without_enough_references(community, coordinator):
    application = apply(community)
    with pytest.raises(Conflict) as exc:
        applications_services.application_approve(actor=coordinator, application=application)
    assert exc.value.code == "references_needed"
    assert not Membership.objects.filter(person=application.person, community=community).exists()


def test_it_follows_the_rulebook_for_references(community, coordinator):
    communities_services.rulebook_change(
        actor=coordinator, community=community, changes={"references_required": 0}, reason="Trial"
    )
    application = apply(community)
    applications_services.application_approve(actor=coordinator, application=application)


def test_it_rejects_a_duplicate_application(community):
    apply(community)
    before = Application.objects.count()
    with pytest.raises(Conflict) as exc:
        apply(community, email="ADA@example.org")
    assert exc.value.code == "duplicate_application"
    assert Application.objects.count() == before


def test_it_rejects_an_application_from_a_member(community, member):
    with pytest.raises(Conflict):
        apply(community, email=member.email)


def test_it_needs_a_way_to_reach_the_applicant(community):
    with pytest.raises(ValidationFailed) as exc:
        apply(community, email="", phone="")
    assert "phone" in exc.value.fields
    assert Application.objects.count() == 0


def test_it_accepts_a_phone_only_applicant(community):
    application = apply(community, email="", phone="01632 960001", contact_preference="phone")
    assert application.person.email is None
    assert application.person.is_offline


def test_it_refuses_an_expired_reference_link(community, coordinator):
    application = apply(community)
    reference, token = references_services.reference_request(
        actor=coordinator, application=application, referee_name="R", referee_email="r@example.org"
    )
    type(reference).objects.filter(pk=reference.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(Conflict) as exc:
        references_services.reference_answer(
            token=token, outcome=ReferenceOutcome.SUPPORTS, answer="Yes"
        )
    assert exc.value.code == "link_expired"
    reference.refresh_from_db()
    assert reference.outcome == ""


def test_it_refuses_an_unknown_reference_link(db):
    with pytest.raises(NotFound):
        references_services.reference_answer(
            token="nope", outcome=ReferenceOutcome.SUPPORTS, answer="Yes"
        )


def test_it_declines_with_a_reason_only(community, coordinator):
    application = apply(community)
    with pytest.raises(ValidationFailed):
        applications_services.application_decline(
            actor=coordinator, application=application, reason=" "
        )
    applications_services.application_decline(
        actor=coordinator, application=application, reason="Lives outside the area"
    )
    with pytest.raises(Conflict):
        applications_services.application_approve(actor=coordinator, application=application)


def test_it_derives_the_vetting_level_from_checks(community, coordinator, member):
    today = timezone.localdate()
    assert vetting_selectors.vetting_level(community, member) == 0
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.ID_SEEN,
        result=CheckResult.PASSED,
        checked_on=today,
    )
    assert vetting_selectors.vetting_level(community, member) == 1
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.BACKGROUND,
        result=CheckResult.PASSED,
        checked_on=today - dt.timedelta(days=1000),
        expires_on=today + dt.timedelta(days=10),
    )
    assert vetting_selectors.vetting_level(community, member) == 2
    assert vetting_selectors.vetting_level(community, member, on=today + dt.timedelta(days=11)) == 1
    expiring = vetting_selectors.checks_expiring(community, today=today)
    assert [c.person_id for c in expiring] == [member.pk]
    # A renewed check replaces the expiring one on the dashboard.
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.BACKGROUND,
        result=CheckResult.PASSED,
        checked_on=today,
        expires_on=today + dt.timedelta(days=1095),
    )
    assert vetting_selectors.checks_expiring(community, today=today) == []


def test_it_refuses_a_check_dated_in_the_future(community, coordinator, member):
    with pytest.raises(ValidationFailed):
        vetting_services.check_record(
            actor=coordinator,
            community=community,
            person=member,
            kind=CheckKind.ID_SEEN,
            result=CheckResult.PASSED,
            checked_on=timezone.localdate() + dt.timedelta(days=1),
        )
