"""Forms of a session's attendance register (and its confirm step) and of the agency
dashboard's period."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce.coproduction.models import AttendanceRole
from coproduce.coproduction.selectors import register as register_selectors
from coproduce.coproduction.services import register as register_services
from coproduce.core import limits
from coproduce.ledger.selectors.amounts import hours

from .common import DateInput, KeyedForm

CAME = [("yes", gettext_lazy("Came")), ("no", gettext_lazy("Did not come"))]


class RegisterForm(forms.Form):
    """Built from the register: `came_<person>` and `minutes_<person>` for each member on it,
    `staff_<person>` and `staff_minutes_<person>` for each of the agency's staff, and a walk-in."""

    walk_in = forms.CharField(
        label=gettext_lazy("Add someone who walked in"),
        required=False,
        max_length=limits.MEMBER_REF,
        help_text=gettext_lazy(
            "Their member number, such as RIV-0042. They are added as came, for the whole session."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )

    def __init__(self, *args, reg: register_selectors.Register, staff: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.reg = reg
        self.people = []
        self.staff_people = []
        self.service_fields: dict[str, str] = {}
        minutes_help = _(
            "Leave as it is for the whole session (%(length)s). At most %(most)s minutes."
        ) % {"length": hours(reg.session_minutes), "most": reg.max_minutes}
        for row in reg.rows:
            if row.role != AttendanceRole.CITIZEN:
                continue
            pk = row.person.pk
            attendance = row.attendance
            self.fields[f"came_{pk}"] = forms.ChoiceField(
                label=_("Did %(name)s come?") % {"name": row.person.display_name},
                choices=CAME,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Say whether %(name)s came.") % {"name": row.person.display_name}
                },
                initial=None if attendance is None else ("yes" if attendance.attended else "no"),
            )
            self.fields[f"minutes_{pk}"] = forms.IntegerField(
                label=_("Minutes"),
                required=False,
                help_text=minutes_help,
                initial=attendance.minutes
                if attendance is not None and attendance.attended
                else reg.session_minutes,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"invalid": _("Enter the minutes as a whole number, such as 90.")},
            )
            self.people.append(row)
        recorded = {
            row.person.pk: row.attendance for row in reg.rows if row.role == AttendanceRole.STAFF
        }
        for person in staff:
            attendance = recorded.get(person.pk)
            self.fields[f"staff_{person.pk}"] = forms.BooleanField(
                label=_("%(name)s was there") % {"name": person.display_name},
                required=False,
                initial=attendance is not None and attendance.attended,
            )
            self.fields[f"staff_minutes_{person.pk}"] = forms.IntegerField(
                label=_("Minutes"),
                required=False,
                initial=attendance.minutes
                if attendance is not None and attendance.attended
                else reg.session_minutes,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"invalid": _("Enter the minutes as a whole number, such as 90.")},
            )
            self.staff_people.append(person)

    def rows(self):
        """(row, came field, minutes field) for the template."""
        return [
            (row, self[f"came_{row.person.pk}"], self[f"minutes_{row.person.pk}"])
            for row in self.people
        ]

    def staff_rows(self):
        return [
            (person, self[f"staff_{person.pk}"], self[f"staff_minutes_{person.pk}"])
            for person in self.staff_people
        ]

    def lines(self, walk_in) -> list[register_services.RegisterLine]:
        """The register as the service takes it; remembers which field stands for which line."""
        data = self.cleaned_data
        lines: list[register_services.RegisterLine] = []

        def add(
            line: register_services.RegisterLine, minutes_field: str, person_field: str
        ) -> None:
            self.service_fields[f"lines.{len(lines)}.minutes"] = minutes_field
            self.service_fields[f"lines.{len(lines)}.person"] = person_field
            lines.append(line)

        for row in self.people:
            pk = row.person.pk
            add(
                register_services.RegisterLine(
                    row.person, data[f"came_{pk}"] == "yes", data[f"minutes_{pk}"]
                ),
                f"minutes_{pk}",
                f"came_{pk}",
            )
        if walk_in is not None and walk_in.pk not in {row.person.pk for row in self.people}:
            add(register_services.RegisterLine(walk_in, True, None), "walk_in", "walk_in")
        for person in self.staff_people:
            if data[f"staff_{person.pk}"]:
                add(
                    register_services.RegisterLine(
                        person, True, data[f"staff_minutes_{person.pk}"], AttendanceRole.STAFF
                    ),
                    f"staff_minutes_{person.pk}",
                    f"staff_{person.pk}",
                )
        return lines


class ConfirmForm(KeyedForm):
    pass


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput)
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput)

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end must be on or after the start."))
        if start and end and (end - start) > dt.timedelta(days=366 * 5):
            self.add_error("start", _("Choose at most five years."))
        return data
