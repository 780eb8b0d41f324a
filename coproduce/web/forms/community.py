"""Forms of a community's pages: changing its rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.communities.access import coordinator_may_change
from coproduce.communities.selectors.rules import RULES
from coproduce.core import limits

from .common import required_error


class RulesForm(forms.Form):
    """One field per rule a coordinator may change alone under the rules in force (the others
    are changed by a decision: see `change_<area>`), filled with the values in force, and a
    required reason."""

    def __init__(self, data=None, *, current: dict, **kwargs):
        super().__init__(data, initial={**current, **kwargs.pop("initial", {})}, **kwargs)
        for key, rule in RULES.items():
            if not coordinator_may_change(current, key):
                continue
            help_text = rule.help + (
                f" ({_('in %(unit)s') % {'unit': rule.unit}})" if rule.unit else ""
            )
            if rule.kind == "choice":
                field: forms.Field = forms.ChoiceField(
                    label=rule.label,
                    choices=rule.choices,
                    widget=forms.RadioSelect,
                    help_text=help_text,
                    error_messages=required_error(_("Choose one.")),
                )
            else:
                field = forms.IntegerField(
                    label=rule.label,
                    help_text=help_text,
                    required=rule.kind != "optional_int",
                    error_messages={
                        "required": _("Enter a whole number."),
                        "invalid": _("Enter a whole number."),
                    },
                )
            self.fields[key] = field
        self.fields["reason"] = forms.CharField(
            label=_("Why are the rules changing?"),
            max_length=limits.TEXT,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_(
                "Members see this beside the change, for example 'Agreed at the members' meeting "
                "on 3 May'."
            ),
            error_messages=required_error(_("Say why the rules are changing.")),
        )

    def rule_values(self) -> dict:
        return {key: self.cleaned_data.get(key) for key in RULES if key in self.fields}
