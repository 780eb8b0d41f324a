"""Forms of recording hours and an exchange's page: a member's record, a coordinator's entry
(brokered or from a paper slip), answering, settling a dispute, reversing, a reference."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core import limits

from .common import DateInput, MembersMixin, TimeForm, member_field, required_error

# The wording of `common.ReasonForm` on an exchange's page: declining, disputing, reversing.
DECLINE_FORM = {
    "label": _("Why are you declining?"),
    "help_text": _("The person who recorded it sees this. For example: it was 1 hour, not 2."),
    "required_message": _("Say why, so the other person understands."),
}
DISPUTE_FORM = {
    "label": _("What is wrong?"),
    "help_text": _(
        "A coordinator will look into it and talk to both of you. No hours move until then."
    ),
    "required_message": _("Say what is wrong."),
}
REVERSE_FORM = {
    "label": _("Why are the hours being reversed?"),
    "help_text": _(
        "Both members are told, and see this reason on the exchange and their statements."
    ),
    "required_message": _("Say why the hours are being reversed."),
}

DIRECTIONS = [("gave", _("I gave help")), ("received", _("I received help"))]
GROUP_SLOTS = 5


class RecordForm(MembersMixin, TimeForm):
    """A member records an exchange they took part in: one other person, or up to
    GROUP_SLOTS for a group (one person helping several, or several helping one)."""

    direction = forms.ChoiceField(
        label=_("What happened?"),
        choices=DIRECTIONS,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose whether you gave help or received it.")),
    )
    effective_on = forms.DateField(
        label=_("Date of the help"),
        widget=DateInput,
        error_messages={
            "required": _("Give the date the help happened."),
            "invalid": _("Enter a real date."),
        },
    )
    title = forms.CharField(
        label=_("What was the help?"),
        max_length=limits.LINE,
        help_text=_("A few words, for example: weeding the front garden."),
        error_messages=required_error(_("Say what the help was.")),
    )
    category = forms.CharField(
        label=_("Kind of help"),
        max_length=limits.SHORT_NAME,
        required=False,
        help_text=_("For example: gardening, shopping, lifts, company."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expense_amount = forms.DecimalField(
        label=_("Amount spent"),
        required=False,
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_(
            "Money spent on materials or fares, such as 4.50. It is noted beside the hours, never "
            "turned into hours."
        ),
        error_messages={
            "invalid": _("Enter the amount as a number, such as 4.50."),
            "min_value": _("Enter an amount more than zero."),
            "max_decimal_places": _("Enter pounds and pence, such as 4.50."),
        },
    )
    expense_currency = forms.CharField(
        label=_("Currency"),
        max_length=limits.CURRENCY,
        initial="GBP",
        required=False,
        help_text=_("Three letters, such as GBP."),
    )
    expense_note = forms.CharField(
        label=_("What the money was for"), max_length=limits.LINE, required=False
    )
    # The offer or request the hours are for (the listing page's "Record hours for this offer").
    listing_id = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("The offer or request this came from is not valid; start again from it.")
        },
    )

    member_fields = tuple(f"person_{i}" for i in range(1, GROUP_SLOTS + 1))
    service_fields = {
        **TimeForm.service_fields,
        "providers": "person_1",
        "recipients": "person_1",
        "expenses": "expense_amount",
    }

    def __init__(self, *args, community, person, acting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.person = person
        self.fields["person_1"] = member_field(_("Who was the other person?"))
        for i in range(2, GROUP_SLOTS + 1):
            self.fields[f"person_{i}"] = member_field(_("Another person"), required=False)
        if acting:
            name = person.display_name
            cast(forms.ChoiceField, self.fields["direction"]).choices = [
                ("gave", _("%(name)s gave help") % {"name": name}),
                ("received", _("%(name)s received help") % {"name": name}),
            ]
        self.fields["effective_on"].widget.attrs["max"] = communities_selectors.local_today(
            community
        ).isoformat()

    def clean(self):
        data = super().clean()
        self._resolve_members(data)
        others = [data[name].person for name in self.member_fields if data.get(name)]
        if not others and not self.has_error("person_1"):
            self.add_error("person_1", _("Say who it was: a name or a member number."))
        data["others"] = others
        if data.get("expense_amount") is None and (data.get("expense_note") or "").strip():
            self.add_error(
                "expense_amount", _("Enter the amount spent, or leave the expense empty.")
            )
        return data

    def group_fields(self):
        return [self[name] for name in self.member_fields[1:]]

    def group_used(self) -> bool:
        return (
            any(self.data.get(self.add_prefix(name)) for name in self.member_fields[1:])
            if self.is_bound
            else False
        )

    def expense_used(self) -> bool:
        names = ("expense_amount", "expense_note")
        return self.is_bound and any(self.data.get(self.add_prefix(name)) for name in names)

    def expenses(self) -> list[dict]:
        data = self.cleaned_data
        if data.get("expense_amount") is None:
            return []
        return [
            {
                "amount": data["expense_amount"],
                "currency": data.get("expense_currency") or "GBP",
                "note": data.get("expense_note", ""),
            }
        ]


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
        self.fields["giver"] = member_field(_("Who gave the help?"))
        self.fields["receiver"] = member_field(_("Who received the help?"))
        if slip:
            self.fields["slip_number"] = forms.CharField(
                label=_("Slip number"),
                max_length=limits.SLIP_NUMBER,
                help_text=_(
                    "The number printed on the paper slip. Each slip can be entered only once."
                ),
                error_messages=required_error(_("Give the slip number.")),
            )
        self.fields["effective_on"].widget.attrs["max"] = communities_selectors.local_today(
            community
        ).isoformat()

    def clean(self):
        data = super().clean()
        self._resolve_members(data)
        return data


SETTLE_OUTCOMES = [
    ("confirm", _("Confirm: post the hours")),
    ("decline", _("Decline: post nothing")),
]


class SettleForm(forms.Form):
    """A coordinator settles a dispute. The outcome comes from the button pressed."""

    note = forms.CharField(
        label=_("How was it settled?"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Both members can read this on the exchange's page."),
        error_messages=required_error(_("Record how the dispute was settled.")),
    )
    outcome = forms.ChoiceField(
        choices=SETTLE_OUTCOMES, error_messages=required_error(_("Choose to confirm or decline."))
    )


REFERENCE_KINDS = [
    ("positive", _("Positive: it went well")),
    ("neutral", _("Neutral: it was fine, or there is something worth knowing")),
    ("concern", _("A concern: something worried me (private, only the coordinators read it)")),
]


class ExchangeReferenceForm(forms.Form):
    """A reference after a confirmed exchange, about one person on the other side."""

    subject = forms.TypedChoiceField(
        label=_("Who is it about?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose who the reference is about.")),
    )
    kind = forms.ChoiceField(
        label=_("What kind of reference?"),
        choices=REFERENCE_KINDS,
        widget=forms.RadioSelect,
        help_text=_(
            "Positive and neutral references are seen by members; a concern goes privately to the "
            "coordinators."
        ),
        error_messages=required_error(_("Choose positive, neutral or a concern.")),
    )
    text = forms.CharField(
        label=_("How did it go?"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few words. At most 2000 characters."),
        error_messages=required_error(_("Say a few words about how it went.")),
    )

    def __init__(self, *args, subjects: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["subject"])
        field.choices = [(p.pk, p.display_name) for p in subjects]
        if len(subjects) == 1:
            self.initial.setdefault("subject", subjects[0].pk)
