"""The co-production self-assessment: an agency's staff score the NEF six principles at three
levels, and see how the scores change over time (a chart drawn on the server as SVG, and the
same numbers in a table, so nothing needs JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.coproduction.access import access_staff_work
from coproduce.coproduction.models import AssessmentLevel, Principle
from coproduce.coproduction.selectors import assessments as assessments_selectors
from coproduce.coproduction.services import assessments as assessments_services
from coproduce.core.errors import ApplicationError

from ..decorators import community_view
from ..forms.assessments import AssessmentForm
from ..forms.common import show_refusal
from ..middleware import SignedInRequest

# Colours for the chart's lines (dark enough on white), each line also has its own dash and marker.
LINE_STYLES = [
    ("#1d4e89", ""),
    ("#a4241c", "6 3"),
    ("#2a6b2e", "2 3"),
    ("#6a3d9a", "10 4 2 4"),
    ("#8a5a00", "12 3"),
    ("#3b3b3b", "4 4"),
]


@dataclass(frozen=True)
class ChartLine:
    label: str
    colour: str
    dash: str
    points: list[tuple[float, float, float]]  # x, y, value

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in self.points)


def _chart(history: list[assessments_selectors.Sitting]) -> dict:
    """Coordinates of one line per principle (its mean over the three levels) across sittings."""
    width, height, left, right, top, bottom = 640, 280, 44, 16, 16, 44
    inner_w, inner_h = width - left - right, height - top - bottom
    n = len(history)

    def x(i: int) -> float:
        return left + (inner_w / 2 if n == 1 else inner_w * i / (n - 1))

    def y(value: float) -> float:
        return top + inner_h * (1 - value / 4)

    lines = [
        ChartLine(
            label=principle.label,
            colour=colour,
            dash=dash,
            points=[
                (x(i), y(s.average(principle)), s.average(principle)) for i, s in enumerate(history)
            ],
        )
        for principle, (colour, dash) in zip(Principle, LINE_STYLES, strict=True)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "lines": lines,
        "grid": [(value, y(value), assessments_selectors.SCORES[value]) for value in range(5)],
        "ticks": [(x(i), s.assessment.completed_on) for i, s in enumerate(history)],
    }


@login_required
@community_view
@require_GET
def agency_assessments(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = assessments_selectors.assessment_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    history = assessments_selectors.assessment_history(agency)
    table = [
        {
            "label": principle.label,
            "averages": [s.average(principle) for s in history],
            "rows": [
                (AssessmentLevel(level).label, [s.scores.get((principle, level)) for s in history])
                for level in AssessmentLevel.values
            ],
        }
        for principle in Principle
    ]
    return render(
        request,
        "web/assessments/history.html",
        {
            "community": community,
            "agency": agency,
            "history": history,
            "table": table,
            "chart": _chart(history) if history else None,
            "scores": assessments_selectors.SCORES,
        },
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def assessment_create(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = assessments_selectors.assessment_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    status = 200
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                assessments_services.assessment_create(
                    actor=request.user, agency=agency, **form.values()
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("Saved. Repeat it in a few months to see how things change.")
                )
                return redirect("web:agency_assessments", community.slug, agency.slug)
        status = 400
    else:
        form = AssessmentForm(
            initial={"completed_on": communities_selectors.local_today(community)}
        )
    return render(
        request,
        "web/assessments/form.html",
        {
            "community": community,
            "agency": agency,
            "form": form,
            "scores": assessments_selectors.SCORES,
        },
        status=status,
    )
