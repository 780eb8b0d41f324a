"""Sessions of co-production roles: an agency's and a role's upcoming sessions, a session's page
with "Sign up" / "Join the waiting list" / "Cancel my place", "My sessions", staff forms for a
session or a recurring series, and the iCalendar feeds.

A coordinator acting for a member signs that member up (the services get the coordinator as
`actor` and the member as `person`). The feeds are plain URLs because calendar apps cannot sign
in: an agency's and a role's are public (no names of people in them), a member's own is a
secret URL (see coproduce.coproduction.selectors.calendars)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.coproduction.access import (
    access_agency,
    access_staff_work,
    can_do_staff_work,
    is_staff_of,
)
from coproduce.coproduction.models import SessionStatus, SignUpStatus
from coproduce.coproduction.selectors import agencies, calendars
from coproduce.coproduction.selectors import sessions as sessions_selectors
from coproduce.coproduction.services import sessions as sessions_services
from coproduce.core.errors import ApplicationError

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.sessions import CancelSessionForm, SeriesForm, SessionForm
from ..middleware import SignedInRequest, acting_member

# Lists ---------------------------------------------------------------------------------------


def _rows(request, community, found, roles, *, runs: bool = False) -> tuple[list, list]:
    """Each session with the viewer's (or the acted-for member's) sign-up and why they may not
    sign up for it (worked out once per role, not per session); and each of `roles` they may not
    take on yet, with the reasons. Staff of the agency (`runs`) sign up for nothing there, so
    nothing is worked out for them."""
    person = acting_member(request, community)
    mine = sessions_selectors.signups_of_person(found, person)
    roles = {role.pk: role for role in roles}
    reasons = (
        {pk: [] for pk in roles}
        if runs
        else sessions_selectors.eligibility_by_role(person, roles.values())
    )
    rows = [(session, mine.get(session.pk), reasons[session.role_id]) for session in found]
    blocked = [(roles[pk], why) for pk, why in reasons.items() if why]
    return rows, blocked


def _ask_url(community, needed) -> str:
    """Where a member who may not sign up yet goes to ask a coordinator: a message to the
    longest-serving coordinator (the community's page when it has none). Looked up only when the
    page shows the link (`needed`)."""
    if not needed:
        return ""
    coordinator = memberships_selectors.coordinator_to_ask(community)
    if coordinator is None:
        return reverse("web:community", args=[community.slug])
    return reverse("web:conversation_new", args=[community.slug, coordinator.number])


@login_required
@community_view
@require_GET
def agency_sessions(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = agencies.agency_by_slug(community, agency_slug)
    access_agency(request.user, agency)
    found = sessions_selectors.sessions_upcoming(community, agency=agency)
    may_run = can_do_staff_work(request.user, agency)
    runs = is_staff_of(acting_member(request, community), agency)
    rows, blocked = _rows(request, community, found, [session.role for session in found], runs=runs)
    return render(
        request,
        "web/sessions/list.html",
        {
            "community": community,
            "agency": agency,
            "role": None,
            "rows": rows,
            "blocked": blocked,
            "ask_url": _ask_url(community, blocked),
            "may_run": may_run,
            "runs": runs,
            "calendar_url": calendars.agency_calendar_url(agency),
            "to_register": sessions_selectors.sessions_to_register(agency) if may_run else None,
            "registered": sessions_selectors.sessions_registered(agency) if may_run else None,
        },
    )


@login_required
@community_view
@require_GET
def role_sessions(request: SignedInRequest, community, role_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    role = agencies.role_get(community, request.user, role_id)
    found = sessions_selectors.sessions_upcoming(community, role=role)
    runs = is_staff_of(acting_member(request, community), role.agency)
    # The role's reasons show even when no session is coming up.
    rows, blocked = _rows(request, community, found, [role], runs=runs)
    return render(
        request,
        "web/sessions/list.html",
        {
            "community": community,
            "agency": role.agency,
            "role": role,
            "rows": rows,
            "blocked": blocked,
            "ask_url": _ask_url(community, blocked),
            "runs": runs,
            "may_run": can_do_staff_work(request.user, role.agency),
            "calendar_url": calendars.role_calendar_url(role),
        },
    )


@login_required
@community_view
@require_GET
def my_sessions(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    return render(
        request,
        "web/sessions/mine.html",
        {
            "community": community,
            "person": person,
            "upcoming": sessions_selectors.my_signups(community, person),
            "past": sessions_selectors.my_signups(community, person, past=True),
            "calendar_url": calendars.member_calendar_url(person, community)
            if person.pk == request.user.pk
            else None,
        },
    )


# A session -----------------------------------------------------------------------------------


def _detail_page(request, community, session, *, cancel_form=None, status=200) -> HttpResponse:
    person = acting_member(request, community)
    signup = sessions_selectors.signup_of(session, person)
    may_run = sessions_selectors.may_run(request.user, session)
    started = sessions_selectors.session_started(session)
    is_open = session.status == SessionStatus.SCHEDULED and not started
    outcome = (
        sessions_selectors.session_outcome(session)
        if session.status == SessionStatus.REGISTERED
        else None
    )
    # The agency's own staff run its sessions: they are offered no sign-up and told of no checks.
    runs = is_staff_of(person, session.agency)
    eligibility = (
        sessions_selectors.eligibility_reasons(person, session.role)
        if is_open and not signup and not runs
        else []
    )
    mine = None
    if outcome is not None:
        mine = next((row for row in outcome.came if row.person_id == person.pk), None)
    return render(
        request,
        "web/sessions/detail.html",
        {
            "community": community,
            "session": session,
            "signup": signup,
            "may_run": may_run,
            "is_open": is_open,
            "runs": runs,
            "started": started,
            "outcome": outcome,
            "my_attendance": mine,
            "when": sessions_selectors.when_text(session),
            "starts": sessions_selectors.starts_text(session),
            "position": sessions_selectors.waiting_position(signup) if signup else None,
            "eligibility": eligibility,
            "ask_url": _ask_url(community, eligibility),
            "signups": sessions_selectors.signups_for(request.user, session)
            if may_run and outcome is None
            else [],
            "staff_present": list(session.staff_present.all()),
            "cancel_form": cancel_form or CancelSessionForm(),
            "repeat": sessions_selectors.rrule_describe(session.series.rrule)
            if session.series
            else "",
            "calendar_url": calendars.role_calendar_url(session.role),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def session_detail(request: SignedInRequest, community, session_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    return _detail_page(request, community, sessions_selectors.session_get(community, session_id))


@login_required
@community_view
@require_POST
def session_signup(request: SignedInRequest, community, session_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    session = sessions_selectors.session_get(community, session_id)
    person = acting_member(request, community)
    try:
        signup = sessions_services.signup_create(actor=request.user, session=session, person=person)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if signup.status == SignUpStatus.BOOKED:
            messages.success(request, _("You have a place. We will remind you the day before."))
        else:
            messages.success(
                request,
                _(
                    "The session is full, so you are on the waiting list. If a place comes "
                    "free it is yours, and we will tell you."
                ),
            )
    return redirect("web:session_detail", community.slug, session.pk)


@login_required
@community_view
@require_POST
def signup_cancel(
    request: SignedInRequest, community, session_id: int, signup_id: int
) -> HttpResponse:
    access.access_community(request.user, community)
    session = sessions_selectors.session_get(community, session_id)
    signup = sessions_selectors.signup_get(session, signup_id)
    try:
        sessions_services.signup_cancel(actor=request.user, signup=signup)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The place has been cancelled."))
    return redirect("web:session_detail", community.slug, session.pk)


@login_required
@community_view
@require_POST
def session_cancel(request: SignedInRequest, community, session_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    session = sessions_selectors.session_get(community, session_id)
    access_staff_work(request.user, session.agency)
    form = CancelSessionForm(request.POST)
    if form.is_valid():
        try:
            sessions_services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("The session is cancelled and everyone signed up has been told.")
            )
        return redirect("web:session_detail", community.slug, session.pk)
    return _detail_page(request, community, session, cancel_form=form, status=400)


# Staff forms ---------------------------------------------------------------------------------


def _staff_agency(request, community, agency_slug: str):
    agency = agencies.agency_by_slug(community, agency_slug)
    access_staff_work(request.user, agency)
    return agency


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def session_create(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = _staff_agency(request, community, agency_slug)
    roles, staff = (
        sessions_selectors.published_roles_of(agency),
        sessions_selectors.staff_people_of(agency),
    )
    status = 200
    if request.method == "POST":
        form = SessionForm(request.POST, community=community, roles=roles, staff=staff)
        if form.is_valid():
            try:
                session = sessions_services.session_create(
                    actor=request.user, role=form.cleaned_data["role"], **form.values()
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The session is published; members can sign up now."))
                return redirect("web:session_detail", community.slug, session.pk)
        status = 400
    else:
        form = SessionForm(
            community=community,
            roles=roles,
            staff=staff,
            initial={
                "role": request.GET.get("role"),
                "day": communities_selectors.local_today(community) + dt.timedelta(days=7),
                "start": dt.time(10),
                "end": dt.time(12),
                "place": agency.place,
                "capacity": 6,
            },
        )
    return render(
        request,
        "web/sessions/form.html",
        {
            "community": community,
            "agency": agency,
            "form": form,
            "session": None,
            "has_roles": sessions_selectors.has_published_roles(agency),
        },
        status=status,
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def series_create(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = _staff_agency(request, community, agency_slug)
    roles, staff = (
        sessions_selectors.published_roles_of(agency),
        sessions_selectors.staff_people_of(agency),
    )
    status = 200
    if request.method == "POST":
        form = SeriesForm(request.POST, community=community, roles=roles, staff=staff)
        if form.is_valid():
            try:
                series = sessions_services.series_create(
                    actor=request.user,
                    role=form.cleaned_data["role"],
                    rrule=form.rule(),
                    first_start=form.start_at(),
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    place=form.cleaned_data["place"],
                    capacity=form.cleaned_data["capacity"],
                    staff_present=list(form.cleaned_data["staff"]),
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("%(count)s sessions published: %(repeat)s.")
                    % {
                        "count": sessions_selectors.series_sessions_count(series),
                        "repeat": sessions_selectors.rrule_describe(series.rrule),
                    },
                )
                return redirect("web:agency_sessions", community.slug, agency.slug)
        status = 400
    else:
        form = SeriesForm(
            community=community,
            roles=roles,
            staff=staff,
            initial={
                "role": request.GET.get("role"),
                "day": communities_selectors.local_today(community) + dt.timedelta(days=7),
                "start": dt.time(10),
                "duration_minutes": 120,
                "count": 12,
                "place": agency.place,
                "capacity": 6,
            },
        )
    return render(
        request,
        "web/sessions/series_form.html",
        {
            "community": community,
            "agency": agency,
            "form": form,
            "has_roles": sessions_selectors.has_published_roles(agency),
        },
        status=status,
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def session_edit(request: SignedInRequest, community, session_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    session = sessions_selectors.session_get(community, session_id)
    agency = session.agency
    access_staff_work(request.user, agency)
    staff = sessions_selectors.staff_people_of(agency)
    status = 200
    if request.method == "POST":
        form = SessionForm(request.POST, community=community, staff=staff)
        if form.is_valid():
            try:
                sessions_services.session_update(
                    actor=request.user, session=session, **form.values()
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The session has been saved."))
                return redirect("web:session_detail", community.slug, session.pk)
        status = 400
    else:
        tz = communities_selectors.community_zone(community)
        start, end = (
            timezone.localtime(session.starts_at, tz),
            timezone.localtime(session.ends_at, tz),
        )
        form = SessionForm(
            community=community,
            staff=staff,
            initial={
                "day": start.date(),
                "start": start.time(),
                "end": end.time(),
                "place": session.place,
                "capacity": session.capacity,
                "staff": list(session.staff_present.all()),
            },
        )
    return render(
        request,
        "web/sessions/form.html",
        {
            "community": community,
            "agency": agency,
            "form": form,
            "session": session,
            "has_roles": True,
        },
        status=status,
    )


# Feeds ---------------------------------------------------------------------------------------


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "max-age=900"
    return response


@community_view
@require_GET
def agency_calendar(request, community, agency_slug: str) -> HttpResponse:
    agency = calendars.agency_for_feed(community, agency_slug)
    return _ics(calendars.agency_calendar(agency), agency.slug)


@community_view
@require_GET
def role_calendar(request, community, role_id: int) -> HttpResponse:
    role = calendars.role_for_feed(community, role_id)
    return _ics(calendars.role_calendar(role), f"role-{role.pk}")


@community_view
@require_GET
def member_calendar(request, community, token: str) -> HttpResponse:
    person = calendars.person_for_feed(community, token)
    response = _ics(calendars.member_calendar(community, person), "my-sessions")
    response["Cache-Control"] = "private, max-age=900"
    return response
