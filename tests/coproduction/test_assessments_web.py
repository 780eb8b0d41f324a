"""The self-assessment pages: the questionnaire and the history with its chart and table."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from coproduce.coproduction.models import Assessment
from coproduce.coproduction.selectors import assessments as assessments_selectors
from coproduce.coproduction.services import assessments as assessments_services

from ..web.conftest import text


def answers(value="2", **kw) -> dict:
    data = {"completed_on": "2026-03-01", "note": "First go"}
    for principle, level in assessments_selectors.PAIRS:
        data[f"score_{principle}_{level}"] = value
        data[f"evidence_{principle}_{level}"] = ""
    data.update(kw)
    return data


def test_it_takes_the_self_assessment(client, agency, agency_admin):
    client.force_login(agency_admin)
    url = reverse("web:assessment_create", args=[agency.community.slug, agency.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "Recognising people as assets" in text(page)
    assert "Staff help things happen and step back" in text(page)
    response = client.post(url, answers(evidence_assets_individual="Patients run the welcome desk"))
    assert response.status_code == 302
    made = Assessment.objects.get()
    assert made.scores.count() == 18
    assert (
        made.scores.get(principle="assets", level="individual").evidence
        == "Patients run the welcome desk"
    )


def test_it_names_missing_and_bad_scores_and_stores_nothing(client, agency, agency_admin):
    client.force_login(agency_admin)
    url = reverse("web:assessment_create", args=[agency.community.slug, agency.slug])
    response = client.post(url, answers(score_mutuality_service=""))
    assert response.status_code == 400
    assert "Give a score for Mutuality and reciprocity at service level." in text(response)
    response = client.post(url, answers(score_assets_service="7"))
    assert response.status_code == 400
    assert not Assessment.objects.exists()


def test_it_keeps_the_pages_from_members_and_outsiders(
    client, agency, agency_admin, member, other_member
):
    pages = [
        reverse("web:assessment_create", args=[agency.community.slug, agency.slug]),
        reverse("web:agency_assessments", args=[agency.community.slug, agency.slug]),
    ]
    client.force_login(member)
    assert [client.get(url).status_code for url in pages] == [403, 403]
    assert client.post(pages[0], answers()).status_code == 403
    client.force_login(other_member)
    assert [client.get(url).status_code for url in pages] == [404, 404]
    assert not Assessment.objects.exists()


def test_it_charts_the_scores_over_time_with_the_same_numbers_in_a_table(
    client, agency, agency_admin, django_assert_max_num_queries
):
    first = dict.fromkeys(assessments_selectors.PAIRS, 1)
    assessments_services.assessment_create(
        actor=agency_admin, agency=agency, completed_on=dt.date(2025, 6, 1), scores=first
    )
    later = dict.fromkeys(assessments_selectors.PAIRS, 3)
    later[("assets", "individual")] = 4
    assessments_services.assessment_create(
        actor=agency_admin,
        agency=agency,
        completed_on=dt.date(2026, 6, 1),
        scores=later,
        note="Better",
    )
    client.force_login(agency_admin)
    with django_assert_max_num_queries(12):
        page = client.get(
            reverse("web:agency_assessments", args=[agency.community.slug, agency.slug])
        )
    assert page.status_code == 200
    body = page.content.decode()
    assert '<svg viewBox="0 0 640 280" role="img"' in body
    assert '<title id="chart-title">' in body and '<desc id="chart-desc">' in body
    assert body.count("<polyline") == 6
    assert "3.33" in body  # assets: (4 + 3 + 3) / 3, in the chart's point title and the table
    assert "<script" not in body.split("<main", 1)[-1]
    assert "Better" in text(page)


def test_it_shows_an_empty_history(client, agency, agency_admin):
    client.force_login(agency_admin)
    page = client.get(reverse("web:agency_assessments", args=[agency.community.slug, agency.slug]))
    assert page.status_code == 200 and "Not filled in yet." in text(page)
