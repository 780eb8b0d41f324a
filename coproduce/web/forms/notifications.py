"""The form of how a person wants to be told (on the notifications and account pages)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from coproduce.notifications.models import EmailMode
from coproduce.notifications.selectors import preferences as preferences_selectors


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(
        label=gettext_lazy("Emails"),
        choices=EmailMode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose how you want to be emailed."),
            "invalid_choice": gettext_lazy("Choose one of the three."),
        },
    )
    weekly_digest = forms.BooleanField(
        label=gettext_lazy("Also send me the weekly digest of new offers and requests that fit me"),
        required=False,
        help_text=gettext_lazy(
            "Counts with “Email me each one”. “Only the weekly digest” always sends it; “No "
            "emails” never does."
        ),
    )

    @staticmethod
    def for_person(person) -> PreferenceForm:
        preference = preferences_selectors.preference_for(person)
        return PreferenceForm(
            initial={
                "email_mode": preference.email_mode,
                "weekly_digest": preference.weekly_digest,
            },
            prefix="notify",
        )
