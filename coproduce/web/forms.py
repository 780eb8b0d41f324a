"""Forms check the shape of what people type; the services decide whether it is allowed.
When a service refuses, `show_refusal` puts its message on the form."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.communities import selectors as community_selectors
from coproduce.communities import services as community_services
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
from coproduce.core import limits
from coproduce.core.errors import ApplicationError, NotFound
from coproduce.exchanges.models import CategoryGroup

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


def availability_rows(bound_field) -> list:
    """Availability checkboxes as a week: one row per day, a column per part of the day (the
    `web/_availability.html` partial)."""
    options = list(bound_field)
    size = len(PARTS_OF_DAY)
    return [(label, options[i * size:(i + 1) * size]) for i, (_day, label) in enumerate(DAYS)]


def show_refusal(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's refusal on the form: its sentence at the top (unless it only sums up notes
    that land on fields), and its notes on the fields
    they name (a form's `service_fields` says which of its fields stands for a service's field;
    notes about fields the form does not have go at the top too)."""
    if exc.code == "idempotency_key_reused":
        form.add_error(None, _(
            "This form was already sent once with different details, so nothing was done this time. "
            "Check what was recorded before sending it again."
        ))
        return
    renamed = getattr(form, "service_fields", {})
    notes = [(renamed.get(name, name), note) for name, field_notes in exc.fields.items() for note in field_notes]
    # Services say "Please correct the referral." when they only sum up their notes: that sentence
    # is left out when a note lands on a field (the notes, each linked to its field, say it
    # better). Any other sentence ("That email address is used by another account.") says more
    # than its notes, so it stays.
    summing_up = exc.message.startswith("Please correct ") and any(name in form.fields for name, _note in notes)
    if not summing_up and exc.message not in {note for _name, note in notes}:
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

APPLICATION_ADDRESS_MAX = 500  # the API's ApplicationIn.address too


class ApplicationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=limits.NAME, error_messages=_required(_("Enter a full name.")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"), required=False, max_length=limits.EMAIL,
        help_text=_("Leave this empty if there is no email address; give a phone number instead."),
        error_messages={"invalid": _("Enter an email address in the right format, like name@example.org.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"), required=False, max_length=limits.PHONE,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    neighbourhood = forms.CharField(
        label=_("Neighbourhood"), required=False, max_length=limits.SHORT_NAME,
        help_text=_("The part of the area you live in, so we can introduce you to neighbours."),
    )
    address = forms.CharField(
        label=_("Postal address"), required=False, max_length=APPLICATION_ADDRESS_MAX,
        help_text=_("Needed only if you would like us to contact you by post."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    contact_preference = forms.ChoiceField(
        label=_("How should we contact you?"), choices=ContactChannel.choices, initial=ContactChannel.EMAIL,
        widget=forms.RadioSelect, error_messages=_required(_("Choose how we should contact you.")),
    )
    about = forms.CharField(
        label=_("About you and your gifts"), required=False, max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you enjoy, what you could help others with, and anything that would help us welcome you."),
    )

    def clean(self):
        """Every problem on the first try: the fields' own and what the application as a whole
        lacks (the service's `application_problems`), each on its field."""
        cleaned = super().clean()

        def given(name: str) -> str:
            # A field with its own error (a malformed address) was still typed in.
            return str(self.data.get(self.add_prefix(name), "")) if name in self.errors else cleaned.get(name, "")

        problems = community_services.application_problems(
            full_name=given("full_name"), email=given("email"), phone=given("phone"),
            contact_preference=cleaned.get("contact_preference", ""), address=given("address"),
        )
        for name, notes in problems.items():
            if name not in self.errors:
                for note in notes:
                    self.add_error(name, note)
        return cleaned


class ReferenceAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Do you support this application?"), choices=ReferenceOutcome.choices, widget=forms.RadioSelect,
        error_messages=_required(_("Choose whether you support the application or have concerns.")),
    )
    answer = forms.CharField(
        label=_("How do you know the applicant?"), max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("A few sentences are enough: how long you have known them, and anything the coordinators should know."),
        error_messages=_required(_("Tell us a little about how you know the applicant.")),
    )


# Profile ---------------------------------------------------------------------------------------


class DetailsForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=limits.NAME, error_messages=_required(_("Enter a full name.")),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    known_as = forms.CharField(
        label=_("Known as"), max_length=limits.KNOWN_AS, required=False,
        help_text=_("The name other members see. Leave empty to use the full name."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        label=_("Email address"), required=False, max_length=limits.EMAIL,
        error_messages={"invalid": _("Enter an email address in the right format, like name@example.org.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"), max_length=limits.PHONE, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"), required=False, max_length=limits.ADDRESS,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    neighbourhood = forms.CharField(label=_("Neighbourhood"), max_length=limits.SHORT_NAME, required=False)
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
        label=GiftKind.HEAD.label, required=False, max_length=limits.GIFT_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Things you know or can do, one per line. For example: bookkeeping."),
    )
    hands = forms.CharField(
        label=GiftKind.HANDS.label, required=False, max_length=limits.GIFT_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Practical help, one per line. For example: gardening."),
    )
    heart = forms.CharField(
        label=GiftKind.HEART.label, required=False, max_length=limits.GIFT_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Causes and people you care about, one per line. For example: older neighbours."),
    )
    teach = forms.CharField(
        label=GiftKind.TEACH.label, required=False, max_length=limits.GIFT_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything you would be glad to teach, one per line. For example: knitting."),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually free?"), required=False, choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose times from the table.")},
    )
    languages = forms.CharField(
        label=_("Languages you speak"), max_length=limits.LINE, required=False,
        help_text=_("For example: English, Polish, British Sign Language."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"), required=False, max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything that helps us arrange things well for you, such as step-free access or large print."),
    )
    contact_preferences = forms.MultipleChoiceField(
        label=_("How do you like to be contacted?"), required=False, choices=ContactChannel.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    KINDS = ("head", "hands", "heart", "teach")

    def _clean_lines(self, kind: str) -> str:
        text = self.cleaned_data.get(kind, "")
        too_long = [line for line in text.splitlines() if len(line.strip()) > limits.LINE]
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
                label=label, choices=Visibility.choices, widget=forms.RadioSelect,
                help_text=_("Who can see it. Coordinators can always see it."),
                error_messages=_required(_("Choose who can see it.")),
            )

    @staticmethod
    def initial_for(person) -> dict:
        return {name: getattr(person, f"{name}_visibility") for name in PrivacyForm.FIELDS}


class SensitiveValueForm(forms.Form):
    value = forms.CharField(
        label=_("What you want to record"), required=False, max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave it empty and save to delete what is recorded, while keeping the consent."),
    )


# Account ---------------------------------------------------------------------------------------


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=limits.SHORT_NAME,
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
        label=_("Reason"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 3}),
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
            label=_("Why are the rules changing?"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Members see this beside the change, for example 'Agreed at the members' meeting on 3 May'."),
            error_messages=_required(_("Say why the rules are changing.")),
        )

    def rule_values(self) -> dict:
        return {key: self.cleaned_data.get(key) for key in RULES}


# Members ---------------------------------------------------------------------------------------


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search members"), required=False, max_length=limits.DIRECTORY_SEARCH,
        help_text=_("A name, a member number, a neighbourhood or a gift, such as 'gardening'."),
        widget=SearchInput,
    )
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


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
    reference_number = forms.CharField(label=_("Reference number"), max_length=limits.REFERENCE_NUMBER, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=limits.TEXT,
                           widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=limits.COORDINATOR_NOTE, widget=forms.Textarea(attrs={"rows": 3}),
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
        label=_("Referee's name"), max_length=limits.NAME, error_messages=_required(_("Give the referee's name.")),
    )
    referee_email = forms.EmailField(
        label=_("Referee's email address"), max_length=limits.EMAIL,
        help_text=_("We email them a private link to answer. It works for 14 days."),
        error_messages={
            "required": _("Give the referee's email address."),
            "invalid": _("Enter an email address in the right format, like name@example.org."),
        },
    )
    relationship = forms.CharField(
        label=_("How they know the applicant"), max_length=limits.LABEL, required=False,
        help_text=_("For example: neighbour for ten years."),
    )


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("Note about the decision"), required=False, max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Hours and exchanges ---------------------------------------------------------------------------


def community_today(community) -> dt.date:
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(community.timezone)).date()


def _new_key() -> str:
    return str(uuid.uuid4())


class KeyedForm(forms.Form):
    """A form that moves hours carries a key made when it is first shown, so sending it twice
    (a double click, a retry after a lost answer) does it once: the second answer is the first
    one's result."""

    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, max_length=limits.IDEMPOTENCY_KEY,
        error_messages=_required(_("This form is out of date. Check the details and send it again.")),
    )

    def __init__(self, *args, **kwargs):
        initial = {"idempotency_key": _new_key(), **(kwargs.pop("initial", None) or {})}
        super().__init__(*args, initial=initial, **kwargs)

    def renew_key(self) -> None:
        """A refused attempt stays refused under its key, so the corrected form needs a new one."""
        data = cast(QueryDict, self.data).copy()
        data[self.add_prefix("idempotency_key")] = _new_key()
        self.data = data


