"""What the web forms of several areas share: showing a service's refusal on a form, the date
and search inputs, the week of availability checkboxes, forms that move hours (a key against
sending twice, hours and minutes), finding a member by number or name, a required reason, and
the "Older" keyset.

Forms check the shape of what people type; the services decide whether it is allowed.
When a service refuses, `show_refusal` puts its message on the form."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.core import limits
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
    (f"{day}-{part}", f"{day_label} {part_label.lower()}")
    for day, day_label in DAYS
    for part, part_label in PARTS_OF_DAY
]


def availability_rows(bound_field) -> list:
    """Availability checkboxes as a week: one row per day, a column per part of the day (the
    `web/_availability.html` partial)."""
    options = list(bound_field)
    size = len(PARTS_OF_DAY)
    return [(label, options[i * size : (i + 1) * size]) for i, (_day, label) in enumerate(DAYS)]


def show_refusal(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's refusal on the form: its sentence at the top (unless it only sums up notes
    that land on fields), and its notes on the fields
    they name (a form's `service_fields` says which of its fields stands for a service's field;
    notes about fields the form does not have go at the top too)."""
    if exc.code == "idempotency_key_reused":
        form.add_error(
            None,
            _(
                "This form was already sent once with different details, so nothing was done this "
                "time. Check what was recorded before sending it again."
            ),
        )
        return
    renamed = getattr(form, "service_fields", {})
    notes = [
        (renamed.get(name, name), note)
        for name, field_notes in exc.fields.items()
        for note in field_notes
    ]
    # Services say "Please correct the referral." when they only sum up their notes: that sentence
    # is left out when a note lands on a field (the notes, each linked to its field, say it
    # better). Any other sentence ("That email address is used by another account.") says more
    # than its notes, so it stays.
    summing_up = exc.message.startswith("Please correct ") and any(
        name in form.fields for name, _note in notes
    )
    if not summing_up and exc.message not in {note for _name, note in notes}:
        form.add_error(None, exc.message)
    for name, note in notes:
        form.add_error(name if name in form.fields else None, note)


def required_error(message):
    return {"required": message}


class SearchInput(forms.TextInput):
    input_type = "search"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _new_key() -> str:
    return str(uuid.uuid4())


class KeyedForm(forms.Form):
    """A form that moves hours carries a key made when it is first shown, so sending it twice
    (a double click, a retry after a lost answer) does it once: the second answer is the first
    one's result."""

    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        max_length=limits.IDEMPOTENCY_KEY,
        error_messages=required_error(
            _("This form is out of date. Check the details and send it again.")
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"idempotency_key": _new_key(), **(kwargs.pop("initial", None) or {})}
        super().__init__(*args, **kwargs)

    def renew_key(self) -> None:
        """A refused attempt stays refused under its key, so the corrected form needs a new one."""
        data = cast(QueryDict, self.data).copy()
        data[self.add_prefix("idempotency_key")] = _new_key()
        self.data = data


class TimeForm(KeyedForm):
    """How long, as hours and minutes; `cleaned_data["minutes"]` is the whole number of minutes
    the ledger counts in."""

    time_hours = forms.IntegerField(
        label=_("Hours"),
        required=False,
        min_value=0,
        max_value=10_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Enter the hours as a whole number, such as 1."),
            "min_value": _("Enter 0 or more hours."),
            "max_value": _("That is far too many hours."),
        },
    )
    time_minutes = forms.IntegerField(
        label=_("Minutes"),
        required=False,
        min_value=0,
        max_value=59,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Enter the minutes as a whole number, such as 30."),
            "min_value": _("Enter minutes from 0 to 59."),
            "max_value": _("Enter minutes from 0 to 59."),
        },
    )
    service_fields = {"minutes": "time_hours", "amount_minutes": "time_hours", "legs": "time_hours"}

    def clean(self):
        data = super().clean() or {}
        if "time_hours" in data and "time_minutes" in data:
            data["minutes"] = (data["time_hours"] or 0) * 60 + (data["time_minutes"] or 0)
            if data["minutes"] <= 0:
                self.add_error("time_hours", _("Enter how long: more than zero."))
        return data


# The names suggested as people type (an HTML datalist); beyond this many, people type the number.
MEMBER_SUGGESTIONS = 500
MEMBER_HELP = _("A name or a member number, such as RIV-0042.")


def find_member(community, text: str):
    """The active member of the community that `text` names (a member number, also inside
    "Mo Member (RIV-0042)", or a name: directory_selectors.member_by_reference). Raises
    ValidationError saying what to type instead."""
    try:
        return directory_selectors.member_by_reference(community, text)
    except member_refs_selectors.MemberRefRefused as error:
        raise forms.ValidationError(error.message) from None


def member_field(label, *, required=True, help_text=MEMBER_HELP):
    return forms.CharField(
        label=label,
        required=required,
        max_length=limits.MEMBER_SEARCH,
        help_text=help_text,
        widget=forms.TextInput(attrs={"list": "member-list", "autocomplete": "off"}),
        error_messages=required_error(_("Say who it was: a name or a member number.")),
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


class ReasonForm(forms.Form):
    """A required reason: leaving, offboarding, declining."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_error(_("Give a reason.")),
    )

    def __init__(self, *args, label=None, help_text=None, required_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        if help_text:
            self.fields["reason"].help_text = help_text
        if required_message:
            self.fields["reason"].error_messages["required"] = required_message


class OlderForm(forms.Form):
    """The keyset for an "Older" link."""

    before = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
