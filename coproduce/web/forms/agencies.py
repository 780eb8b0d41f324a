"""Forms of agencies and their co-production roles: an agency, its staff, a role, searching
roles, training records, funding an agency's hours."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce.communities.selectors.rules import VETTING_LEVELS
from coproduce.coproduction.models import AgencyKind, AgencyRole
from coproduce.coproduction.services import agencies
from coproduce.core import limits

from .common import DateInput, TimeForm


class AgencyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=limits.NAME)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of organisation"), choices=AgencyKind.choices)
    description = forms.CharField(
        label=gettext_lazy("About the agency"),
        required=False,
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    place = forms.CharField(
        label=gettext_lazy("Where it is"),
        required=False,
        max_length=limits.LINE,
        help_text=gettext_lazy("A public address or a place name, such as Riverside Library."),
    )
    website = forms.URLField(
        label=gettext_lazy("Website"), required=False, max_length=limits.LINE, assume_scheme="https"
    )


class StaffForm(forms.Form):
    number = forms.IntegerField(
        label=gettext_lazy("Member number"),
        min_value=1,
        max_value=2**31 - 1,
        help_text=gettext_lazy("The number on their member card, such as 42 for RIV-0042."),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=AgencyRole.choices, initial=AgencyRole.STAFF
    )
    job_title = forms.CharField(
        label=gettext_lazy("Job title"), required=False, max_length=limits.LABEL
    )

    service_fields = {"person": "number"}


class CoproductionRoleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=limits.NAME)
    description = forms.CharField(
        label=gettext_lazy("What you will do alongside staff"),
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    commitment = forms.CharField(
        label=gettext_lazy("Commitment"),
        max_length=limits.LINE,
        help_text=gettext_lazy("Such as: 2 hours a week for 3 months."),
    )
    vetting_level = forms.TypedChoiceField(
        label=gettext_lazy("Check level needed"),
        coerce=int,
        choices=sorted(VETTING_LEVELS.items()),
        initial=0,
    )
    training = forms.CharField(
        label=gettext_lazy("Training needed"),
        required=False,
        max_length=limits.TRAINING_LIST,
        help_text=gettext_lazy("One training a line, such as Safeguarding."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    min_age = forms.IntegerField(
        label=gettext_lazy("Lowest age"), required=False, min_value=0, max_value=120
    )
    max_age = forms.IntegerField(
        label=gettext_lazy("Highest age"), required=False, min_value=0, max_value=120
    )
    remote_ok = forms.BooleanField(label=gettext_lazy("Can be done from home"), required=False)
    staff_lead = forms.TypedChoiceField(
        label=gettext_lazy("Staff lead"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {s.person_id: s.person for s in staff}
        cast(forms.ChoiceField, self.fields["staff_lead"]).choices = [("", _("Nobody yet"))] + [
            (s.person_id, s.person.display_name) for s in staff
        ]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["training"] = [line.strip() for line in data["training"].splitlines() if line.strip()]
        data["staff_lead"] = self.staff.get(data["staff_lead"]) if data["staff_lead"] else None
        return data


class RoleSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Words to look for"), required=False, max_length=limits.SEARCH
    )
    agency = forms.ChoiceField(label=gettext_lazy("Agency"), required=False)
    remote = forms.ChoiceField(
        label=gettext_lazy("Where"),
        required=False,
        choices=[
            ("", gettext_lazy("Anywhere")),
            ("yes", gettext_lazy("From home")),
            ("no", gettext_lazy("In person")),
        ],
    )
    after = forms.CharField(required=False, max_length=limits.CURSOR, widget=forms.HiddenInput)

    def __init__(self, *args, agency_choices, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = [
            ("", _("All agencies"))
        ] + agency_choices


class TrainingForm(forms.Form):
    number = forms.IntegerField(
        label=gettext_lazy("Member number"), min_value=1, max_value=2**31 - 1
    )
    name = forms.CharField(label=gettext_lazy("Training"), max_length=limits.LABEL)
    completed_on = forms.DateField(label=gettext_lazy("Completed on"), widget=DateInput)

    service_fields = {"person": "number"}


class AgencyFundForm(TimeForm):
    """A coordinator funds the agency's hours account; the service checks the rest."""

    source = forms.ChoiceField(
        label=gettext_lazy("Where do the hours come from?"),
        widget=forms.RadioSelect,
        choices=list(agencies.AGENCY_FUNDING_SOURCES.items()),
        initial="fund",
        error_messages={"required": gettext_lazy("Choose where the hours come from.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the statements"),
        required=False,
        max_length=agencies.AGENCY_FUNDING_NOTE_MAX,
        help_text=gettext_lazy("Such as: Budget for the spring sessions."),
    )
    service_fields = {**TimeForm.service_fields, "source": "source", "note": "note"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["source", "time_hours", "time_minutes", "note"])
