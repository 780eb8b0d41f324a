"""Forms of sessions: a session, a recurring series, cancelling a session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.coproduction.services import sessions
from coproduce.core import limits

from .common import DateInput

REPEAT_CHOICES = [
    ("weekly", gettext_lazy("Every week on the same day")),
    ("fortnightly", gettext_lazy("Every other week on the same day")),
    ("monthly", gettext_lazy("Every month on the same date")),
    ("advanced", gettext_lazy("Something else: I will write the repeat rule")),
]


def _number_errors(*, required: Any, low: Any, high: Any, invalid: Any) -> dict[str, Any]:
    """One plain sentence for each way a number box can be wrong (Django's own say "Ensure this
    value is greater than or equal to 1.")."""
    return {"required": required, "min_value": low, "max_value": high, "invalid": invalid}


CAPACITY_ERRORS = _number_errors(
    required=gettext_lazy("Say how many members can take part."),
    low=gettext_lazy("A session has at least 1 place."),
    high=gettext_lazy("At most 500 places in a session."),
    invalid=gettext_lazy("Enter the places as a whole number, such as 6."),
)


class _Times(forms.Form):
    """Date and times as a person writes them, in the community's time zone."""

    day = forms.DateField(label=gettext_lazy("Date"), widget=DateInput)
    start = forms.TimeField(
        label=gettext_lazy("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community

    def start_at(self) -> dt.datetime:
        tz = communities_selectors.community_zone(self.community)
        return dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["start"], tzinfo=tz)


def _role_field(roles) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=roles, label=gettext_lazy("Role"), empty_label=None)


def _staff_field(staff) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=staff,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Staff who will be there"),
    )


class SessionForm(_Times):
    end = forms.TimeField(
        label=gettext_lazy("Ends at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    place = forms.CharField(label=gettext_lazy("Where"), max_length=limits.LINE)
    capacity = forms.IntegerField(
        label=gettext_lazy("Places"),
        min_value=1,
        max_value=sessions.MAX_CAPACITY,
        help_text=gettext_lazy("How many members can take part (1 to 500)."),
        error_messages=CAPACITY_ERRORS,
    )
    service_fields = {"starts_at": "start", "ends_at": "end", "staff_present": "staff"}

    def __init__(self, *args, roles=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields = {"role": _role_field(roles), **self.fields}
        self.fields["staff"] = _staff_field(staff)

    def values(self) -> dict:
        start = self.start_at()
        end = dt.datetime.combine(
            self.cleaned_data["day"], self.cleaned_data["end"], tzinfo=start.tzinfo
        )
        return {
            "place": self.cleaned_data["place"],
            "starts_at": start,
            "ends_at": end,
            "capacity": self.cleaned_data["capacity"],
            "staff_present": list(self.cleaned_data["staff"]),
        }


class SeriesForm(_Times):
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("How long, in minutes"),
        min_value=1,
        max_value=sessions.MAX_SESSION_MINUTES,
        error_messages=_number_errors(
            required=gettext_lazy("Say how long each session lasts, in minutes."),
            low=gettext_lazy("A session lasts at least a minute."),
            high=gettext_lazy("A session lasts at most 24 hours (1440 minutes)."),
            invalid=gettext_lazy("Enter the minutes as a whole number, such as 90."),
        ),
    )
    repeat = forms.ChoiceField(
        label=gettext_lazy("Repeats"),
        choices=REPEAT_CHOICES,
        widget=forms.RadioSelect,
        initial="weekly",
    )
    count = forms.IntegerField(
        label=gettext_lazy("How many sessions"),
        min_value=1,
        max_value=sessions.MAX_OCCURRENCES,
        required=False,
        help_text=gettext_lazy("At most 52, and all within a year."),
        error_messages=_number_errors(
            required=gettext_lazy("Say how many sessions there will be."),
            low=gettext_lazy("A series has at least one session."),
            high=gettext_lazy("At most 52 sessions in a series."),
            invalid=gettext_lazy("Enter how many sessions as a whole number, such as 12."),
        ),
    )
    rrule = forms.CharField(
        label=gettext_lazy("Repeat rule (advanced)"),
        max_length=limits.RRULE,
        required=False,
        help_text=gettext_lazy(
            "Only for “Something else”: an iCalendar RRULE such as FREQ=WEEKLY;BYDAY=TU,TH. "
            "It ends after “How many sessions”, unless the rule gives its own COUNT or UNTIL."
        ),
    )
    place = forms.CharField(label=gettext_lazy("Where"), max_length=limits.LINE)
    capacity = forms.IntegerField(
        label=gettext_lazy("Places in each session"),
        min_value=1,
        max_value=sessions.MAX_CAPACITY,
        error_messages=CAPACITY_ERRORS,
    )
    service_fields = {"first_start": "start", "staff_present": "staff"}

    def __init__(self, *args, roles, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"role": _role_field(roles), **self.fields}
        self.fields["staff"] = _staff_field(staff)

    def clean(self):
        data = super().clean() or {}
        if data.get("repeat") == "advanced":
            if not data.get("rrule"):
                self.add_error(
                    "rrule", _("Write the repeat rule, or choose one of the simple repeats.")
                )
        elif data.get("repeat") and not data.get("count") and "count" not in self.errors:
            self.add_error("count", _("Say how many sessions there will be."))
        return data

    def rule(self) -> str:
        """The RRULE to store. Raises ValidationFailed when a written rule's end disagrees with
        "How many sessions"."""
        data = self.cleaned_data
        if data["repeat"] == "advanced":
            return sessions.rrule_with_count(data["rrule"], data.get("count"))
        return sessions.rrule_build(
            repeat=data["repeat"], weekday=data["day"].weekday(), count=data["count"]
        )


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why (sent to everyone signed up)"),
        max_length=limits.SHORT_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
