"""Forms of referrals: an agency's referral, and the coordinators' follow-up."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce.coproduction.models import ReferralStatus, ReferralTarget
from coproduce.core import limits

CONTACT_HINT = gettext_lazy("A phone number or an email address: at least one.")


class ReferralForm(forms.Form):
    """The referral, checked whole on the first submit: every rule the form can see (consent,
    how they agreed, a way to reach them, the role or group chosen) is reported at once, and
    the service checks everything again before anything is stored."""

    target = forms.ChoiceField(
        label=gettext_lazy("Refer them to"),
        widget=forms.RadioSelect,
        initial=ReferralTarget.COMMUNITY,
        choices=[
            (
                ReferralTarget.COMMUNITY,
                gettext_lazy("The time bank: swapping help with neighbours"),
            ),
            (
                ReferralTarget.ROLE,
                gettext_lazy("A co-production role working alongside staff (choose it below)"),
            ),
            (ReferralTarget.GROUP, gettext_lazy("A community group (name it below)")),
        ],
        error_messages={
            "required": gettext_lazy("Choose the time bank, a role or a group."),
            "invalid_choice": gettext_lazy("Choose the time bank, a role or a group."),
        },
    )
    role = forms.TypedChoiceField(
        label=gettext_lazy("Role"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("Only if you chose a co-production role above."),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the roles in the list.")},
    )
    group_name = forms.CharField(
        label=gettext_lazy("Group"),
        required=False,
        max_length=limits.NAME,
        help_text=gettext_lazy(
            "Only if you chose a community group above, such as “Knit and natter”."
        ),
    )
    full_name = forms.CharField(
        label=gettext_lazy("Their name"),
        max_length=limits.NAME,
        error_messages={"required": gettext_lazy("Give the person's name.")},
    )
    phone = forms.CharField(
        label=gettext_lazy("Their phone number"),
        required=False,
        max_length=limits.PHONE,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=CONTACT_HINT,
    )
    email = forms.EmailField(
        label=gettext_lazy("Their email address"),
        required=False,
        max_length=limits.EMAIL,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=CONTACT_HINT,
        error_messages={
            "invalid": gettext_lazy(
                "Enter an email address in the right format, like name@example.org."
            )
        },
    )
    what_matters = forms.CharField(
        label=gettext_lazy("What matters to them"),
        required=False,
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "In their words: what they would like to do or find. Nothing medical."
        ),
    )
    consent_given = forms.BooleanField(
        label=gettext_lazy("They have agreed to be referred and to a coordinator contacting them"),
        help_text=gettext_lazy(
            "Ask the person first. We cannot take a referral without their consent."
        ),
        error_messages={
            "required": gettext_lazy("Ask the person first; a referral needs their consent.")
        },
    )
    consent_note = forms.CharField(
        label=gettext_lazy("How and when they agreed"),
        max_length=limits.CONSENT_NOTE,
        help_text=gettext_lazy("Such as “in clinic on 3 May, face to face”."),
        error_messages={
            "required": gettext_lazy(
                "Say how and when the person agreed, such as “in clinic on 3 May”."
            )
        },
    )
    share_with_referrer = forms.ChoiceField(
        label=gettext_lazy("What they agreed you may see afterwards"),
        widget=forms.RadioSelect,
        initial="status",
        choices=[
            ("status", gettext_lazy("Only how it is going (contacted, joined, …)")),
            ("name", gettext_lazy("How it is going, with their name")),
        ],
        error_messages={
            "required": gettext_lazy(
                "Choose what you may see: how it is going, or that with their name."
            )
        },
    )

    # As the page shows them, so the error summary lists problems in the same order.
    field_order = [
        "consent_given",
        "consent_note",
        "share_with_referrer",
        "full_name",
        "phone",
        "email",
        "what_matters",
        "target",
        "role",
        "group_name",
    ]

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Published roles of any agency of the community, each with its agency's name.
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            ("", _("Choose a role")),
            *[(r.pk, f"{r.title} — {r.agency.name}") for r in roles],
        ]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and not any(ch.isdigit() for ch in phone):
            raise forms.ValidationError(_("Enter a phone number, such as 07700 900123."))
        return phone

    def clean(self):
        data = super().clean() or {}
        if (
            not data.get("phone")
            and not data.get("email")
            and not self.has_error("phone")
            and not self.has_error("email")
        ):
            self.add_error(
                "phone",
                _("Give a phone number or an email address, so a coordinator can reach them."),
            )
        target = data.get("target")
        if (
            target == ReferralTarget.ROLE
            and data.get("role") is None
            and not self.has_error("role")
        ):
            self.add_error("role", _("Choose the role, or choose the time bank or a group above."))
        if (
            target == ReferralTarget.GROUP
            and not data.get("group_name")
            and not self.has_error("group_name")
        ):
            self.add_error(
                "group_name", _("Name the group, or choose the time bank or a role above.")
            )
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, s) for s in ReferralStatus.values if s != ReferralStatus.REFERRED]
    )
    member_number = forms.CharField(
        label=gettext_lazy("Their member number"),
        required=False,
        max_length=limits.MEMBER_REF,
        help_text=gettext_lazy(
            "When they have joined: the number on their member card, such as RIV-0042."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note for coordinators"),
        required=False,
        max_length=limits.REPORT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Only coordinators read this; the referrer never sees it."),
    )
