"""The referral form, the self-assessment and the agency's referral list: what is
required reads as required, every problem shows on the first submit, the error summary has no
redundant "Please correct …" line, roles are labelled with their agency, and each referral in
the agency's list has a reference and a time."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from coproduce.coproduction.models import (
    Agency,
    AgencyKind,
    Assessment,
    CoproductionRole,
    Referral,
    RoleStatus,
)
from coproduce.coproduction.selectors import assessments
from coproduce.core.errors import Conflict, ValidationFailed
from coproduce.ledger.services import accounts as accounts_services
from coproduce.web.forms.common import show_refusal
from coproduce.web.forms.referrals import ReferralForm

from ..web.conftest import text
from .test_assessments_web import answers
from .test_referrals_web import form_data, make


def _label(body: str, field_id: str) -> str:
    found = re.search(rf'<label for="{field_id}"[^>]*>(.*?)</label>', body, re.S)
    assert found, field_id
    return re.sub(r"<[^>]+>", "", found.group(1))


def _summary(body: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', body, re.S)
    assert found
    return found.group(0)


def _referral_url(agency) -> str:
    return reverse("web:referral_create", args=[agency.community.slug, agency.slug])


def _assessment_url(agency) -> str:
    return reverse("web:assessment_create", args=[agency.community.slug, agency.slug])


# 1. Required fields read as required ---------------------------------------------------------


def test_it_shows_the_self_assessment_scores_as_required(client, agency, agency_admin):
    client.force_login(agency_admin)
    body = client.get(_assessment_url(agency)).content.decode()
    legends = re.findall(r"<legend>(.*?)</legend>", body, re.S)
    score_legends = [legend for legend in legends if "level:" in legend]
    assert len(score_legends) == 18
    assert not [legend for legend in score_legends if "(optional)" in legend]
    # The evidence and the note are optional, and still say so.
    assert "(optional)" in _label(body, "id_evidence_assets_individual")
    assert "(optional)" in _label(body, "id_note")


def test_it_shows_consent_note_and_contact_details_without_optional(client, agency, agency_admin):
    client.force_login(agency_admin)
    body = client.get(_referral_url(agency)).content.decode()
    for field_id in ("id_consent_note", "id_full_name", "id_phone", "id_email"):
        assert "(optional)" not in _label(body, field_id), field_id
    assert "(optional)" in _label(body, "id_what_matters")
    assert "A phone number or an email address: at least one." in text(
        client.get(_referral_url(agency))
    )


# 2. Every problem on the first submit --------------------------------------------------------


def test_it_reports_every_referral_problem_at_once(client, agency, agency_admin):
    client.force_login(agency_admin)
    response = client.post(
        _referral_url(agency), form_data(consent_given="", consent_note="", phone="", email="")
    )
    assert response.status_code == 400
    summary = _summary(response.content.decode())
    assert (
        '<a href="#id_consent_given">Ask the person first; a referral needs their consent.</a>'
        in summary
    )
    assert 'href="#id_consent_note"' in summary and "Say how and when the person agreed" in summary
    assert 'href="#id_phone"' in summary and "Give a phone number or an email address" in summary
    # In the order of the page: consent first.
    assert (
        summary.index("#id_consent_given")
        < summary.index("#id_consent_note")
        < summary.index("#id_phone")
    )
    assert not Referral.objects.exists()


def test_it_reports_a_missing_role_or_group_with_the_rest(client, agency, agency_admin, role):
    client.force_login(agency_admin)
    response = client.post(
        _referral_url(agency), form_data(target="role", role="", consent_given="")
    )
    summary = _summary(response.content.decode())
    assert 'href="#id_role"' in summary and 'href="#id_consent_given"' in summary
    response = client.post(
        _referral_url(agency), form_data(target="group", group_name="", email="", phone="x")
    )
    summary = _summary(response.content.decode())
    assert 'href="#id_group_name"' in summary
    assert "Enter a phone number" in summary
    assert not Referral.objects.exists()


def test_it_reports_the_date_and_the_missing_scores_at_once(client, agency, agency_admin):
    client.force_login(agency_admin)
    response = client.post(
        _assessment_url(agency),
        answers(completed_on="", score_mutuality_service="", score_catalysts_organisation="9"),
    )
    assert response.status_code == 400
    summary = _summary(response.content.decode())
    assert '<a href="#id_completed_on">Give the date you did it.</a>' in summary
    assert (
        '<a href="#id_score_mutuality_service_0">Give a score for Mutuality and reciprocity at '
        "service "
        "level.</a>"
    ) in summary
    assert 'href="#id_score_catalysts_organisation_0"' in summary
    future = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client.post(
        _assessment_url(agency), answers(completed_on=future, score_assets_individual="")
    )
    summary = _summary(response.content.decode())
    assert (
        "The date cannot be in the future." in summary
        and 'href="#id_score_assets_individual_0"' in summary
    )
    assert not Assessment.objects.exists()


# 3. No redundant "Please correct …" line ------------------------------------------------------


def test_it_leaves_out_the_summing_up_sentence_when_the_notes_land_on_fields(
    client, agency, agency_admin
):
    client.force_login(agency_admin)
    # Control characters pass the form; the service refuses them, naming the field.
    response = client.post(_referral_url(agency), form_data(full_name="Pat\x07 Patient"))
    assert response.status_code == 400
    summary = _summary(response.content.decode())
    assert '<a href="#id_full_name">Remove the control characters.</a>' in summary
    assert "Please correct the referral." not in summary
    assert not Referral.objects.exists()


def test_it_keeps_a_sentence_that_says_more_than_its_notes():
    form = ReferralForm(form_data())
    assert form.is_valid()
    show_refusal(
        form,
        ValidationFailed(
            "Please correct the referral.", fields={"phone": ["Enter a phone number."]}
        ),
    )
    assert form.non_field_errors() == [] and form.errors["phone"] == ["Enter a phone number."]
    form = ReferralForm(form_data())
    assert form.is_valid()
    show_refusal(
        form, ValidationFailed("Please correct the referral.", fields={"elsewhere": ["Not here."]})
    )
    assert form.non_field_errors() == ["Please correct the referral.", "Not here."]
    form = ReferralForm(form_data())
    assert form.is_valid()
    show_refusal(
        form,
        Conflict("That address is used by another account.", fields={"email": ["Already in use."]}),
    )
    assert form.non_field_errors() == ["That address is used by another account."]


def test_it_still_shows_a_refusal_without_field_notes(client, agency, agency_admin):
    agency.is_archived = True
    agency.save(update_fields=["is_archived"])
    client.force_login(agency_admin)
    response = client.post(_referral_url(agency), form_data())
    assert response.status_code == 400
    assert "This agency is archived and cannot make referrals." in _summary(
        response.content.decode()
    )
    assert not Referral.objects.exists()


# 4. Roles: published ones, with their agency, and a hint --------------------------------------


def test_it_offers_published_roles_with_their_agency(client, community, agency, agency_admin, role):
    account = accounts_services.organisation_account_open(
        community=community, name="Riverside Library"
    )
    library = Agency.objects.create(
        community=community,
        name="Riverside Library",
        slug="riverside-library",
        kind=AgencyKind.GP_PRACTICE,
        place="1 High Street",
        account=account,
    )
    CoproductionRole.objects.create(
        community=community,
        agency=library,
        title="Reading buddy",
        description="Read with children.",
        commitment="1 hour a week",
        status=RoleStatus.PUBLISHED,
    )
    CoproductionRole.objects.create(
        community=community,
        agency=agency,
        title="Draft helper",
        description="Not yet.",
        commitment="-",
        status=RoleStatus.DRAFT,
    )
    client.force_login(agency_admin)
    page = text(client.get(_referral_url(agency)))
    assert "Peer supporter — Riverside Health Centre" in page
    assert "Reading buddy — Riverside Library" in page
    assert "Draft helper" not in page
    assert "Only if you chose a co-production role above." in page
    assert "Only if you chose a community group above" in page
    body = client.get(_referral_url(agency)).content.decode()
    assert (
        _label(body, "id_role").strip() == "Role"
        and _label(body, "id_group_name").strip() == "Group"
    )


# 5. The agency's list: a reference, a time, a region that scrolls -----------------------------


def test_it_lists_referrals_with_a_reference_and_a_time(client, agency, agency_admin):
    first = make(agency_admin, agency)
    second = make(agency_admin, agency)
    client.force_login(agency_admin)
    response = client.get(
        reverse("web:agency_referrals", args=[agency.community.slug, agency.slug])
    )
    body = response.content.decode()
    assert '<div class="table-wrap" tabindex="0" role="region" aria-labelledby="referrals">' in body
    assert 'id="referrals"' in body
    headers = re.findall(r'<th scope="col">(.*?)</th>', body)
    assert headers.index("How it is going") < headers.index("Referred")
    for referral in (first, second):
        row = re.search(rf'<th scope="row">R-{referral.pk}</th>(.*?)</tr>', body, re.S)
        assert row, referral.pk
        assert re.search(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2}", row.group(1))


def test_it_shows_coordinators_the_same_reference(client, agency, agency_admin, coordinator):
    referral = make(agency_admin, agency)
    client.force_login(coordinator)
    queue = text(client.get(reverse("web:referral_queue", args=[agency.community.slug])))
    assert f"R-{referral.pk}" in queue
    detail = text(
        client.get(reverse("web:referral_detail", args=[agency.community.slug, referral.pk]))
    )
    assert f"Reference R-{referral.pk}" in detail


def test_it_keeps_the_score_keys_in_step_with_the_service():
    # Every score the service names has a form field, so its notes land on the right field.
    from coproduce.web.forms.assessments import AssessmentForm

    form = AssessmentForm()
    for pair in assessments.PAIRS:
        assert form.service_fields[assessments.score_key(*pair)] in form.fields
