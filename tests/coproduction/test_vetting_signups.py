"""The community's check level for group activities (`vetting_group_activity`) applies to
sign-ups for sessions alongside staff, on top of each role's own requirements: refused with 403
`vetting_required` in the API and with the reason in place of "Sign up" on the web, changing
nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import CheckKind, CheckResult
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.coproduction.models import Session, SignUp, SignUpStatus
from coproduce.coproduction.selectors import agencies
from coproduce.coproduction.services import sessions
from coproduce.core.errors import PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent

from ..api.conftest import assert_error, bearer
from ..web.conftest import text

REFUSED = (
    "A group activity in a public place needs the check level “ID checked” in Riverside: an ID "
    "check. You have not had an ID check yet. Ask a coordinator (Cora Coordinator) to arrange it."
)


@pytest.fixture
def group_rule(community, coordinator):
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"vetting_group_activity": 1},
        reason="Sessions need an ID check",
    )
    return community


def check(coordinator, community, person, kind=CheckKind.ID_SEEN):
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=person,
        kind=kind,
        result=CheckResult.PASSED,
        checked_on=timezone.localdate(),
    )


def state():
    return (
        SignUp.objects.count(),
        list(Session.objects.values_list("places_taken", flat=True)),
        AuditEvent.objects.filter(action="signup.create").count(),
    )


def test_the_community_rule_refuses_a_sign_up_the_role_alone_would_allow(
    group_rule, coordinator, member, session
):
    assert session.role.vetting_level == 0
    before = state()
    with pytest.raises(PermissionDenied) as refused:
        sessions.signup_create(actor=member, session=session)
    assert refused.value.code == "vetting_required" and refused.value.message == REFUSED
    assert refused.value.fields == {"person": [REFUSED]}
    assert state() == before
    check(coordinator, group_rule, member)
    assert sessions.signup_create(actor=member, session=session).status == SignUpStatus.BOOKED


def test_the_role_asks_for_more_than_the_community(group_rule, coordinator, member, session):
    role = session.role
    role.vetting_level = 2
    role.save()
    reasons = agencies.eligibility(member, role)
    assert reasons[0] == REFUSED
    assert reasons[1].startswith("This role needs the check level “Enhanced check” in Riverside")
    check(coordinator, group_rule, member)
    with pytest.raises(ValidationFailed) as refused:
        sessions.signup_create(actor=member, session=session)
    assert refused.value.code == "not_eligible" and "Enhanced check" in refused.value.message


def test_staff_signing_a_member_up_are_told_only_that_a_check_is_needed(
    group_rule, agency_admin, member, session
):
    with pytest.raises(PermissionDenied) as refused:
        sessions.signup_create(actor=agency_admin, session=session, person=member)
    assert (
        "Mo Member has not had the check this needs yet; a coordinator of Riverside can arrange it."
        in refused.value.message
    )
    assert not SignUp.objects.exists()


def test_the_api_answers_403_vetting_required_and_changes_nothing(
    client, group_rule, coordinator, member, session
):
    url = f"/api/v1/communities/riverside/sessions/{session.pk}/signups"
    before = state()
    error = assert_error(
        client.post(url, content_type="application/json", headers=bearer(member)),
        403,
        "vetting_required",
    )
    assert error["message"] == REFUSED and error["fields"] == {"person": [REFUSED]}
    assert state() == before
    check(coordinator, group_rule, member)
    assert (
        client.post(url, content_type="application/json", headers=bearer(member)).status_code == 201
    )


def test_the_session_page_shows_the_reason_in_place_of_sign_up(
    client, group_rule, coordinator, member, session
):
    client.force_login(member)
    detail = reverse("web:session_detail", args=["riverside", session.pk])
    page = text(client.get(detail))
    assert "Before you can sign up" in page and REFUSED in page
    assert "You cannot sign up yet" in page and "Ask a coordinator" in page
    assert "Sign up" not in page.replace("Before you can sign up", "").replace("cannot sign up", "")
    listed = text(
        client.get(reverse("web:agency_sessions", args=["riverside", session.agency.slug]))
    )
    assert REFUSED in listed and "You cannot sign up yet" in listed
    before = state()
    response = client.post(
        reverse("web:session_signup", args=["riverside", session.pk]), follow=True
    )
    assert REFUSED in text(response)
    assert state() == before
    check(coordinator, group_rule, member)
    page = text(client.get(detail))
    assert "Before you can sign up" not in page and "Sign up" in page
