"""Forms for what follows a decision: a commitment, progress on one, the result, a member's
review, and an agency's answer to an ask (with its commitments, one per line)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits
from coproduce.governance.models import AskAnswerKind, OwnerKind, ReviewVerdict

from .common import MembersMixin, member_field, required_error

DATE = forms.DateInput(attrs={"type": "date"})


class CommitmentForm(MembersMixin, forms.Form):
    member_fields = ("owner_member",)

    what = forms.CharField(
        label=_("What is committed"),
        max_length=limits.COMMITMENT,
        error_messages=required_error(_("Say what is committed.")),
    )
    owner_kind = forms.ChoiceField(
        label=_("Whose commitment is it?"),
        choices=OwnerKind.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose whose commitment it is.")),
    )
    owner_name = forms.CharField(
        label=_("The group's name"),
        required=False,
        max_length=150,
        help_text=_("For a group's commitment."),
    )
    owner_agency = forms.ChoiceField(label=_("The agency"), required=False)
    due_on = forms.DateField(
        label=_("Due on"),
        widget=DATE,
        error_messages={
            **required_error(_("Give the date it is due.")),
            "invalid": _("Give a date, like 2027-03-31."),
        },
    )

    def __init__(self, *args, community, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["owner_member"] = member_field(
            _("The member or coordinator"),
            required=False,
            help_text=_("For a member's or a coordinator's commitment: a name or member number."),
        )
        choice = self.fields["owner_agency"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [("", _("Choose an agency"))] + [(str(a.pk), a.name) for a in agencies]
        self.order_fields(["what", "owner_kind", "owner_member", "owner_name", "owner_agency"])

    def clean(self):
        data = super().clean()
        self._resolve_members(data)
        return data

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        member = data.get("owner_member")
        agency = data.get("owner_agency")
        return {
            "what": data["what"],
            "owner_kind": data["owner_kind"],
            "owner_member": member.person_id if member is not None else None,
            "owner_agency": int(agency) if agency else None,
            "owner_name": data.get("owner_name", ""),
            "due_on": data["due_on"],
        }


class CommitmentNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Progress"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required_error(_("Say what has happened.")),
    )
    done = forms.BooleanField(label=_("This commitment is now kept"), required=False)


class DecisionOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("What came of it"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_error(_("Say what came of the decision.")),
    )


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Did it do what it meant to?"),
        choices=ReviewVerdict.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose an answer.")),
    )
    comment = forms.CharField(
        label=_("Anything to add (optional)"),
        required=False,
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AskAnswerForm(forms.Form):
    """The agency's answer; its commitments one per line as "YYYY-MM-DD what" (several: the API
    takes them as a list)."""

    service_fields = {"commitments": "commitments"}

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=AskAnswerKind.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose your answer.")),
    )
    reasons = forms.CharField(
        label=_("Your reasons, in public"),
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=required_error(_("Give your reasons.")),
    )
    commitments = forms.CharField(
        label=_("What you commit to, one per line"),
        required=False,
        max_length=limits.COMMITMENTS_MAX * (limits.COMMITMENT + 12),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Where you agree: each line a date and what will be done by then, like "
            "“2027-03-31 A Thursday evening clinic”."
        ),
    )

    def clean_commitments(self) -> list[dict[str, str]]:
        rows = []
        for line in self.cleaned_data["commitments"].splitlines():
            line = line.strip()
            if not line:
                continue
            date, _space, what = line.partition(" ")
            rows.append({"due_on": date, "what": what.strip()})
        return rows
