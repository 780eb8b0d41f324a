"""The form of the co-production self-assessment: 18 scores with their evidence, and a note."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce.coproduction.models import AssessmentLevel, Principle
from coproduce.coproduction.selectors import assessments
from coproduce.core import limits

from .common import DateInput

SCORE_CHOICES = [(value, f"{value}: {label}") for value, label in assessments.SCORES.items()]


def _name(prefix: str, principle: str, level: str) -> str:
    return f"{prefix}_{principle}_{level}"


class AssessmentForm(forms.Form):
    """All 18 scores are required, and every missing or wrong answer is reported on the first
    submit (the service checks everything again before anything is stored)."""

    completed_on = forms.DateField(
        label=gettext_lazy("Date you did it"),
        widget=DateInput,
        error_messages={
            "required": gettext_lazy("Give the date you did it."),
            "invalid": gettext_lazy("Give the date as a real date, such as 3 May 2026."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Who took part, what you want to work on next."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_fields: dict[str, str] = {}
        for principle, level in assessments.PAIRS:
            level_label = AssessmentLevel(level).label
            score = _name("score", principle, level)
            evidence = _name("evidence", principle, level)
            missing = _("Give a score for %(principle)s at %(level)s level.") % {
                "principle": Principle(principle).label,
                "level": level_label.lower(),
            }
            self.fields[score] = forms.TypedChoiceField(
                label=_("%(level)s level: %(what)s")
                % {"level": level_label, "what": assessments.LEVEL_HELP[level]},
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                error_messages={"required": missing, "invalid_choice": missing},
            )
            self.fields[evidence] = forms.CharField(
                label=_("Evidence at %(level)s level") % {"level": level_label.lower()},
                required=False,
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
                "value": principle.value,
                "label": principle.label,
                "help": assessments.PRINCIPLE_HELP[principle],
                "levels": [
                    (
                        self[_name("score", principle, level)],
                        self[_name("evidence", principle, level)],
                    )
                    for level in AssessmentLevel.values
                ],
            }

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "completed_on": data["completed_on"],
            "note": data["note"],
            "scores": {
                pair: data.get(_name("score", *pair))
                for pair in assessments.PAIRS
                if data.get(_name("score", *pair)) is not None
            },
            "evidence": {
                pair: data.get(_name("evidence", *pair))
                for pair in assessments.PAIRS
                if data.get(_name("evidence", *pair))
            },
        }
