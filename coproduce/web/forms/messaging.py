"""Forms of messages between members: writing, reporting a message, handling a report."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits


class MessageForm(forms.Form):
    """A message in a conversation (the services check length and control characters again)."""

    body = forms.CharField(
        label=_("Your message"),
        max_length=limits.MESSAGE,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Sent through this website: neither of you sees the other's email address or phone "
            "number."
        ),
        error_messages={
            "required": _("Write a message first."),
            "max_length": _("Keep the message under 4,000 characters."),
        },
    )
    listing = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this message?"),
        max_length=limits.REPORT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only the community's coordinators see this. They can then read this conversation."
        ),
        error_messages={"required": _("Say briefly what is wrong.")},
    )


class HandleReportForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=limits.REPORT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
