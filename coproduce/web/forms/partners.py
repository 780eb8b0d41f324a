"""Forms of spend partners: a partner, its offers, and at the door checking a member's card and
taking a redemption."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce.core import limits
from coproduce.ledger.selectors.amounts import hours

from .common import AVAILABILITY_CHOICES, KeyedForm


class PartnerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=limits.NAME)
    place = forms.CharField(
        label=gettext_lazy("Where it is"), max_length=limits.LINE, required=False
    )
    description = forms.CharField(
        label=gettext_lazy("About the partner"),
        max_length=limits.TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OfferForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("What the credits buy"),
        max_length=limits.NAME,
        help_text=gettext_lazy("For example: One swim."),
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Cost per person, in minutes"), min_value=1, max_value=24 * 60
    )
    per_member_per_month = forms.IntegerField(
        label=gettext_lazy("At most this many times a month per member"),
        min_value=1,
        max_value=100,
        required=False,
    )
    max_adults = forms.IntegerField(
        label=gettext_lazy("Adults at most"), min_value=0, max_value=20, initial=1
    )
    max_children = forms.IntegerField(
        label=gettext_lazy("Children at most"), min_value=0, max_value=20, initial=0
    )
    times = forms.MultipleChoiceField(
        label=gettext_lazy("Only at these times (none ticked: any time)"),
        choices=AVAILABILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class DoorCheckForm(forms.Form):
    member = forms.CharField(
        label=gettext_lazy("Member number"),
        max_length=limits.MEMBER_CODE_INPUT,
        help_text=gettext_lazy("Type it from the member card, or scan the card's QR code."),
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "door-member",
            }
        ),
    )


class RedeemForm(KeyedForm):
    member_ref = forms.CharField(widget=forms.HiddenInput, max_length=limits.MEMBER_CODE_INPUT)
    offer = forms.TypedChoiceField(
        label=gettext_lazy("What are they taking?"), coerce=int, widget=forms.RadioSelect
    )
    adults = forms.IntegerField(
        label=gettext_lazy("Adults"),
        min_value=0,
        max_value=20,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    children = forms.IntegerField(
        label=gettext_lazy("Children"),
        min_value=0,
        max_value=20,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    service_fields = {"member_ref": None, "partner": "offer"}

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        offer_field = self.fields["offer"]
        assert isinstance(offer_field, forms.TypedChoiceField)
        offer_field.choices = [
            (o.pk, _("%(title)s: %(cost)s a person") % {"title": o.title, "cost": hours(o.minutes)})
            for o in offers
        ]
        if len(offer_field.choices) == 1:
            self.initial.setdefault("offer", offers[0].pk)
