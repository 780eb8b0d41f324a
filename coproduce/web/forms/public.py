"""Forms of the pages anyone can open: applying to join, answering a reference."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import ContactChannel, ReferenceOutcome
from coproduce.communities.services import applications as applications_services
from coproduce.core import limits

from .common import required_error

APPLICATION_ADDRESS_MAX = 500  # the API's ApplicationIn.address too


class ApplicationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=limits.NAME,
        error_messages=required_error(_("Enter a full name.")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        max_length=limits.EMAIL,
        help_text=_("Leave this empty if there is no email address; give a phone number instead."),
        error_messages={
            "invalid": _("Enter an email address in the right format, like name@example.org.")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=limits.PHONE,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    neighbourhood = forms.CharField(
        label=_("Neighbourhood"),
        required=False,
        max_length=limits.SHORT_NAME,
        help_text=_("The part of the area you live in, so we can introduce you to neighbours."),
    )
    address = forms.CharField(
        label=_("Postal address"),
        required=False,
        max_length=APPLICATION_ADDRESS_MAX,
        help_text=_("Needed only if you would like us to contact you by post."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    contact_preference = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=ContactChannel.choices,
        initial=ContactChannel.EMAIL,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose how we should contact you.")),
    )
    about = forms.CharField(
        label=_("About you and your gifts"),
        required=False,
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What you enjoy, what you could help others with, and anything that would help us "
            "welcome you."
        ),
    )

    def clean(self):
        """Every problem on the first try: the fields' own and what the application as a whole
        lacks (the service's `application_problems`), each on its field."""
        cleaned = super().clean() or {}

        def given(name: str) -> str:
            # A field with its own error (a malformed address) was still typed in.
            return (
                str(self.data.get(self.add_prefix(name), ""))
                if name in self.errors
                else cleaned.get(name, "")
            )

        problems = applications_services.application_problems(
            full_name=given("full_name"),
            email=given("email"),
            phone=given("phone"),
            contact_preference=cleaned.get("contact_preference", ""),
            address=given("address"),
        )
        for name, notes in problems.items():
            if name not in self.errors:
                for note in notes:
                    self.add_error(name, note)
        return cleaned


class ReferenceAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Do you support this application?"),
        choices=ReferenceOutcome.choices,
        widget=forms.RadioSelect,
        error_messages=required_error(
            _("Choose whether you support the application or have concerns.")
        ),
    )
    answer = forms.CharField(
        label=_("How do you know the applicant?"),
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "A few sentences are enough: how long you have known them, and anything the "
            "coordinators should know."
        ),
        error_messages=required_error(_("Tell us a little about how you know the applicant.")),
    )
