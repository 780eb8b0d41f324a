"""Forms of the member directory and a member's page: searching members, recording a vetting
check, a coordinator's note, giving or taking away a role. The coordinators' application pages
use the search, the check and the note too."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import CheckKind, CheckResult, Role
from coproduce.core import limits

from .common import DateInput, SearchInput, required_error


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search members"),
        required=False,
        max_length=limits.DIRECTORY_SEARCH,
        help_text=_("A name, a member number, a neighbourhood or a gift, such as 'gardening'."),
        widget=SearchInput,
    )
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class VettingCheckForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of check"),
        choices=[("", _("Choose a kind of check"))] + list(CheckKind.choices),
        error_messages=required_error(_("Choose the kind of check.")),
    )
    result = forms.ChoiceField(
        label=_("Result"),
        choices=CheckResult.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose the result.")),
    )
    checked_on = forms.DateField(
        label=_("Date of the check"),
        widget=DateInput,
        error_messages={
            "required": _("Give the date of the check."),
            "invalid": _("Enter a real date."),
        },
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty if it does not expire."),
        error_messages={"invalid": _("Enter a real date.")},
    )
    reference_number = forms.CharField(
        label=_("Reference number"), max_length=limits.REFERENCE_NUMBER, required=False
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=limits.COORDINATOR_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by coordinators only."),
        error_messages=required_error(_("Write the note first.")),
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.MEMBER])
    granted = forms.TypedChoiceField(
        choices=[("1", "grant"), ("0", "revoke")], coerce=lambda v: v == "1"
    )