class TimeForm(KeyedForm):
    """How long, as hours and minutes; `cleaned_data["minutes"]` is the whole number of minutes
    the ledger counts in."""

    time_hours = forms.IntegerField(
        label=_("Hours"), required=False, min_value=0, max_value=10_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Enter the hours as a whole number, such as 1."),
                        "min_value": _("Enter 0 or more hours."), "max_value": _("That is far too many hours.")},
    )
    time_minutes = forms.IntegerField(
        label=_("Minutes"), required=False, min_value=0, max_value=59,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Enter the minutes as a whole number, such as 30."),
                        "min_value": _("Enter minutes from 0 to 59."), "max_value": _("Enter minutes from 0 to 59.")},
    )
    service_fields = {"minutes": "time_hours", "amount_minutes": "time_hours", "legs": "time_hours"}

    def clean(self):
        data = super().clean()
        if "time_hours" in data and "time_minutes" in data:
            data["minutes"] = (data["time_hours"] or 0) * 60 + (data["time_minutes"] or 0)
            if data["minutes"] <= 0:
                self.add_error("time_hours", _("Enter how long: more than zero."))
        return data


# The names suggested as people type (an HTML datalist); beyond this many, people type the number.
MEMBER_SUGGESTIONS = 500
MEMBER_HELP = _("A name or a member number, such as RIV-0042.")
CODE_IN_TEXT = re.compile(r"\b([A-Za-z]+)-([0-9]{1,9})\b")


def find_member(community, text: str):
    """The active member of the community that `text` names: a member number (RIV-0042 or 42,
    also inside "Mo Member (RIV-0042)" as the suggestion list gives it) or a name. Raises
    ValidationError saying what to type instead."""
    text = text.strip()
    code = CODE_IN_TEXT.search(text)
    number = None
    if code:
        if code.group(1).upper() != community.member_prefix:
            raise forms.ValidationError(
                _("%(code)s is not a member number in %(community)s.")
                % {"code": code.group(0).upper(), "community": community.name}
            )
        number = int(code.group(2))
    elif text.isdigit():
        if not (text.isascii() and len(text) <= 9):
            raise forms.ValidationError(
                _("There is no member number %(text)s in %(community)s.") % {"text": text, "community": community.name}
            )
        number = int(text)
    if number is not None:
        try:
            membership = community_selectors.membership_by_number(community, number)
        except NotFound:
            raise forms.ValidationError(
                _("There is no member number %(text)s in %(community)s.") % {"text": text, "community": community.name}
            ) from None
        if not membership.is_active:
            raise forms.ValidationError(
                _("%(code)s is no longer an active member.") % {"code": membership.member_code}
            )
        return membership
    wanted = text.casefold()
    found = community_selectors.member_directory(community, q=text, limit=20)
    named = [m for m in found if wanted in {m.person.full_name.casefold(), m.person.known_as.casefold()}] or [
        m for m in found if wanted in m.person.full_name.casefold() or wanted in m.person.known_as.casefold()
    ]
    if len(named) == 1:
        return named[0]
    if not named:
        raise forms.ValidationError(
            _("No member of %(community)s is called “%(text)s”. Check the spelling, or give their member number.")
            % {"community": community.name, "text": text}
        )
    choices = ", ".join(f"{m.person.display_name} ({m.member_code})" for m in named[:5])
    raise forms.ValidationError(
        _("Several members match “%(text)s”: %(choices)s. Give the member number of the one you mean.")
        % {"text": text, "choices": choices}
    )


def _member_field(label, *, required=True, help_text=MEMBER_HELP):
    return forms.CharField(
        label=label, required=required, max_length=limits.MEMBER_SEARCH, help_text=help_text,
        widget=forms.TextInput(attrs={"list": "member-list", "autocomplete": "off"}),
        error_messages=_required(_("Say who it was: a name or a member number.")),
    )


class MembersMixin(forms.Form):
    """Resolves the named member fields to memberships in `self.community`."""

    community: Any
    member_fields: tuple[str, ...] = ()

    def _resolve_members(self, data) -> None:
        for name in self.member_fields:
            text = data.get(name)
            if text:
                try:
                    data[name] = find_member(self.community, text)
                except forms.ValidationError as error:
                    self.add_error(name, error)
            else:
                data[name] = None


DIRECTIONS = [("gave", _("I gave help")), ("received", _("I received help"))]
GROUP_SLOTS = 5


class RecordForm(MembersMixin, TimeForm):
    """A member records an exchange they took part in: one other person, or up to
    GROUP_SLOTS for a group (one person helping several, or several helping one)."""

    direction = forms.ChoiceField(
        label=_("What happened?"), choices=DIRECTIONS, widget=forms.RadioSelect,
        error_messages=_required(_("Choose whether you gave help or received it.")),
    )
    effective_on = forms.DateField(
        label=_("Date of the help"), widget=DateInput,
        error_messages={"required": _("Give the date the help happened."), "invalid": _("Enter a real date.")},
    )
    title = forms.CharField(
        label=_("What was the help?"), max_length=limits.LINE,
        help_text=_("A few words, for example: weeding the front garden."),
        error_messages=_required(_("Say what the help was.")),
    )
    category = forms.CharField(
        label=_("Kind of help"), max_length=limits.SHORT_NAME, required=False,
        help_text=_("For example: gardening, shopping, lifts, company."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=limits.LONG_TEXT,
                           widget=forms.Textarea(attrs={"rows": 3}))
    expense_amount = forms.DecimalField(
        label=_("Amount spent"), required=False, max_digits=9, decimal_places=2, min_value=Decimal("0.01"),
        help_text=_("Money spent on materials or fares, such as 4.50. It is noted beside the hours, never turned into hours."),
        error_messages={"invalid": _("Enter the amount as a number, such as 4.50."),
                        "min_value": _("Enter an amount more than zero."),
                        "max_decimal_places": _("Enter pounds and pence, such as 4.50.")},
    )
    expense_currency = forms.CharField(label=_("Currency"), max_length=limits.CURRENCY, initial="GBP", required=False,
                                       help_text=_("Three letters, such as GBP."))
    expense_note = forms.CharField(label=_("What the money was for"), max_length=limits.LINE, required=False)
    # The offer or request the hours are for (the listing page's "Record hours for this offer").
    listing_id = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput,
        error_messages={"invalid": _("The offer or request this came from is not valid; start again from it.")},
    )

    member_fields = tuple(f"person_{i}" for i in range(1, GROUP_SLOTS + 1))
    service_fields = {**TimeForm.service_fields, "providers": "person_1", "recipients": "person_1",
                      "expenses": "expense_amount"}

    def __init__(self, *args, community, person, acting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.person = person
        self.fields["person_1"] = _member_field(_("Who was the other person?"))
        for i in range(2, GROUP_SLOTS + 1):
            self.fields[f"person_{i}"] = _member_field(_("Another person"), required=False)
        if acting:
            name = person.display_name
            cast(forms.ChoiceField, self.fields["direction"]).choices = [
                ("gave", _("%(name)s gave help") % {"name": name}),
                ("received", _("%(name)s received help") % {"name": name}),
            ]
        self.fields["effective_on"].widget.attrs["max"] = community_today(community).isoformat()

    def clean(self):
        data = super().clean()
        self._resolve_members(data)
        others = [data[name].person for name in self.member_fields if data.get(name)]
        if not others and not self.has_error("person_1"):
            self.add_error("person_1", _("Say who it was: a name or a member number."))
        data["others"] = others
        if data.get("expense_amount") is None and (data.get("expense_note") or "").strip():
            self.add_error("expense_amount", _("Enter the amount spent, or leave the expense empty."))
        return data

    def group_fields(self):
        return [self[name] for name in self.member_fields[1:]]

    def group_used(self) -> bool:
        return any(self.data.get(self.add_prefix(name)) for name in self.member_fields[1:]) if self.is_bound else False

    def expense_used(self) -> bool:
        names = ("expense_amount", "expense_note")
        return self.is_bound and any(self.data.get(self.add_prefix(name)) for name in names)

    def expenses(self) -> list[dict]:
        data = self.cleaned_data
        if data.get("expense_amount") is None:
            return []
        return [{"amount": data["expense_amount"], "currency": data.get("expense_currency") or "GBP",
                 "note": data.get("expense_note", "")}]


class EntryForm(MembersMixin, TimeForm):
    """A coordinator enters an exchange for two members: brokered by phone, or from a paper slip."""

    effective_on = RecordForm.base_fields["effective_on"]
    title = RecordForm.base_fields["title"]
    category = RecordForm.base_fields["category"]
    note = RecordForm.base_fields["note"]

    member_fields = ("giver", "receiver")
    service_fields = {**TimeForm.service_fields, "providers": "giver", "recipients": "receiver"}

    def __init__(self, *args, community, slip: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["giver"] = _member_field(_("Who gave the help?"))
        self.fields["receiver"] = _member_field(_("Who received the help?"))
        if slip:
            self.fields["slip_number"] = forms.CharField(
                label=_("Slip number"), max_length=limits.SLIP_NUMBER,
                help_text=_("The number printed on the paper slip. Each slip can be entered only once."),
                error_messages=_required(_("Give the slip number.")),
            )
        self.fields["effective_on"].widget.attrs["max"] = community_today(community).isoformat()

    def clean(self):
        data = super().clean()
        self._resolve_members(data)
        return data


class DonateForm(TimeForm):
    note = forms.CharField(label=_("Note"), max_length=limits.TEXT, required=False,
                           help_text=_("For example: for neighbours who need help this winter."))


class GrantForm(MembersMixin, TimeForm):
    reason = forms.CharField(
        label=_("Why is the grant made?"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the grant. Members see that a grant was made, not who received it or why."),
        error_messages=_required(_("Say why the grant is made.")),
    )
    member_fields = ("member",)
    service_fields = {**TimeForm.service_fields, "reason": "reason"}

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["member"] = _member_field(_("Who receives the hours?"))
        self.order_fields(["member", "time_hours", "time_minutes", "reason"])

    def clean(self):
        data = super().clean()
        self._resolve_members(data)
        return data


SETTLE_OUTCOMES = [("confirm", _("Confirm: post the hours")), ("decline", _("Decline: post nothing"))]


class SettleForm(forms.Form):
    """A coordinator settles a dispute. The outcome comes from the button pressed."""

    note = forms.CharField(
        label=_("How was it settled?"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Both members can read this on the exchange's page."),
        error_messages=_required(_("Record how the dispute was settled.")),
    )
    outcome = forms.ChoiceField(choices=SETTLE_OUTCOMES, error_messages=_required(_("Choose to confirm or decline.")))


REFERENCE_KINDS = [
    ("positive", _("Positive: it went well")),
    ("neutral", _("Neutral: it was fine, or there is something worth knowing")),
    ("concern", _("A concern: something worried me (private, only the coordinators read it)")),
]


class ExchangeReferenceForm(forms.Form):
    """A reference after a confirmed exchange, about one person on the other side."""

    subject = forms.TypedChoiceField(
        label=_("Who is it about?"), coerce=int, widget=forms.RadioSelect,
        error_messages=_required(_("Choose who the reference is about.")),
    )
    kind = forms.ChoiceField(
        label=_("What kind of reference?"), choices=REFERENCE_KINDS, widget=forms.RadioSelect,
        help_text=_("Positive and neutral references are seen by members; a concern goes privately to the "
                    "coordinators."),
        error_messages=_required(_("Choose positive, neutral or a concern.")),
    )
    text = forms.CharField(
        label=_("How did it go?"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few words. At most 2000 characters."),
        error_messages=_required(_("Say a few words about how it went.")),
    )

    def __init__(self, *args, subjects: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["subject"])
        field.choices = [(p.pk, p.display_name) for p in subjects]
        if len(subjects) == 1:
            self.initial.setdefault("subject", subjects[0].pk)


class OlderForm(forms.Form):
    """The keyset for an "Older" link."""

    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)


# Listings --------------------------------------------------------------------------------------

LISTING_KINDS = [("offer", _("Offering help")), ("request", _("Asking for help"))]
SEARCH_KINDS = [("", _("Offers and requests")), ("offer", _("Offers only")), ("request", _("Requests only"))]
SEARCH_SORTS = [("relevance", _("Best match")), ("newest", _("Newest first")), ("distance", _("Nearest first"))]
LISTING_MODES = [
    ("in_person", _("In person")),
    ("remote", _("Remote (phone or online)")),
    ("at_home", _("At my home (needs the community's checks)")),
]
# "Allied communities too" comes back with federation; until then it would do nothing.
LISTING_VISIBILITIES = [
    ("community", _("Members of this community")),
    ("public", _("Everyone, on the public site")),
]
CATEGORY_INVALID = _("Choose a category from the list.")


def category_choices(categories) -> list:
    """Categories as <optgroup>s, one per group, in the group's order."""
    groups: dict[str, list] = {}
    for category in categories:
        groups.setdefault(category.group, []).append((str(category.pk), category.name))
    return [(CategoryGroup(group).label, options) for group, options in sorted(
        groups.items(), key=lambda item: CategoryGroup.values.index(item[0]))]


def _category_field(**kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        coerce=int, error_messages={"invalid_choice": CATEGORY_INVALID, "required": CATEGORY_INVALID}, **kwargs,
    )


class ListingSearchForm(forms.Form):
    q = forms.CharField(
        label=_("What are you looking for?"), required=False, max_length=limits.SEARCH,
        help_text=_("A word or two, such as 'garden' or 'computer'. Small typing mistakes are fine."),
        widget=SearchInput,
        error_messages={"max_length": _("Search for at most 200 characters.")},
    )
    kind = forms.ChoiceField(label=_("Show"), required=False, choices=SEARCH_KINDS, widget=forms.RadioSelect, initial="")
    category = _category_field(label=_("Category"), required=False, empty_value=None)
    available = forms.MultipleChoiceField(
        label=_("Free at"), required=False, choices=AVAILABILITY_CHOICES, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose times from the table.")},
    )
    near = forms.ChoiceField(
        label=_("Near"), required=False,
        help_text=_("A neighbourhood: listings are measured from its centre, never from anyone's address."),
        error_messages={"invalid_choice": _("There is no neighbourhood called “%(value)s” here. Choose one from the list.")},
    )
    within_km = forms.FloatField(
        label=_("Within (km)"), required=False, min_value=0.1, max_value=200,
        help_text=_("How far from the neighbourhood, such as 2. Needs a neighbourhood above."),
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        error_messages={"invalid": _("Enter the distance as a number of kilometres, such as 2."),
                        "min_value": _("Enter a distance of at least 0.1 km."),
                        "max_value": _("Search within at most 200 km.")},
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SEARCH_SORTS, initial="relevance")
    after = forms.CharField(required=False, max_length=limits.CURSOR, widget=forms.HiddenInput)

    def __init__(self, *args, categories, neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["category"])
        field.choices = [("", _("Any category")), *category_choices(categories)]
        cast(forms.ChoiceField, self.fields["near"]).choices = [
            ("", _("Anywhere")), *[(n.slug, n.name) for n in neighbourhoods]
        ]

    def availability_rows(self):
        return availability_rows(self["available"])


class PublicListingSearchForm(forms.Form):
    """The public offers page's search: words and kind only (the same fields as the members' search)."""

    q = ListingSearchForm.base_fields["q"]
    kind = ListingSearchForm.base_fields["kind"]
    after = ListingSearchForm.base_fields["after"]


class ListingForm(forms.Form):
    """An offer or a request. The service checks lengths, dates and the vetting for `at_home`."""

    service_fields = {"expires_at": "expires_on", "point": "neighbourhood"}

    kind = forms.ChoiceField(
        label=_("Are you offering help or asking for it?"), choices=LISTING_KINDS, widget=forms.RadioSelect,
        error_messages=_required(_("Choose whether you are offering help or asking for it.")),
    )
    title = forms.CharField(
        label=_("Title"), max_length=limits.LISTING_TITLE,
        help_text=_("A few words, such as 'Help with a new phone' or 'Lifts to the shops'."),
        error_messages={**_required(_("Give the listing a title.")),
                        "max_length": _("At most %(limit_value)d characters (this is %(show_value)d).")},
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=limits.DESCRIPTION, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What, roughly when, and anything that helps. Do not put your address or phone number here."),
    )
    category = _category_field(label=_("Category"))
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=limits.TAG_LIST,
        help_text=_("Short words separated by commas, such as 'android, email'."),
    )
    expires_on = forms.DateField(
        label=_("Show it until"), widget=DateInput,
        help_text=_("It is taken down after this day; you can post it again. At most a year from now."),
        error_messages={"required": _("Give the last day to show it."),
                        "invalid": _("Enter a real date, like 31/12/2026.")},
    )
    availability = forms.MultipleChoiceField(
        label=_("When suits you?"), required=False, choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple, error_messages={"invalid_choice": _("Choose times from the table.")},
    )
    neighbourhood = forms.CharField(
        label=_("Neighbourhood"), required=False, max_length=limits.SHORT_NAME,
        help_text=_("The part of the area, such as 'Old Docks'. Never a street address."),
    )
    mode = forms.ChoiceField(
        label=_("Where?"), choices=LISTING_MODES, widget=forms.RadioSelect, initial="in_person",
        error_messages=_required(_("Choose where it would happen.")),
    )
    is_group = forms.BooleanField(label=_("A group activity (several people can join)"), required=False)
    visibility = forms.ChoiceField(
        label=_("Who can see it?"), choices=LISTING_VISIBILITIES, widget=forms.RadioSelect, initial="community",
        help_text=_("Everyone: also shown to people who are not signed in, on the community's public page of offers "
                    "and requests, without your name, its pictures or its place on the map."),
        error_messages={**_required(_("Choose who can see it.")), "invalid_choice": _(
            "Choose who can see it: members of this community, or everyone on the public site.")},
    )

    def __init__(self, *args, community, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        field = cast(forms.TypedChoiceField, self.fields["category"])
        field.choices = [("", _("Choose a category")), *category_choices(categories)]

    def availability_rows(self):
        return availability_rows(self["availability"])

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data.get("tags", "").split(",") if tag.strip()]

    def values(self) -> dict[str, Any]:
        """What the listing services take."""
        data = dict(self.cleaned_data)
        day = data.pop("expires_on")
        # The end of the chosen day, in the community's time zone.
        zone = zoneinfo.ZoneInfo(self.community.timezone)
        data["expires_at"] = dt.datetime.combine(day, dt.time(23, 59), tzinfo=zone)
        return data

    @staticmethod
    def initial_for(listing, community) -> dict:
        return {
            "kind": listing.kind, "title": listing.title, "description": listing.description,
            "category": listing.category_id, "tags": ", ".join(listing.tags),
            "expires_on": timezone.localtime(listing.expires_at, zoneinfo.ZoneInfo(community.timezone)).date(),
            "availability": listing.availability, "neighbourhood": listing.neighbourhood, "mode": listing.mode,
            "is_group": listing.is_group, "visibility": listing.visibility,
        }


class ListingImageForm(forms.Form):
    """A picture for a listing. The service decides whether the file really is a picture (by
    decoding it), and whether it is small enough."""

    image = forms.FileField(
        label=_("Picture"),
        help_text=_("A JPEG, PNG or WebP photo of at most 5 MB. It is made smaller, and the details a camera "
                    "stores in it (such as where it was taken) are removed."),
        error_messages={"required": _("Choose a picture to upload."),
                        "empty": _("The file is empty. Choose a JPEG, PNG or WebP picture."),
                        "invalid": _("Choose a picture to upload.")},
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt_text = forms.CharField(
        label=_("What does it show?"), required=False, max_length=limits.LINE,
        help_text=_("A few words for people who cannot see the picture, such as 'a tidy front garden'."),
        error_messages={"max_length": _("At most 200 characters.")},
    )


class CloseListingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you closing it?"), required=False, max_length=limits.SHORT_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: found help, thank you. Kept with the community's records."),
    )


class NeighbourhoodForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=limits.SHORT_NAME, help_text=_("As people say it, such as 'Old Town'."),
        error_messages=_required(_("Give the neighbourhood a name.")),
    )
    lat = forms.FloatField(
        label=_("Latitude of its centre"), min_value=-90, max_value=90,
        help_text=_("A rough middle, such as 51.503. A map site shows it when you click a spot."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"required": _("Give the latitude."), "invalid": _("Enter a number, such as 51.503.")},
    )
    lng = forms.FloatField(
        label=_("Longitude of its centre"), min_value=-180, max_value=180,
        help_text=_("Such as -0.124 (west of Greenwich is negative)."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"required": _("Give the longitude."), "invalid": _("Enter a number, such as -0.124.")},
    )


class CategoryForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"), error_messages=_required(_("Choose a group.")))
    name = forms.CharField(
        label=_("Name"), max_length=limits.SHORT_NAME, help_text=_("For example: Boat repair."),
        error_messages=_required(_("Name the category.")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["group"]).choices = [("", _("Choose a group")), *CategoryGroup.choices]


class MessageForm(forms.Form):
    """A message in a conversation (the services check length and control characters again)."""

    body = forms.CharField(
        label=_("Your message"), max_length=limits.MESSAGE, strip=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent through this website: neither of you sees the other's email address or phone number."),
        error_messages={
            "required": _("Write a message first."),
            "max_length": _("Keep the message under 4,000 characters."),
        },
    )
    listing = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this message?"), max_length=limits.REPORT, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the community's coordinators see this. They can then read this conversation."),
        error_messages={"required": _("Say briefly what is wrong.")},
    )


class HandleReportForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), required=False, max_length=limits.REPORT, widget=forms.Textarea(attrs={"rows": 2}),
    )


# Coordinators: introductions, passing messages on, closing concerns ------------------------------


class IntroductionForm(MembersMixin, forms.Form):
    """A coordinator introduces two members (a name or member number each; the suggested helpers
    come as radio buttons filling `second`). The service refuses what the form cannot know."""

    member_fields = ("first", "second")

    note = forms.CharField(
        label=_("Your message to both of them"), max_length=limits.MESSAGE, strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Both members receive it in a conversation between the two of them. Neither sees the "
                    "other's email address or phone number."),
        error_messages={"required": _("Write a few words to both of them."),
                        "max_length": _("Keep the message under 4,000 characters.")},
    )
    listing = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, community, suggestions: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["first"] = _member_field(_("Introduce"))
        self.fields["first"].error_messages["required"] = _("Say whom to introduce: a name or a member number.")
        if suggestions:
            self.fields["suggested"] = forms.ChoiceField(
                label=_("Suggested from the matching offers"), required=False, choices=suggestions,
                widget=forms.RadioSelect,
            )
        self.fields["second"] = _member_field(
            _("to") if not suggestions else _("or to someone else"), required=False,
            help_text=_("A name or a member number, such as RIV-0042."),
        )
        self.order_fields(["first", "suggested", "second", "note", "listing"])

    def clean(self):
        data = super().clean()
        if not data.get("second") and data.get("suggested"):
            data["second"] = data["suggested"]
        if not data.get("second") and "second" not in self.errors:
            self.add_error("second", _("Say whom to introduce them to: a name or a member number."))
        self._resolve_members(data)
        return data


class PassedOnForm(forms.Form):
    how = forms.CharField(
        label=_("How did you pass it on?"), max_length=limits.LINE,
        help_text=_("For example: by phone, read out at the drop-in, letter posted."),
        error_messages={"required": _("Say how you passed it on, for example 'by phone'."),
                        "max_length": _("Keep it under 200 characters.")},
    )


class ConcernCloseForm(forms.Form):
    outcome = forms.CharField(
        label=_("What was done"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the concern, for the coordinators only."),
        error_messages={"required": _("Say what was done about the concern."),
                        "max_length": _("Keep it under 2,000 characters.")},
    )
