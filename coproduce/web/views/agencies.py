"""Agencies and the co-production roles they offer: the list of a community's agencies, an
agency's page (its roles and, for those who manage it, its staff), the roles members can take on
alongside staff, and training records. Coordinators add agencies; agency admins and coordinators
change an agency, its staff and its roles (the services check who may)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors.rules import VETTING_LEVELS
from coproduce.coproduction import access as coproduction_access
from coproduce.coproduction.access import access_agency, access_manage_agency, can_do_staff_work
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.coproduction.selectors import sessions
from coproduce.coproduction.services import agencies as agencies_services
from coproduce.core.errors import ApplicationError, ValidationFailed
from coproduce.ledger.selectors.amounts import hours

from ..decorators import community_view
from ..forms.agencies import (
    AgencyForm,
    AgencyFundForm,
    CoproductionRoleForm,
    RoleSearchForm,
    StaffForm,
    TrainingForm,
)
from ..forms.common import show_refusal
from ..middleware import SignedInRequest


def _member(community, number: int):
    found = memberships_selectors.active_members_by_number(community, {number})
    if number not in found:
        raise ValidationFailed(
            _("No active member has this number."),
            fields={
                "person": [
                    _("No active member of %(name)s has the number %(number)s.")
                    % {"name": community.name, "number": number}
                ]
            },
        )
    return found[number].person


def _sessions_url(community, agency) -> str:
    return reverse("web:agency_sessions", args=[community.slug, agency.slug])


# Agencies ------------------------------------------------------------------------------------


@login_required
@community_view
@require_GET
def agency_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    return render(
        request,
        "web/agencies/list.html",
        {
            "community": community,
            "agencies": agencies_selectors.agencies_of(community),
            "is_coordinator": access.is_coordinator(request.user, community),
            "mine": agencies_selectors.agencies_of_person(request.user, community),
        },
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def agency_create(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    status = 200
    form = AgencyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                agency = agencies_services.agency_create(
                    actor=request.user, community=community, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Agency added. Now add its staff: at least one admin."))
                return redirect("web:agency_detail", community.slug, agency.slug)
        status = 400
    return render(
        request,
        "web/agencies/form.html",
        {"community": community, "form": form, "agency": None},
        status=status,
    )


def _staff_rows(community, agency) -> list[tuple]:
    """Each current staff member with their member number (for the remove buttons)."""
    staff = list(agencies_selectors.staff_of(agency))
    numbers = memberships_selectors.member_numbers(community, {s.person_id for s in staff})
    return [(s, numbers.get(s.person_id)) for s in staff]


def _agency_page(
    request, community, agency, *, staff_form=None, fund_form=None, status=200
) -> HttpResponse:
    access_agency(request.user, agency)
    manages = coproduction_access.can_manage(request.user, agency)
    if agency.is_archived and not manages:
        raise Http404("No such agency.")
    coordinates = access.is_coordinator(request.user, community)
    # Its staff and the coordinators see the hours account; coordinators fund it.
    account = (
        agencies_selectors.agency_account(agency, coordinates=coordinates)
        if can_do_staff_work(request.user, agency)
        else None
    )
    return render(
        request,
        "web/agencies/detail.html",
        {
            "account": account,
            "fund_form": (fund_form or AgencyFundForm())
            if coordinates and not agency.is_archived
            else None,
            "community": community,
            "agency": agency,
            "manages": manages,
            "roles": agencies_selectors.roles_of_agency(agency, request.user),
            "staff": _staff_rows(community, agency) if manages else None,
            "staff_form": staff_form or StaffForm(),
            "is_coordinator": access.is_coordinator(request.user, community),
            "sessions_url": _sessions_url(community, agency),
            "registers_waiting": (
                sessions.registers_waiting(agency)
                if can_do_staff_work(request.user, agency)
                else None
            ),
            "credits": agencies_selectors.credits_per_hour_text(community),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def agency_detail(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = agencies_selectors.agency_by_slug(community, agency_slug)
    return _agency_page(request, community, agency)


@login_required
@community_view
@require_POST
def agency_fund(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    """A coordinator funds the agency's hours account from the community fund or from issuance."""
    agency = agencies_selectors.agency_by_slug(community, agency_slug)
    access.access_coordinate(request.user, community)
    form = AgencyFundForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            agencies_services.agency_fund(
                actor=request.user,
                agency=agency,
                minutes=data["minutes"],
                source=data["source"],
                note=data["note"],
                idempotency_key=data["idempotency_key"],
            )
        except ApplicationError as exc:  # a refusal (or its replay) is about what was typed
            if exc.status in (403, 404):
                raise
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("%(hours)s moved from %(source)s to %(name)s's account.")
                % {
                    "hours": hours(data["minutes"]),
                    "name": agency.name,
                    "source": _("the community fund")
                    if data["source"] == "fund"
                    else _("new credits issued"),
                },
            )
            return redirect(
                reverse("web:agency_detail", args=[community.slug, agency.slug]) + "#account"
            )
    form.renew_key()
    return _agency_page(request, community, agency, fund_form=form, status=400)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def agency_edit(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = agencies_selectors.agency_by_slug(community, agency_slug)
    access_manage_agency(request.user, agency)
    status = 200
    if request.method == "POST":
        form = AgencyForm(request.POST)
        if form.is_valid():
            try:
                agencies_services.agency_update(
                    actor=request.user, agency=agency, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("web:agency_detail", community.slug, agency.slug)
        status = 400
    else:
        form = AgencyForm(initial={f: getattr(agency, f) for f in agencies_services.AGENCY_FIELDS})
    return render(
        request,
        "web/agencies/form.html",
        {
            "community": community,
            "form": form,
            "agency": agency,
            "is_coordinator": access.is_coordinator(request.user, community),
        },
        status=status,
    )


@login_required
@community_view
@require_POST
def agency_archive(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = agencies_selectors.agency_by_slug(community, agency_slug)
    try:
        agencies_services.agency_archive(actor=request.user, agency=agency)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The agency is archived; its roles are no longer shown to members.")
        )
    return redirect("web:agency_list", community.slug)


@login_required
@community_view
@require_POST
def agency_staff_add(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = agencies_selectors.agency_by_slug(community, agency_slug)
    access_manage_agency(request.user, agency)
    form = StaffForm(request.POST)
    if form.is_valid():
        try:
            person = _member(community, form.cleaned_data["number"])
            agencies_services.staff_add(
                actor=request.user,
                agency=agency,
                person=person,
                role=form.cleaned_data["role"],
                job_title=form.cleaned_data["job_title"],
            )
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            show_refusal(form, exc)
        else:
            messages.success(
                request, _("%(name)s is now on the staff.") % {"name": person.display_name}
            )
            return redirect("web:agency_detail", community.slug, agency.slug)
    return _agency_page(request, community, agency, staff_form=form, status=400)


@login_required
@community_view
@require_POST
def agency_staff_remove(
    request: SignedInRequest, community, agency_slug: str, number: int
) -> HttpResponse:
    agency = agencies_selectors.agency_by_slug(community, agency_slug)
    access_manage_agency(request.user, agency)
    membership = memberships_selectors.membership_by_number(community, number)
    try:
        agencies_services.staff_remove(actor=request.user, agency=agency, person=membership.person)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is no longer on the staff.") % {"name": membership.person.display_name},
        )
    return redirect("web:agency_detail", community.slug, agency.slug)


# Roles ---------------------------------------------------------------------------------------


@login_required
@community_view
@require_GET
def role_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    active = list(agencies_selectors.agencies_of(community))
    form = RoleSearchForm(request.GET or None, agency_choices=[(a.slug, a.name) for a in active])
    page, status, more = None, 200, None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        remote = {"yes": True, "no": False}.get(data.get("remote") or "")
        try:
            page = agencies_selectors.roles_search(
                community,
                request.user,
                q=data.get("q") or None,
                agency=data.get("agency") or None,
                remote=remote,
                cursor=data.get("after") or None,
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
            status = 400
    else:
        status = 400
    if page and page.next_cursor:
        query = request.GET.copy()
        query["after"] = page.next_cursor
        more = query.urlencode()
    return render(
        request,
        "web/agencies/roles.html",
        {
            "community": community,
            "form": form,
            "page": page,
            "more": more,
            "credits": agencies_selectors.credits_per_hour_text(community),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def role_detail(request: SignedInRequest, community, role_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    role = agencies_selectors.role_get(community, request.user, role_id)
    return render(
        request,
        "web/agencies/role.html",
        {
            "community": community,
            "role": role,
            "agency": role.agency,
            "manages": coproduction_access.can_manage(request.user, role.agency),
            "vetting_label": VETTING_LEVELS.get(role.vetting_level, ""),
            "reasons": agencies_selectors.eligibility(request.user, role),
            "credits": agencies_selectors.credits_per_hour_text(community),
            "sessions_url": reverse("web:role_sessions", args=[community.slug, role.pk]),
        },
    )


def _role_form_page(request, community, agency, form, role, status) -> HttpResponse:
    return render(
        request,
        "web/agencies/role_form.html",
        {
            "community": community,
            "agency": agency,
            "form": form,
            "role": role,
        },
        status=status,
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def role_create(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = agencies_selectors.agency_by_slug(community, agency_slug)
    access_manage_agency(request.user, agency)
    staff = list(agencies_selectors.staff_of(agency))
    status = 200
    if request.method == "POST":
        form = CoproductionRoleForm(request.POST, staff=staff)
        if form.is_valid():
            try:
                role = agencies_services.role_create(
                    actor=request.user, agency=agency, **form.values()
                )
            except ApplicationError as exc:
                if exc.status == 403:
                    raise
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("Role saved as a draft. Publish it when it is ready for members.")
                )
                return redirect("web:role_detail", community.slug, role.pk)
        status = 400
    else:
        form = CoproductionRoleForm(staff=staff)
    return _role_form_page(request, community, agency, form, None, status)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def role_edit(request: SignedInRequest, community, role_id: int) -> HttpResponse:
    role = agencies_selectors.role_get(community, request.user, role_id)
    access_manage_agency(request.user, role.agency)
    staff = list(agencies_selectors.staff_of(role.agency))
    status = 200
    if request.method == "POST":
        form = CoproductionRoleForm(request.POST, staff=staff)
        if form.is_valid():
            try:
                agencies_services.role_update(actor=request.user, role=role, **form.values())
            except ApplicationError as exc:
                if exc.status == 403:
                    raise
                show_refusal(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("web:role_detail", community.slug, role.pk)
        status = 400
    else:
        initial = {
            f: getattr(role, f)
            for f in agencies_services.ROLE_FIELDS
            if f not in ("training", "staff_lead")
        }
        initial["training"] = "\n".join(role.training)
        initial["staff_lead"] = role.staff_lead_id
        form = CoproductionRoleForm(staff=staff, initial=initial)
    return _role_form_page(request, community, role.agency, form, role, status)


def _role_status(request, community, role_id: int, change, done: str) -> HttpResponse:
    role = agencies_selectors.role_get(community, request.user, role_id)
    try:
        change(actor=request.user, role=role)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("web:role_detail", community.slug, role.pk)


@login_required
@community_view
@require_POST
def role_publish(request: SignedInRequest, community, role_id: int) -> HttpResponse:
    return _role_status(
        request,
        community,
        role_id,
        agencies_services.role_publish,
        _("Published: members can find it now."),
    )


@login_required
@community_view
@require_POST
def role_archive(request: SignedInRequest, community, role_id: int) -> HttpResponse:
    return _role_status(
        request,
        community,
        role_id,
        agencies_services.role_archive,
        _("Archived: members no longer see it."),
    )


# Training ------------------------------------------------------------------------------------


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def training_record(request: SignedInRequest, community) -> HttpResponse:
    coproduction_access.access_record_training(request.user, community)
    status = 200
    form = TrainingForm(
        request.POST or None, initial={"completed_on": communities_selectors.local_today(community)}
    )
    person = None
    if request.method == "POST":
        if form.is_valid():
            try:
                person = _member(community, form.cleaned_data["number"])
                agencies_services.training_record(
                    actor=request.user,
                    community=community,
                    person=person,
                    name=form.cleaned_data["name"],
                    completed_on=form.cleaned_data["completed_on"],
                )
            except ApplicationError as exc:
                if exc.status == 403:
                    raise
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("Recorded “%(training)s” for %(name)s.")
                    % {"training": form.cleaned_data["name"], "name": person.display_name},
                )
                return redirect("web:training_record", community.slug)
        status = 400
    return render(
        request, "web/agencies/training.html", {"community": community, "form": form}, status=status
    )
