"""Forms of the budget pages: a coordinator's new round and project check, a member's project,
and the approval ballot (a checkbox for each eligible project)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits
from coproduce.governance.selectors.budget_counting import show_hours

from .common import DateInput, KeyedForm, MembersMixin, member_field, required_error


def _hours_field(label, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10_000,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Enter the hours as a whole number, such as 10."),
            "min_value": _("Enter 0 or more hours."),
            "max_value": _("That is far too many hours."),
        },
    )


def _minutes_field():
    return forms.IntegerField(
        label=_("and minutes"),
        min_value=0,
        max_value=59,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Enter the minutes as a whole number, such as 30."),
            "min_value": _("Enter minutes from 0 to 59."),
            "max_value": _("Enter minutes from 0 to 59."),
        },
    )


def _total(data, hours: str, minutes: str) -> int:
    return (data.get(hours) or 0) * 60 + (data.get(minutes) or 0)


class RoundForm(forms.Form):
    """A new round: its budget in hours and four days in the community's time zone."""

    service_fields = {"budget_minutes": "budget_hours"}

    title = forms.CharField(
        label=_("Title"),
        max_length=limits.PROPOSAL_TITLE,
        error_messages=required_error(_("Give the round a title.")),
    )
    description = forms.CharField(
        label=_("What the hours are for"),
        required=False,
        max_length=limits.PROPOSAL_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    budget_hours = _hours_field(
        _("Budget in hours"), _("Hours of the community fund members will decide on.")
    )
    budget_extra_minutes = _minutes_field()
    proposing_opens = forms.DateField(
        label=_("Proposing opens on"),
        widget=DateInput,
        error_messages=required_error(_("Say when proposing opens.")),
    )
    proposing_closes = forms.DateField(
        label=_("Proposing closes at the end of"),
        widget=DateInput,
        error_messages=required_error(_("Say when proposing closes.")),
    )
    voting_opens = forms.DateField(
        label=_("Voting opens on"),
        help_text=_("After proposing closes: coordinators check the projects in between."),
        widget=DateInput,
        error_messages=required_error(_("Say when voting opens.")),
    )
    voting_closes = forms.DateField(
        label=_("Voting closes at the end of"),
        widget=DateInput,
        error_messages=required_error(_("Say when voting closes.")),
    )

    def budget_minutes(self) -> int:
        return _total(self.cleaned_data, "budget_hours", "budget_extra_minutes")


class ProjectForm(MembersMixin, forms.Form):
    """A project: what, why, its cost, and who receives the hours (by default the proposer)."""

    service_fields = {"cost_minutes": "cost_hours"}
    member_fields = ("recipient",)

    title = forms.CharField(
        label=_("Project title"),
        max_length=limits.PROPOSAL_TITLE,
        error_messages=required_error(_("Give the project a title.")),
    )
    body = forms.CharField(
        label=_("What would be done, and why?"),
        max_length=limits.PROPOSAL_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=required_error(_("Say what would be done and why.")),
    )
    cost_hours = _hours_field(_("Cost in hours"), _("At most the round's budget."))
    cost_extra_minutes = _minutes_field()
    recipient = member_field(
        _("Who receives the hours if it is funded?"),
        required=False,
        help_text=_("A name or a member number. Leave it empty for yourself."),
    )

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community

    def clean(self):
        data = super().clean() or {}
        self._resolve_members(data)
        return data

    def cost_minutes(self) -> int:
        return _total(self.cleaned_data, "cost_hours", "cost_extra_minutes")

    def recipient_person(self):
        membership = self.cleaned_data.get("recipient")
        return membership.person if membership is not None else None


class CheckForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("Is the project eligible?"),
        choices=[("yes", _("Eligible: it goes on the ballot")), ("no", _("Not eligible"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages=required_error(_("Say whether the project is eligible.")),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=limits.TEXT,
        help_text=_("Needed when it is not eligible; members see it."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BudgetBallotForm(KeyedForm):
    """An approval ballot: tick every project you support."""

    service_fields = {"approve": "approve"}

    approve = forms.TypedMultipleChoiceField(
        label=_("The projects you approve"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages=required_error(_("Approve at least one project.")),
    )

    def __init__(self, *args, projects=(), approved=None, **kwargs):
        if approved:
            kwargs["initial"] = {"approve": list(approved), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        field = self.fields["approve"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [
            (p.number, f"{p.number}. {p.title} ({show_hours(p.cost_minutes)})") for p in projects
        ]
