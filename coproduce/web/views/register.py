"""A session's attendance register, made for a phone: one fieldset per person ("Came" / "Did
not come" and minutes), a walk-in by member number, staff who were there; "Save" keeps a draft,
"Confirm and credit hours" saves and shows a confirm step with what will be credited. And the
agency dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.coproduction.access import access_staff_work, agency_in
from coproduce.coproduction.selectors import agencies, sessions
from coproduce.coproduction.selectors import dashboard as coproduction_dashboard_selectors
from coproduce.coproduction.selectors import register as register_selectors
from coproduce.coproduction.services import register as register_services
from coproduce.core.errors import ApplicationError

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.register import ConfirmForm, PeriodForm, RegisterForm
from ..middleware import SignedInRequest


def _walk_in(community, form: RegisterForm):
    """The member named in the walk-in field, or None; a form error when there is no such member."""
    text = form.cleaned_data.get("walk_in", "").strip()
    if not text:
        return None
    number = member_refs_selectors.member_number_in(community, text)
    found = memberships_selectors.active_members_by_number(community, {number}) if number else {}
    if number is None or number not in found:
        form.add_error(
            "walk_in",
            _("There is no member %(code)s in %(name)s. Check the number on their card.")
            % {"code": text, "name": community.name},
        )
        return None
    return found[number].person


def _session(request, community, session_id: int):
    session = register_selectors.session_for_register(community, session_id)
    access_staff_work(request.user, session.agency)
    return session


def _not_started_page(request, community, session) -> HttpResponse:
    """The register of a session still to come: when it opens, and no form. A form sent anyway
    (an old tab, a guessed address) changes nothing and is answered 409, like other refusals
    because of where something stands."""
    return render(
        request,
        "web/register/not_started.html",
        {
            "community": community,
            "session": session,
            "starts": sessions.starts_text(session),
        },
        status=409 if request.method == "POST" else 200,
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def register_page(request: SignedInRequest, community, session_id: int) -> HttpResponse:
    session = _session(request, community, session_id)
    if not sessions.session_started(session):
        return _not_started_page(request, community, session)
    reg = register_selectors.register_of(session)
    staff = register_selectors.staff_choices(session)
    status = 200
    if reg.confirmed:
        form = None
    elif request.method == "POST":
        form = RegisterForm(request.POST, reg=reg, staff=staff)
        if form.is_valid():
            walk_in = _walk_in(community, form)
            if not form.errors:
                try:
                    register_services.register_save(
                        actor=request.user, session=session, lines=form.lines(walk_in)
                    )
                except ApplicationError as exc:
                    show_refusal(form, exc)
                else:
                    if request.POST.get("action") == "confirm":
                        return redirect("web:session_register_confirm", community.slug, session.pk)
                    messages.success(
                        request, _("Register saved. You can change it until you confirm it.")
                    )
                    return redirect("web:session_register", community.slug, session.pk)
        status = 400
    else:
        form = RegisterForm(reg=reg, staff=staff)
    return render(
        request,
        "web/register/register.html",
        {
            "community": community,
            "session": session,
            "reg": reg,
            "form": form,
        },
        status=status,
    )


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
                register_services.register_confirm(
                    actor=request.user,
                    session=session,
                    idempotency_key=f"web:{request.user.pk}:{form.cleaned_data['idempotency_key']}",
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Register confirmed. The hours have been credited."))
                return redirect("web:session_register", community.slug, session.pk)
        form.renew_key()
        status = 400
        session = register_selectors.session_for_register(community, session.pk)
    else:
        form = ConfirmForm()
    reg = register_selectors.register_of(session)
    if reg.confirmed and request.method == "GET":
        return redirect("web:session_register", community.slug, session.pk)
    return render(
        request,
        "web/register/confirm.html",
        {
            "community": community,
            "session": session,
            "reg": reg,
            "form": form,
            "each": _each(reg),
        },
        status=status,
    )


def _each(reg: register_selectors.Register) -> int | None:
    """What each person is credited, when everyone is credited the same."""
    amounts = {credited for _p, _m, credited in reg.plan.credits if credited}
    return amounts.pop() if len(amounts) == 1 else None


# The agency dashboard ---------------------------------------------------------------------------


def _chart(board: coproduction_dashboard_selectors.Dashboard) -> dict:
    """Bars for members' hours by month, in a 10-unit-wide slot each, scaled to the highest
    month."""
    top = board.chart_max
    bars = []
    for i, month in enumerate(board.months):
        height = round(96 * month.citizen_minutes / top)
        bars.append(
            {
                "x": i * 10 + 1,
                "y": 100 - height,
                "height": height,
                "label": month.label,
                "minutes": month.citizen_minutes,
            }
        )
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
    period = coproduction_dashboard_selectors.period_for(community, start=start, end=end)
    board = coproduction_dashboard_selectors.agency_dashboard(agency, period)
    return render(
        request,
        "web/agencies/dashboard.html",
        {
            "community": community,
            "agency": agency,
            "board": board,
            "form": form,
            "chart": _chart(board),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
