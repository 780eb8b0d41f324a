"""Forms of the disputes pages: opening a dispute about a decision, a note in the private
thread, a coordinator assigning the mediator, the mediator's agreement and escalation, and the
panel's decision. Limits from core/limits.py, as the API's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits
from coproduce.governance.models import DisputeOutcome

from .common import required_error


class DisputeOpenForm(forms.Form):
    """A dispute about a decision (one about an exchange is opened from the exchange)."""

    summary = forms.CharField(
        label=_("What is wrong with this decision?"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A coordinator assigns a mediator, who helps you and the author agree."),
        error_messages=required_error(_("Say what is wrong.")),
    )


class DisputeNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Your note"),
        max_length=limits.MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Only the parties, the mediator and, if it goes to a panel, the panel read it."
        ),
        error_messages=required_error(_("Write your note.")),
    )


class MediatorForm(forms.Form):
    """The members holding the mediator role; a party is listed as such, and the service
    refuses them with its own message on this field."""

    mediator = forms.TypedChoiceField(
        label=_("Mediator"),
        coerce=int,
        error_messages=required_error(_("Choose the mediator.")),
    )

    def __init__(self, *args, mediators=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["mediator"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", _("Choose a mediator")),
            *[
                (
                    m.person_id,
                    f"{m.person.display_name} ({_('a party: cannot mediate')})"
                    if is_party
                    else m.person.display_name,
                )
                for m, is_party in mediators
            ],
        ]


def outcome_choices(dispute) -> list[tuple[str, str]]:
    """What settling may do, for the dispute's subject and its exchange's state."""
    if dispute.exchange_id is None:
        return [(DisputeOutcome.NONE, DisputeOutcome.NONE.label)]
    if dispute.exchange.status == "disputed":
        wanted = [DisputeOutcome.CONFIRM, DisputeOutcome.CANCEL]
    else:
        wanted = [DisputeOutcome.NONE, DisputeOutcome.REVERSE]
    return [(o.value, o.label) for o in wanted]


class AgreementForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What happens to the hours"),
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose what happens to the hours.")),
    )
    text = forms.CharField(
        label=_("What was agreed"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=required_error(_("Write down what was agreed.")),
    )

    def __init__(self, *args, dispute, **kwargs):
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = outcome_choices(dispute)
        if dispute.exchange_id is None:
            outcome.initial = DisputeOutcome.NONE


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it goes to a panel"),
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_error(_("Say why it goes to a panel.")),
    )


class DecisionForm(AgreementForm):
    """The panel's decision; the recorder is always on the panel."""

    panel = forms.TypedMultipleChoiceField(
        label=_("Who else sat on the panel"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, dispute, panel=(), viewer=None, **kwargs):
        super().__init__(*args, dispute=dispute, **kwargs)
        self.fields["text"].label = _("The panel's decision")
        field = self.fields["panel"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [
            (m.person_id, m.person.display_name)
            for m in panel
            if viewer is None or m.person_id != viewer.pk
        ]
