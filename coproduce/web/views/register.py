"""A session's attendance register, made for a phone: one fieldset per person ("Came" / "Did
not come" and minutes), a walk-in by member number, staff who were there; "Save" keeps a draft,
"Confirm and credit hours" saves and shows a confirm step with what will be credited. And the
agency dashboard."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from coproduce.communities import selectors as community_selectors
from coproduce.coproduction import agencies, register, sessions
from coproduce.coproduction import dashboard as dashboard_selectors
from coproduce.coproduction.access import access_staff_work, agency_in
from coproduce.coproduction.models import AttendanceRole
from coproduce.core import limits
from coproduce.core.errors import ApplicationError
from coproduce.ledger.selectors import hours

from ..decorators import community_view
from ..forms import DateInput, KeyedForm, show_refusal
from ..middleware import SignedInRequest

CAME = [("yes", gettext_lazy("Came")), ("no", gettext_lazy("Did not come"))]


class RegisterForm(forms.Form):
    """Built from the register: `came_<person>` and `minutes_<person>` for each member on it,
    `staff_<person>` and `staff_minutes_<person>` for each of the agency's staff, and a walk-in."""

    walk_in = forms.CharField(
        label=gettext_lazy("Add someone who walked in"), required=False, max_length=limits.MEMBER_REF,
        help_text=gettext_lazy("Their member number, such as RIV-0042. They are added as came, for the whole session."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )

    def __init__(self, *args, reg: register.Register, staff: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.reg = reg
        self.people = []
        self.staff_people = []
        self.service_fields: dict[str, str] = {}
        minutes_help = _("Leave as it is for the whole session (%(length)s). At most %(most)s minutes.") % {
            "length": hours(reg.session_minutes), "most": reg.max_minutes}
        for row in reg.rows:
            if row.role != AttendanceRole.CITIZEN:
                continue
            pk = row.person.pk
            attendance = row.attendance
            self.fields[f"came_{pk}"] = forms.ChoiceField(
                label=_("Did %(name)s come?") % {"name": row.person.display_name}, choices=CAME,
                widget=forms.RadioSelect,
                error_messages={"required": _("Say whether %(name)s came.") % {"name": row.person.display_name}},
                initial=None if attendance is None else ("yes" if attendance.attended else "no"),
            )
            self.fields[f"minutes_{pk}"] = forms.IntegerField(
                label=_("Minutes"), required=False, help_text=minutes_help,
                initial=attendance.minutes if attendance is not None and attendance.attended else reg.session_minutes,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"invalid": _("Enter the minutes as a whole number, such as 90.")},
            )
            self.people.append(row)
        recorded = {row.person.pk: row.attendance for row in reg.rows if row.role == AttendanceRole.STAFF}
        for person in staff:
            attendance = recorded.get(person.pk)
            self.fields[f"staff_{person.pk}"] = forms.BooleanField(
                label=_("%(name)s was there") % {"name": person.display_name}, required=False,
                initial=attendance is not None and attendance.attended,
            )
            self.fields[f"staff_minutes_{person.pk}"] = forms.IntegerField(
                label=_("Minutes"), required=False,
                initial=attendance.minutes if attendance is not None and attendance.attended else reg.session_minutes,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"invalid": _("Enter the minutes as a whole number, such as 90.")},
            )
            self.staff_people.append(person)

    def rows(self):
        """(row, came field, minutes field) for the template."""
        return [(row, self[f"came_{row.person.pk}"], self[f"minutes_{row.person.pk}"]) for row in self.people]

    def staff_rows(self):
        return [(person, self[f"staff_{person.pk}"], self[f"staff_minutes_{person.pk}"]) for person in self.staff_people]

    def lines(self, walk_in) -> list[register.RegisterLine]:
        """The register as the service takes it; remembers which field stands for which line."""
        data = self.cleaned_data
        lines: list[register.RegisterLine] = []

        def add(line: register.RegisterLine, minutes_field: str, person_field: str) -> None:
            self.service_fields[f"lines.{len(lines)}.minutes"] = minutes_field
            self.service_fields[f"lines.{len(lines)}.person"] = person_field
            lines.append(line)

        for row in self.people:
            pk = row.person.pk
            add(register.RegisterLine(row.person, data[f"came_{pk}"] == "yes", data[f"minutes_{pk}"]),
                f"minutes_{pk}", f"came_{pk}")
        if walk_in is not None and walk_in.pk not in {row.person.pk for row in self.people}:
            add(register.RegisterLine(walk_in, True, None), "walk_in", "walk_in")
        for person in self.staff_people:
            if data[f"staff_{person.pk}"]:
                add(register.RegisterLine(person, True, data[f"staff_minutes_{person.pk}"], AttendanceRole.STAFF),
                    f"staff_minutes_{person.pk}", f"staff_{person.pk}")
        return lines


