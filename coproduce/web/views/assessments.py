"""The co-production self-assessment: an agency's staff score the NEF six principles at three
levels, and see how the scores change over time (a chart drawn on the server as SVG, and the
same numbers in a table, so nothing needs JavaScript)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from coproduce.coproduction import assessments
from coproduce.coproduction.access import access_staff_work
from coproduce.coproduction.models import AssessmentLevel, Principle
from coproduce.core import limits
from coproduce.core.errors import ApplicationError

from ..decorators import community_view
from ..forms import DateInput, community_today, show_refusal
from ..middleware import SignedInRequest

SCORE_CHOICES = [(value, f"{value}: {label}") for value, label in assessments.SCORES.items()]
# Colours for the chart's lines (dark enough on white), each line also has its own dash and marker.
LINE_STYLES = [("#1d4e89", ""), ("#a4241c", "6 3"), ("#2a6b2e", "2 3"), ("#6a3d9a", "10 4 2 4"),
               ("#8a5a00", "12 3"), ("#3b3b3b", "4 4")]


def _name(prefix: str, principle: str, level: str) -> str:
    return f"{prefix}_{principle}_{level}"


class AssessmentForm(forms.Form):
    """All 18 scores are required, and every missing or wrong answer is reported on the first
    submit (the service checks everything again before anything is stored)."""

    completed_on = forms.DateField(
        label=gettext_lazy("Date you did it"), widget=DateInput,
        error_messages={"required": gettext_lazy("Give the date you did it."),
                        "invalid": gettext_lazy("Give the date as a real date, such as 3 May 2026.")},
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=limits.TEXT,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=gettext_lazy("Who took part, what you want to work on next."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_fields: dict[str, str] = {}
        for principle, level in assessments.PAIRS:
            level_label = AssessmentLevel(level).label
            score = _name("score", principle, level)
            evidence = _name("evidence", principle, level)
            missing = _("Give a score for %(principle)s at %(level)s level.") % {
                "principle": Principle(principle).label, "level": level_label.lower()}
            self.fields[score] = forms.TypedChoiceField(
                label=_("%(level)s level: %(what)s") % {"level": level_label,
                                                        "what": assessments.LEVEL_HELP[level]},
                choices=SCORE_CHOICES, coerce=int, empty_value=None, widget=forms.RadioSelect,
                error_messages={"required": missing, "invalid_choice": missing},
            )
            self.fields[evidence] = forms.CharField(
                label=_("Evidence at %(level)s level") % {"level": level_label.lower()}, required=False,
                max_length=limits.SHORT_NOTE,
            )
            self.service_fields[assessments.score_key(principle, level)] = score
            self.service_fields[f"evidence.{assessments.score_key(principle, level)}"] = evidence
        # The note comes last on the page, so last in the error summary too.
        self.fields["note"] = self.fields.pop("note")

    def clean_completed_on(self) -> dt.date:
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > timezone.localdate() + dt.timedelta(days=1):
            raise forms.ValidationError(_("The date cannot be in the future."))
        if completed_on.year < 2000:
            raise forms.ValidationError(_("Give a date from 2000 on."))
        return completed_on

    def principles(self):
        """For the template: each principle with its help and its fields, level by level."""
        for principle in Principle:
            yield {
                "value": principle.value, "label": principle.label, "help": assessments.PRINCIPLE_HELP[principle],
                "levels": [(self[_name("score", principle, level)], self[_name("evidence", principle, level)])
                           for level in AssessmentLevel.values],
            }

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "completed_on": data["completed_on"], "note": data["note"],
            "scores": {pair: data.get(_name("score", *pair)) for pair in assessments.PAIRS
                       if data.get(_name("score", *pair)) is not None},
            "evidence": {pair: data.get(_name("evidence", *pair)) for pair in assessments.PAIRS
                         if data.get(_name("evidence", *pair))},
        }


@dataclass(frozen=True)
class ChartLine:
    label: str
    colour: str
    dash: str
    points: list[tuple[float, float, float]]  # x, y, value

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in self.points)


def _chart(history: list[assessments.Sitting]) -> dict:
    """Coordinates of one line per principle (its mean over the three levels) across sittings."""
    width, height, left, right, top, bottom = 640, 280, 44, 16, 16, 44
    inner_w, inner_h = width - left - right, height - top - bottom
    n = len(history)

    def x(i: int) -> float:
        return left + (inner_w / 2 if n == 1 else inner_w * i / (n - 1))

    def y(value: float) -> float:
        return top + inner_h * (1 - value / 4)

    lines = [
        ChartLine(label=principle.label, colour=colour, dash=dash,
                  points=[(x(i), y(s.average(principle)), s.average(principle)) for i, s in enumerate(history)])
        for principle, (colour, dash) in zip(Principle, LINE_STYLES, strict=True)
    ]
    return {
        "width": width, "height": height, "left": left, "right": width - right, "top": top,
        "bottom": height - bottom, "lines": lines,
        "grid": [(value, y(value), assessments.SCORES[value]) for value in range(5)],
        "ticks": [(x(i), s.assessment.completed_on) for i, s in enumerate(history)],
    }


@login_required
@community_view
@require_GET
def agency_assessments(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = assessments.assessment_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    history = assessments.assessment_history(agency)
    table = [
        {"label": principle.label, "averages": [s.average(principle) for s in history],
         "rows": [(AssessmentLevel(level).label, [s.scores.get((principle, level)) for s in history])
                  for level in AssessmentLevel.values]}
        for principle in Principle
    ]
    return render(request, "web/assessments/history.html", {
        "community": community, "agency": agency, "history": history, "table": table,
        "chart": _chart(history) if history else None, "scores": assessments.SCORES,
    })


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def assessment_create(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = assessments.assessment_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    status = 200
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                assessments.assessment_create(actor=request.user, agency=agency, **form.values())
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Saved. Repeat it in a few months to see how things change."))
                return redirect("web:agency_assessments", community.slug, agency.slug)
        status = 400
    else:
        form = AssessmentForm(initial={"completed_on": community_today(community)})
    return render(request, "web/assessments/form.html", {
        "community": community, "agency": agency, "form": form, "scores": assessments.SCORES,
    }, status=status)
