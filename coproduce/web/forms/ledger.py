"""Forms of the community fund: donating hours to it, and a coordinator's grant from it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits

from .common import MembersMixin, TimeForm, member_field, required_error


class DonateForm(TimeForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=limits.TEXT,
        required=False,
        help_text=_("For example: for neighbours who need help this winter."),
    )


class GrantForm(MembersMixin, TimeForm):
    reason = forms.CharField(
        label=_("Why is the grant made?"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept with the grant. Members see that a grant was made, not who received it or why."
        ),
        error_messages=required_error(_("Say why the grant is made.")),
    )
    member_fields = ("member",)
    service_fields = {**TimeForm.service_fields, "reason": "reason"}

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["member"] = member_field(_("Who receives the hours?"))
        self.order_fields(["member", "time_hours", "time_minutes", "reason"])

    def clean(self):
        data = super().clean()
        self._resolve_members(data)
        return data