def _walk_in(community, form: RegisterForm):
    """The member named in the walk-in field, or None; a form error when there is no such member."""
    text = form.cleaned_data.get("walk_in", "").strip()
    if not text:
        return None
    number = community_selectors.member_number_in(community, text)
    found = community_selectors.active_members_by_number(community, {number}) if number else {}
    if number is None or number not in found:
        form.add_error("walk_in", _("There is no member %(code)s in %(name)s. Check the number on their card.")
                       % {"code": text, "name": community.name})
        return None
    return found[number].person


def _session(request, community, session_id: int):
    session = register.session_for_register(community, session_id)
    access_staff_work(request.user, session.agency)
    return session


def _not_started_page(request, community, session) -> HttpResponse:
    """The register of a session still to come: when it opens, and no form. A form sent anyway
    (an old tab, a guessed address) changes nothing and is answered 409, like other refusals
    because of where something stands."""
    return render(request, "web/register/not_started.html", {
        "community": community, "session": session, "starts": sessions.starts_text(session),
    }, status=409 if request.method == "POST" else 200)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def register_page(request: SignedInRequest, community, session_id: int) -> HttpResponse:
    session = _session(request, community, session_id)
    if not sessions.session_started(session):
        return _not_started_page(request, community, session)
    reg = register.register_of(session)
    staff = register.staff_choices(session)
    status = 200
    if reg.confirmed:
        form = None
    elif request.method == "POST":
        form = RegisterForm(request.POST, reg=reg, staff=staff)
        if form.is_valid():
            walk_in = _walk_in(community, form)
            if not form.errors:
                try:
                    register.register_save(actor=request.user, session=session, lines=form.lines(walk_in))
                except ApplicationError as exc:
                    show_refusal(form, exc)
                else:
                    if request.POST.get("action") == "confirm":
                        return redirect("web:session_register_confirm", community.slug, session.pk)
                    messages.success(request, _("Register saved. You can change it until you confirm it."))
                    return redirect("web:session_register", community.slug, session.pk)
        status = 400
    else:
        form = RegisterForm(reg=reg, staff=staff)
    return render(request, "web/register/register.html", {
        "community": community, "session": session, "reg": reg, "form": form,
    }, status=status)


class ConfirmForm(KeyedForm):
    pass


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def register_confirm_page(request: SignedInRequest, community, session_id: int) -> HttpResponse:
    session = _session(request, community, session_id)
    if not sessions.session_started(session):
        return _not_started_page(request, community, session)
    status = 200
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        if form.is_valid():
            try:
                register.register_confirm(actor=request.user, session=session,
                                          idempotency_key=f"web:{request.user.pk}:{form.cleaned_data['idempotency_key']}")
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Register confirmed. The hours have been credited."))
                return redirect("web:session_register", community.slug, session.pk)
        form.renew_key()
        status = 400
        session = register.session_for_register(community, session.pk)
    else:
        form = ConfirmForm()
    reg = register.register_of(session)
    if reg.confirmed and request.method == "GET":
        return redirect("web:session_register", community.slug, session.pk)
    return render(request, "web/register/confirm.html", {
        "community": community, "session": session, "reg": reg, "form": form,
        "each": _each(reg),
    }, status=status)


def _each(reg: register.Register) -> int | None:
    """What each person is credited, when everyone is credited the same."""
    amounts = {credited for _p, _m, credited in reg.plan.credits if credited}
    return amounts.pop() if len(amounts) == 1 else None


# The agency dashboard ---------------------------------------------------------------------------


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=DateInput)
    end = forms.DateField(label=gettext_lazy("To"), required=False,
                          widget=DateInput)

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end must be on or after the start."))
        if start and end and (end - start) > dt.timedelta(days=366 * 5):
            self.add_error("start", _("Choose at most five years."))
        return data


def _chart(board: dashboard_selectors.Dashboard) -> dict:
    """Bars for members' hours by month, in a 10-unit-wide slot each, scaled to the highest month."""
    top = board.chart_max
    bars = []
    for i, month in enumerate(board.months):
        height = round(96 * month.citizen_minutes / top)
        bars.append({"x": i * 10 + 1, "y": 100 - height, "height": height, "label": month.label,
                     "minutes": month.citizen_minutes})
    return {"width": max(10, 10 * len(board.months)), "bars": bars}


@login_required
@community_view
@require_GET
def agency_dashboard(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = agencies.agency_by_slug(community, agency_slug)
    agency_in(community, agency)
    access_staff_work(request.user, agency)
    form = PeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    period = dashboard_selectors.period_for(community, start=start, end=end)
    board = dashboard_selectors.agency_dashboard(agency, period)
    return render(request, "web/agencies/dashboard.html", {
        "community": community, "agency": agency, "board": board, "form": form, "chart": _chart(board),
    }, status=400 if form.is_bound and form.errors else 200)
