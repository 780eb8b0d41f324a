"""Forms of the account page: API tokens (leaving takes `common.ReasonForm`)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits

from .common import required_error


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=limits.SHORT_NAME,
        help_text=_("So you can recognise it later, for example 'Spreadsheet at the drop-in'."),
        error_messages=required_error(_("Name the token so you can recognise it later.")),
    )
    community = forms.ChoiceField(
        label=_("Community"),
        required=False,
        help_text=_("Limit the token to one community, or leave it working for all of yours."),
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.communities = {str(c.pk): c for c in communities}
        cast(forms.ChoiceField, self.fields["community"]).choices = [
            ("", _("All my communities"))
        ] + [(str(c.pk), c.name) for c in communities]
        self.fields["community"].error_messages["invalid_choice"] = _(
            "Choose one of your communities."
        )

    def clean_community(self):
        value = self.cleaned_data.get("community")
        return self.communities.get(value) if value else None
