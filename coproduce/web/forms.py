"""Forms check the shape of what people type; the services decide whether it is allowed.
When a service refuses, `show_refusal` puts its message on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import (
    CheckKind,
    CheckResult,
    ContactChannel,
    GiftKind,
    ReferenceOutcome,
    Role,
    Visibility,
)
from coproduce.communities.rules import RULES
from coproduce.core.errors import ApplicationError

DAYS = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]
PARTS_OF_DAY = [("am", _("Morning")), ("pm", _("Afternoon")), ("eve", _("Evening"))]
AVAILABILITY_CHOICES = [
    (f"{day}-{part}", f"{day_label} {part_label.lower()}") for day, day_label in DAYS for part, part_label in PARTS_OF_DAY
]


def show_refusal(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's refusal on the form: its sentence at the top, and its notes on the fields
    they name (notes about fields the form does not have go at the top too)."""
    notes = [(name, note) for name, field_notes in exc.fields.items() for note in field_notes]
    if exc.message not in {note for _name, note in notes}:
        form.add_error(None, exc.message)
    for name, note in notes:
        form.add_error(name if name in form.fields else None, note)


def _required(message):
    return {"required": message}


class SearchInput(forms.TextInput):
    input_type = "search"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# Joining ---------------------------------------------------------------------------------------


class ApplicationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, error_messages=_required(_("Enter a full name.")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"), required=False,
        help_text=_("Leave this empty if there is no email address; give a phone number instead."),
        error_messages={"invalid": _("Enter an email address in the right format, like name@example.org.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    neighbourhood = forms.CharField(
        label=_("Neighbourhood"), required=False, max_length=80,
        help_text=_("The part of the area you live in, so we can introduce you to neighbours."),
    )
    contact_preference = forms.ChoiceField(
        label=_("How should we contact you?"), choices=ContactChannel.choices, initial=ContactChannel.EMAIL,
        widget=forms.RadioSelect, error_messages=_required(_("Choose how we should contact you.")),
    )
    about = forms.CharField(
        label=_("About you and your gifts"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you enjoy, what you could help others with, and anything that would help us welcome you."),
    )


class ReferenceAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Do you support this application?"), choices=ReferenceOutcome.choices, widget=forms.RadioSelect,
        error_messages=_required(_("Choose whether you support the application or have concerns.")),
    )
    answer = forms.CharField(
        label=_("How do you know the applicant?"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("A few sentences are enough: how long you have known them, and anything the coordinators should know."),
        error_messages=_required(_("Tell us a little about how you know the applicant.")),
    )


# Profile ---------------------------------------------------------------------------------------


class DetailsForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, error_messages=_required(_("Enter a full name.")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    known_as = forms.CharField(
        label=_("Known as"), max_length=60, required=False,
        help_text=_("The name other members see. Leave empty to use the full name."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        label=_("Email address"), required=False,
        error_messages={"invalid": _("Enter an email address in the right format, like name@example.org.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    neighbourhood = forms.CharField(label=_("Neighbourhood"), max_length=80, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=DateInput(attrs={"autocomplete": "bday"}),
        help_text=_("For example 1950-03-27."),
        error_messages={"invalid": _("Enter a real date, for example 1950-03-27.")},
    )
    is_offline = forms.BooleanField(
        label=_("Does not use the website: a coordinator acts on their behalf"), required=False,
    )


class GiftProfileForm(forms.Form):
    """The gift profile: one textarea per kind of gift, one gift per line."""

    head = forms.CharField(
        label=GiftKind.HEAD.label, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Things you know or can do, one per line. For example: bookkeeping."),
    )
    hands = forms.CharField(
        label=GiftKind.HANDS.label, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Practical help, one per line. For example: gardening."),
    )
    heart = forms.CharField(
        label=GiftKind.HEART.label, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Causes and people you care about, one per line. For example: older neighbours."),
    )
    teach = forms.CharField(
        label=GiftKind.TEACH.label, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything you would be glad to teach, one per line. For example: knitting."),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually free?"), required=False, choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose times from the table.")},
    )
    languages = forms.CharField(
        label=_("Languages you speak"), max_length=200, required=False,
        help_text=_("For example: English, Polish, British Sign Language."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything that helps us arrange things well for you, such as step-free access or large print."),
    )
    contact_preferences = forms.MultipleChoiceField(
        label=_("How do you like to be contacted?"), required=False, choices=ContactChannel.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    KINDS = ("head", "hands", "heart", "teach")

    def _clean_lines(self, kind: str) -> str:
        text = self.cleaned_data.get(kind, "")
        too_long = [line for line in text.splitlines() if len(line.strip()) > 200]
        if too_long:
            raise forms.ValidationError(_("Keep each gift under 200 characters; put one gift on each line."))
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
        """The availability checkboxes as a week: one row per day, a column per part of the day."""
        options = list(self["availability"])
        size = len(PARTS_OF_DAY)
        return [(label, options[i * size:(i + 1) * size]) for i, (_day, label) in enumerate(DAYS)]

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
                label=label, choices=Visibility.choices, widget=forms.RadioSelect,
                help_text=_("Who can see it. Coordinators can always see it."),
                error_messages=_required(_("Choose who can see it.")),
            )

    @staticmethod
    def initial_for(person) -> dict:
        return {name: getattr(person, f"{name}_visibility") for name in PrivacyForm.FIELDS}


class SensitiveValueForm(forms.Form):
    value = forms.CharField(
        label=_("What you want to record"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave it empty and save to delete what is recorded, while keeping the consent."),
    )


# Account ---------------------------------------------------------------------------------------


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=80,
        help_text=_("So you can recognise it later, for example 'Spreadsheet at the drop-in'."),
        error_messages=_required(_("Name the token so you can recognise it later.")),
    )
    community = forms.ChoiceField(
        label=_("Community"), required=False,
        help_text=_("Limit the token to one community, or leave it working for all of yours."),
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.communities = {str(c.pk): c for c in communities}
        self.fields["community"].choices = [("", _("All my communities"))] + [
            (str(c.pk), c.name) for c in communities
        ]
        self.fields["community"].error_messages["invalid_choice"] = _("Choose one of your communities.")

    def clean_community(self):
        value = self.cleaned_data.get("community")
        return self.communities.get(value) if value else None


class ReasonForm(forms.Form):
    """A required reason: leaving, offboarding, declining."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required(_("Give a reason.")),
    )

    def __init__(self, *args, label=None, help_text=None, required_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        if help_text:
            self.fields["reason"].help_text = help_text
        if required_message:
            self.fields["reason"].error_messages["required"] = required_message


# Community and rules ---------------------------------------------------------------------------


class RulesForm(forms.Form):
    """One field per rule, filled with the values in force, and a required reason."""

    def __init__(self, data=None, *, current: dict, **kwargs):
        super().__init__(data, initial={**current, **kwargs.pop("initial", {})}, **kwargs)
        for key, rule in RULES.items():
            help_text = rule.help + (f" ({_('in %(unit)s') % {'unit': rule.unit}})" if rule.unit else "")
            if rule.kind == "choice":
                field: forms.Field = forms.ChoiceField(
                    label=rule.label, choices=rule.choices, widget=forms.RadioSelect, help_text=help_text,
                    error_messages=_required(_("Choose one.")),
                )
            else:
                field = forms.IntegerField(
                    label=rule.label, help_text=help_text, required=rule.kind != "optional_int",
                    error_messages={"required": _("Enter a whole number."), "invalid": _("Enter a whole number.")},
                )
            self.fields[key] = field
        self.fields["reason"] = forms.CharField(
            label=_("Why are the rules changing?"), widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Members see this beside the change, for example 'Agreed at the members' meeting on 3 May'."),
            error_messages=_required(_("Say why the rules are changing.")),
        )

    def rule_values(self) -> dict:
        return {key: self.cleaned_data.get(key) for key in RULES}


# Members ---------------------------------------------------------------------------------------


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search members"), required=False, max_length=100,
        help_text=_("A name, a member number, a neighbourhood or a gift, such as 'gardening'."),
        widget=SearchInput,
    )
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ContactForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("We pass it on without showing your contact details, or theirs. They can reply the same way."),
        error_messages={
            "required": _("Write a message first."),
            "max_length": _("Keep the message under 2,000 characters."),
        },
    )


class CheckForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of check"), choices=[("", _("Choose a kind of check"))] + list(CheckKind.choices),
        error_messages=_required(_("Choose the kind of check.")),
    )
    result = forms.ChoiceField(
        label=_("Result"), choices=CheckResult.choices, widget=forms.RadioSelect,
        error_messages=_required(_("Choose the result.")),
    )
    checked_on = forms.DateField(
        label=_("Date of the check"), widget=DateInput,
        error_messages={"required": _("Give the date of the check."), "invalid": _("Enter a real date.")},
    )
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=DateInput,
        help_text=_("Leave empty if it does not expire."),
        error_messages={"invalid": _("Enter a real date.")},
    )
    reference_number = forms.CharField(label=_("Reference number"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by coordinators only."),
        error_messages=_required(_("Write the note first.")),
    )


class ApplicationNoteForm(NoteForm):
    interview = forms.BooleanField(label=_("These are notes from the interview"), required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.MEMBER])
    granted = forms.TypedChoiceField(choices=[("1", "grant"), ("0", "revoke")], coerce=lambda v: v == "1")


class ReferenceRequestForm(forms.Form):
    referee_name = forms.CharField(
        label=_("Referee's name"), max_length=150, error_messages=_required(_("Give the referee's name.")),
    )
    referee_email = forms.EmailField(
        label=_("Referee's email address"),
        help_text=_("We email them a private link to answer. It works for 14 days."),
        error_messages={
            "required": _("Give the referee's email address."),
            "invalid": _("Enter an email address in the right format, like name@example.org."),
        },
    )
    relationship = forms.CharField(
        label=_("How they know the applicant"), max_length=120, required=False,
        help_text=_("For example: neighbour for ten years."),
    )


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("Note about the decision"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )
