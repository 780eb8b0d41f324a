"""The co-production self-assessment service and its history."""

from __future__ import annotations

import datetime as dt

import pytest

from coproduce.coproduction.models import Assessment, AssessmentScore
from coproduce.coproduction.selectors import assessments as assessments_selectors
from coproduce.coproduction.services import assessments as assessments_services
from coproduce.core.errors import NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent


def all_scores(value=2):
    return dict.fromkeys(assessments_selectors.PAIRS, value)


def test_it_stores_a_sitting_with_all_18_scores(agency, agency_admin):
    scores = all_scores()
    scores[("assets", "individual")] = 4
    made = assessments_services.assessment_create(
        actor=agency_admin,
        agency=agency,
        completed_on=dt.date(2026, 3, 1),
        scores=scores,
        evidence={("assets", "individual"): "Patients run the welcome desk"},
        note="First go",
    )
    assert made.scores.count() == 18
    assert (
        made.scores.get(principle="assets", level="individual").evidence
        == "Patients run the welcome desk"
    )
    assert AuditEvent.objects.filter(action="assessment.create", subject_id=str(made.pk)).exists()


def test_it_names_the_missing_scores_and_stores_nothing(agency, agency_admin):
    scores = all_scores()
    del scores[("mutuality", "service")]
    del scores[("catalysts", "organisation")]
    with pytest.raises(ValidationFailed) as caught:
        assessments_services.assessment_create(
            actor=agency_admin, agency=agency, completed_on=dt.date(2026, 3, 1), scores=scores
        )
    assert "Mutuality and reciprocity (service level)" in caught.value.message
    assert "Facilitating rather than delivering (organisation level)" in caught.value.message
    assert set(caught.value.fields) == {"mutuality.service", "catalysts.organisation"}
    assert not Assessment.objects.exists() and not AssessmentScore.objects.exists()


@pytest.mark.parametrize("bad", [5, -1, 2.5, "3", True])
def test_it_refuses_a_score_out_of_range(agency, agency_admin, bad):
    scores = all_scores()
    scores[("peer_networks", "individual")] = bad
    with pytest.raises(ValidationFailed) as caught:
        assessments_services.assessment_create(
            actor=agency_admin, agency=agency, completed_on=dt.date(2026, 3, 1), scores=scores
        )
    assert set(caught.value.fields) == {"peer_networks.individual"}
    assert not Assessment.objects.exists()


def test_it_refuses_a_future_date_and_long_evidence(agency, agency_admin):
    with pytest.raises(ValidationFailed) as caught:
        assessments_services.assessment_create(
            actor=agency_admin,
            agency=agency,
            completed_on=dt.date.today() + dt.timedelta(days=30),
            scores=all_scores(),
            evidence={("assets", "service"): "x" * 501},
        )
    assert set(caught.value.fields) == {"completed_on", "evidence.assets.service"}
    assert not Assessment.objects.exists()


def test_it_lets_only_agency_staff_and_coordinators_fill_it_in(
    agency, agency_admin, member, outsider, other_member, coordinator
):
    with pytest.raises(PermissionDenied):
        assessments_services.assessment_create(
            actor=member, agency=agency, completed_on=dt.date(2026, 3, 1), scores=all_scores()
        )
    for stranger in (outsider, other_member):
        with pytest.raises(NotFound):
            assessments_services.assessment_create(
                actor=stranger, agency=agency, completed_on=dt.date(2026, 3, 1), scores=all_scores()
            )
    assert not Assessment.objects.exists()
    assessments_services.assessment_create(
        actor=coordinator, agency=agency, completed_on=dt.date(2026, 3, 1), scores=all_scores()
    )


def test_it_gives_the_history_oldest_first_with_averages(
    agency, agency_admin, django_assert_num_queries
):
    assessments_services.assessment_create(
        actor=agency_admin, agency=agency, completed_on=dt.date(2026, 6, 1), scores=all_scores(3)
    )
    first = all_scores(1)
    first[("assets", "individual")] = 4
    assessments_services.assessment_create(
        actor=agency_admin, agency=agency, completed_on=dt.date(2025, 6, 1), scores=first
    )
    with django_assert_num_queries(2):
        history = assessments_selectors.assessment_history(agency)
    assert [s.assessment.completed_on for s in history] == [
        dt.date(2025, 6, 1),
        dt.date(2026, 6, 1),
    ]
    assert history[0].average("assets") == 2.0
    assert history[1].total == 54
    assert (
        assessments_selectors.assessment_get(agency, history[0].assessment.pk).scores
        == history[0].scores
    )
    with pytest.raises(NotFound):
        assessments_selectors.assessment_get(agency, 999999)
