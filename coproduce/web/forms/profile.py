"""Forms of the profile pages: details, the gift profile, privacy and sensitive values."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import ContactChannel, GiftKind, Visibility
from coproduce.core import limits

from .common import AVAILABILITY_CHOICES, DateInput, availability_rows, required_error


class DetailsForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=limits.NAME,
        error_messages=required_error(_("Enter a full name.")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    known_as = forms.CharField(
        label=_("Known as"),
        max_length=limits.KNOWN_AS,
        required=False,
        help_text=_("The name other members see. Leave empty to use the full name."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        max_length=limits.EMAIL,
        error_messages={
            "invalid": _("Enter an email address in the right format, like name@example.org.")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=limits.PHONE,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=limits.ADDRESS,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    neighbourhood = forms.CharField(
        label=_("Neighbourhood"), max_length=limits.SHORT_NAME, required=False
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(attrs={"autocomplete": "bday"}),
        help_text=_("For example 1950-03-27."),
        error_messages={"invalid": _("Enter a real date, for example 1950-03-27.")},
    )
    is_offline = forms.BooleanField(
        label=_("Does not use the website: a coordinator acts on their behalf"),
        required=False,
    )


class GiftProfileForm(forms.Form):
    """The gift profile: one textarea per kind of gift, one gift per line."""

    head = forms.CharField(
        label=GiftKind.HEAD.label,
        required=False,
        max_length=limits.GIFT_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Things you know or can do, one per line. For example: bookkeeping."),
    )
    hands = forms.CharField(
        label=GiftKind.HANDS.label,
        required=False,
        max_length=limits.GIFT_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Practical help, one per line. For example: gardening."),
    )
    heart = forms.CharField(
        label=GiftKind.HEART.label,
        required=False,
        max_length=limits.GIFT_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Causes and people you care about, one per line. For example: older neighbours."
        ),
    )
    teach = forms.CharField(
        label=GiftKind.TEACH.label,
        required=False,
        max_length=limits.GIFT_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything you would be glad to teach, one per line. For example: knitting."),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually free?"),
        required=False,
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose times from the table.")},
    )
    languages = forms.CharField(
        label=_("Languages you speak"),
        max_length=limits.LINE,
        required=False,
        help_text=_("For example: English, Polish, British Sign Language."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Anything that helps us arrange things well for you, such as step-free access or large "
            "print."
        ),
    )
    contact_preferences = forms.MultipleChoiceField(
        label=_("How do you like to be contacted?"),
        required=False,
        choices=ContactChannel.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    KINDS = ("head", "hands", "heart", "teach")

    def _clean_lines(self, kind: str) -> str:
        text = self.cleaned_data.get(kind, "")
        too_long = [line for line in text.splitlines() if len(line.strip()) > limits.LINE]
        if too_long:
            raise forms.ValidationError(
                _("Keep each gift under 200 characters; put one gift on each line.")
            )
        return text

    def clean_head(self):
        return self._clean_lines("head")

    def clean_hands(self):
        return self._clean_lines("hands")

    def clean_heart(self):
        return self._clean_lines("heart")

    def clean_teach(self):
        return self._clean_lines("teach")

    def gifts(self) -> list[tuple[str, str]]:
        return [
            (kind, line.strip())
            for kind in self.KINDS
            for line in self.cleaned_data.get(kind, "").splitlines()
            if line.strip()
        ]

    def availability_rows(self):
        return availability_rows(self["availability"])

    @staticmethod
    def initial_for(person) -> dict:
        gifts: dict[str, list[str]] = {kind: [] for kind in GiftProfileForm.KINDS}
        for gift in person.gifts.all():
            gifts.setdefault(gift.kind, []).append(gift.description)
        return {
            **{kind: "\n".join(lines) for kind, lines in gifts.items()},
            "availability": person.availability,
            "languages": person.languages,
            "accessibility_needs": person.accessibility_needs,
            "contact_preferences": person.contact_preferences,
        }


class PrivacyForm(forms.Form):
    FIELDS = {
        "email": _("Email address"),
        "phone": _("Phone number"),
        "address": _("Address"),
        "photo": _("Photo"),
        "date_of_birth": _("Date of birth"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.FIELDS.items():
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=Visibility.choices,
                widget=forms.RadioSelect,
                help_text=_("Who can see it. Coordinators can always see it."),
                error_messages=required_error(_("Choose who can see it.")),
            )

    @staticmethod
    def initial_for(person) -> dict:
        return {name: getattr(person, f"{name}_visibility") for name in PrivacyForm.FIELDS}


class SensitiveValueForm(forms.Form):
    value = forms.CharField(
        label=_("What you want to record"),
        required=False,
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Leave it empty and save to delete what is recorded, while keeping the consent."
        ),
    )
