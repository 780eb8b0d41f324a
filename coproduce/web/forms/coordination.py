"""Forms of the coordinators' pages: taking an application to a decision, introductions,
messages passed on to members who are offline, closing concerns."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits

from .common import MembersMixin, member_field, required_error
from .members import NoteForm


class ApplicationNoteForm(NoteForm):
    interview = forms.BooleanField(label=_("These are notes from the interview"), required=False)


class ReferenceRequestForm(forms.Form):
    referee_name = forms.CharField(
        label=_("Referee's name"),
        max_length=limits.NAME,
        error_messages=required_error(_("Give the referee's name.")),
    )
    referee_email = forms.EmailField(
        label=_("Referee's email address"),
        max_length=limits.EMAIL,
        help_text=_("We email them a private link to answer. It works for 14 days."),
        error_messages={
            "required": _("Give the referee's email address."),
            "invalid": _("Enter an email address in the right format, like name@example.org."),
        },
    )
    relationship = forms.CharField(
        label=_("How they know the applicant"),
        max_length=limits.LABEL,
        required=False,
        help_text=_("For example: neighbour for ten years."),
    )


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("Note about the decision"),
        required=False,
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The wording of `common.ReasonForm` for declining an application.
DECLINE_FORM = {
    "label": _("Why is the application declined?"),
    "help_text": _("Kept with the application. Tell the applicant yourself, kindly."),
    "required_message": _("Give a reason for declining."),
}


class IntroductionForm(MembersMixin, forms.Form):
    """A coordinator introduces two members (a name or member number each; the suggested helpers
    come as radio buttons filling `second`). The service refuses what the form cannot know."""

    member_fields = ("first", "second")

    note = forms.CharField(
        label=_("Your message to both of them"),
        max_length=limits.MESSAGE,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Both members receive it in a conversation between the two of them. Neither sees the "
            "other's email address or phone number."
        ),
        error_messages={
            "required": _("Write a few words to both of them."),
            "max_length": _("Keep the message under 4,000 characters."),
        },
    )
    listing = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args, community, suggestions: list[tuple[str, str]] | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["first"] = member_field(_("Introduce"))
        self.fields["first"].error_messages["required"] = _(
            "Say whom to introduce: a name or a member number."
        )
        if suggestions:
            self.fields["suggested"] = forms.ChoiceField(
                label=_("Suggested from the matching offers"),
                required=False,
                choices=suggestions,
                widget=forms.RadioSelect,
            )
        self.fields["second"] = member_field(
            _("to") if not suggestions else _("or to someone else"),
            required=False,
            help_text=_("A name or a member number, such as RIV-0042."),
        )
        self.order_fields(["first", "suggested", "second", "note", "listing"])

    def clean(self):
        data = super().clean() or {}
        if not data.get("second") and data.get("suggested"):
            data["second"] = data["suggested"]
        if not data.get("second") and "second" not in self.errors:
            self.add_error("second", _("Say whom to introduce them to: a name or a member number."))
        self._resolve_members(data)
        return data


class PassedOnForm(forms.Form):
    how = forms.CharField(
        label=_("How did you pass it on?"),
        max_length=limits.LINE,
        help_text=_("For example: by phone, read out at the drop-in, letter posted."),
        error_messages={
            "required": _("Say how you passed it on, for example 'by phone'."),
            "max_length": _("Keep it under 200 characters."),
        },
    )


class ConcernCloseForm(forms.Form):
    outcome = forms.CharField(
        label=_("What was done"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the concern, for the coordinators only."),
        error_messages={
            "required": _("Say what was done about the concern."),
            "max_length": _("Keep it under 2,000 characters."),
        },
    )
