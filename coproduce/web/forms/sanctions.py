"""Forms of the sanctions pages: recording a sanction, lifting it, appealing it, and the panel's
outcome. Limits from core/limits.py, as in the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits
from coproduce.governance.models import AppealOutcome, SanctionStep

from .common import required_error


class SanctionForm(forms.Form):
    member = forms.CharField(
        label=_("Member number"),
        max_length=limits.MEMBER_REF,
        help_text=_("As on their member card, such as RIV-0042."),
        error_messages=required_error(_("Give the member's number.")),
    )
    step = forms.ChoiceField(
        label=_("Step"),
        choices=SanctionStep.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose the step.")),
    )
    rule_broken = forms.CharField(
        label=_("The rule broken"),
        max_length=limits.LINE,
        error_messages=required_error(_("Say which rule was broken.")),
    )
    reason = forms.CharField(
        label=_("Why: what happened"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=required_error(_("Say what happened.")),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why lift it now?"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_error(_("Say why the sanction is lifted.")),
    )


class AppealForm(forms.Form):
    service_fields = {"sanction": "grounds"}

    grounds = forms.CharField(
        label=_("Your grounds for appeal"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the panel should know. You can appeal each sanction once."),
        error_messages=required_error(_("Give your grounds.")),
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=AppealOutcome.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose the outcome.")),
    )
    changed_to = forms.ChoiceField(
        label=_("Lighter step (for a changed outcome)"),
        choices=[("", _("No change of step")), *SanctionStep.choices],
        required=False,
    )
    reason = forms.CharField(
        label=_("The panel's reasons"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=required_error(_("Give the panel's reasons.")),
    )
