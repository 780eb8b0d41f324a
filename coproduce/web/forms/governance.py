"""Forms of the proposals pages: drafting, commenting and amending, and voting by each method."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.selectors.rules import RULES
from coproduce.core import limits
from coproduce.governance.models import Method, ProposalKind

from .common import required_error


def _rule_choices() -> list[tuple[str, Any]]:
    return [("", _("Choose a rule")), *[(key, rule.label) for key, rule in RULES.items()]]


class ProposalForm(forms.Form):
    """A draft. A rule change names one rule and its new value (several at once: the API)."""

    service_fields = {"rule_changes": "new_value"}

    kind = forms.ChoiceField(
        label=_("What kind of proposal is it?"),
        choices=ProposalKind.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose what kind of proposal it is.")),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=limits.PROPOSAL_TITLE,
        error_messages=required_error(_("Give the proposal a title.")),
    )
    body = forms.CharField(
        label=_("What do you propose, and why?"),
        max_length=limits.PROPOSAL_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages=required_error(_("Say what you propose and why.")),
    )
    rule = forms.ChoiceField(
        label=_("Which rule should change?"),
        required=False,
        help_text=_("Only for a change to the rules."),
        choices=_rule_choices,
    )
    new_value = forms.CharField(
        label=_("Its new value"),
        required=False,
        max_length=limits.SHORT_NAME,
        help_text=_("As the rulebook page shows it: a number such as -1800, or a choice's name."),
    )
    options = forms.CharField(
        label=_("Options to vote on, one per line"),
        required=False,
        max_length=limits.OPTIONS_MAX * (limits.OPTION + 2),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only where your community votes on other proposals by approval or ranking."),
    )

    agency = forms.ChoiceField(
        label=_("Which public service is asked?"),
        required=False,
        help_text=_("Only for an ask: its staff must answer in public."),
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        choice = self.fields["agency"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [("", _("Choose an agency"))] + [(str(a.pk), a.name) for a in agencies]

    def agency_id(self) -> int | None:
        chosen = self.cleaned_data.get("agency")
        return int(chosen) if chosen else None

    def rule_changes(self) -> dict[str, Any] | None:
        rule = self.cleaned_data.get("rule")
        if not rule:
            return None
        return {rule: self.cleaned_data.get("new_value", "")}

    def option_list(self) -> list[str] | None:
        lines = [line.strip() for line in self.cleaned_data.get("options", "").splitlines()]
        return [line for line in lines if line] or None


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=limits.MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=required_error(_("Write your comment.")),
    )


class AmendmentForm(forms.Form):
    """A suggested change: a new title, text or rule value, with a word on why."""

    service_fields = {"amended_title": "title", "amended_body": "body", "rule_changes": "new_value"}

    body = forms.CharField(
        label=_("Why this change?"),
        max_length=limits.MESSAGE,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_error(_("Say why you suggest it.")),
    )
    title = forms.CharField(
        label=_("New title (leave empty to keep it)"),
        required=False,
        max_length=limits.PROPOSAL_TITLE,
    )
    text = forms.CharField(
        label=_("New text (leave empty to keep it)"),
        required=False,
        max_length=limits.PROPOSAL_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    new_value = forms.CharField(
        label=_("New value for the rule (leave empty to keep it)"),
        required=False,
        max_length=limits.SHORT_NAME,
    )


YES_NO = [("yes", _("Yes")), ("no", _("No")), ("abstain", _("I abstain"))]
CONSENT = [("consent", _("I consent")), ("object", _("I object"))]


class BallotForm(forms.Form):
    """A vote by the proposal's method: yes/no/abstain, consent or an objection with its
    reason, the options approved, or each option's place in a ranking."""

    service_fields = {"ranking": "__all__", "approve": "approve"}

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        method = proposal.method
        if method in (Method.MAJORITY, Method.SUPERMAJORITY):
            self.fields["choice"] = forms.ChoiceField(
                label=_("Your vote"),
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages=required_error(_("Choose yes, no or abstain.")),
            )
        elif method == Method.CONSENT:
            self.fields["choice"] = forms.ChoiceField(
                label=_("Your answer"),
                choices=CONSENT,
                widget=forms.RadioSelect,
                error_messages=required_error(_("Consent, or object with a reason.")),
            )
            self.fields["reason"] = forms.CharField(
                label=_("Why you object"),
                required=False,
                max_length=limits.TEXT,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Needed for an objection: say what would have to change."),
            )
        elif method == Method.APPROVAL:
            self.fields["approve"] = forms.MultipleChoiceField(
                label=_("The options you approve"),
                choices=[(o, o) for o in proposal.options],
                widget=forms.CheckboxSelectMultiple,
                error_messages=required_error(_("Approve at least one option.")),
            )
        else:
            places = [("", _("Not ranked"))] + [
                (str(n), _("Choice %(n)d") % {"n": n}) for n in range(1, len(proposal.options) + 1)
            ]
            for i, option in enumerate(proposal.options):
                self.fields[f"rank_{i}"] = forms.ChoiceField(
                    label=option, choices=places, required=False
                )
        if proposal.secret:
            self.fields["receipt"] = forms.CharField(
                label=_("Your receipt code, to change a vote you have already cast"),
                required=False,
                max_length=40,
            )

    def rank_fields(self):
        return [self[name] for name in self.fields if name.startswith("rank_")]

    def clean(self):
        cleaned = super().clean() or {}
        if self.proposal.method == Method.RANKED:
            places = [cleaned.get(f"rank_{i}") for i in range(len(self.proposal.options))]
            given = [p for p in places if p]
            if not given:
                raise forms.ValidationError(_("Give at least one option a place."))
            if len(set(given)) != len(given):
                raise forms.ValidationError(_("Give each option a different place."))
        return cleaned

    def ballot_choice(self) -> Any:
        method = self.proposal.method
        if method == Method.APPROVAL:
            return list(self.cleaned_data.get("approve") or [])
        if method == Method.RANKED:
            placed = [
                (int(place), option)
                for i, option in enumerate(self.proposal.options)
                if (place := self.cleaned_data.get(f"rank_{i}"))
            ]
            return [option for _place, option in sorted(placed)]
        return self.cleaned_data.get("choice")
