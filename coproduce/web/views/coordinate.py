"""Coordinators' pages: the dashboard, member search, and taking an application to a decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from coproduce.communities import access, selectors, services
from coproduce.communities.models import ApplicationStatus
from coproduce.core.errors import Conflict, ValidationFailed

from ..decorators import community_view
from ..forms import (
    ApplicationNoteForm,
    ApproveForm,
    CheckForm,
    DirectorySearchForm,
    ReasonForm,
    ReferenceRequestForm,
    show_refusal,
)
from ..middleware import SignedInRequest

SEARCH_LIMIT = 20


@login_required
@community_view
@require_GET
def dashboard(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    return render(request, "web/coordinate/dashboard.html", {
        "community": community,
        "dashboard": selectors.coordinator_dashboard(community),
        "search_form": DirectorySearchForm(),
    })


@login_required
@community_view
@require_GET
def member_search(request: SignedInRequest, community) -> HttpResponse:
    """Find a member by name, number, neighbourhood or gift. htmx asks for the results list only."""
    access.access_coordinate(request.user, community)
    form = DirectorySearchForm(request.GET)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = (
        selectors.member_directory_page(request.user, community, q=q, limit=SEARCH_LIMIT, include_inactive=True)
        if q else None
    )
    context = {"community": community, "search_form": form, "q": q, "page": page}
    if request.htmx:
        return render(request, "web/coordinate/_member_results.html", context)
    return render(request, "web/coordinate/member_search.html", context)


@login_required
@community_view
@require_POST
def relay_passed_on(request: SignedInRequest, community, relay_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    relay = selectors.relay_get(community, relay_id)
    try:
        services.contact_relay_passed_on(actor=request.user, relay=relay)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as passed on to %(name)s.") % {"name": relay.recipient.display_name})
    return redirect("web:coordinator_dashboard", community.slug)


@login_required
@community_view
@require_GET
def application_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    status = request.GET.get("status", ApplicationStatus.APPROVED)
    if status not in ApplicationStatus.values:
        status = ApplicationStatus.APPROVED
    return render(request, "web/coordinate/application_list.html", {
        "community": community,
        "status": status,
        "status_label": ApplicationStatus(status).label,
        "statuses": ApplicationStatus.choices,
        "applications": selectors.application_queue(community, status=status),
    })


DECLINE_FORM = {
    "label": gettext_lazy("Why is the application declined?"),
    "help_text": gettext_lazy("Kept with the application. Tell the applicant yourself, kindly."),
    "required_message": gettext_lazy("Give a reason for declining."),
}


def _application_page(request, community, application_id: int, *, forms=None, status=200) -> HttpResponse:
    forms = forms or {}
    review = selectors.application_review(community, application_id)
    refused_forms = [form for form in forms.values() if form.errors]
    return render(request, "web/coordinate/application_detail.html", {
        "community": community,
        "review": review,
        "application": review.application,
        "pending": review.application.status == ApplicationStatus.PENDING,
        "note_form": forms.get("note") or ApplicationNoteForm(prefix="note"),
        "reference_form": forms.get("reference") or ReferenceRequestForm(prefix="reference"),
        "check_form": forms.get("check") or CheckForm(prefix="check"),
        "approve_form": forms.get("approve") or ApproveForm(prefix="approve"),
        "decline_form": forms.get("decline") or ReasonForm(prefix="decline", **DECLINE_FORM),
        "refused_forms": refused_forms,
    }, status=status)


@login_required
@community_view
@require_GET
def application_detail(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    return _application_page(request, community, application_id)


@login_required
@community_view
@require_POST
def application_note(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = selectors.application_get(community, application_id)
    form = ApplicationNoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            services.application_note_add(actor=request.user, application=application, **form.cleaned_data)
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The note has been added."))
            return redirect("web:application_detail", community.slug, application.pk)
    return _application_page(request, community, application.pk, forms={"note": form}, status=400)


@login_required
@community_view
@require_POST
def application_reference(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = selectors.application_get(community, application_id)
    form = ReferenceRequestForm(request.POST, prefix="reference")
    if form.is_valid():
        try:
            reference, _token = services.reference_request(actor=request.user, application=application, **form.cleaned_data)
        except (ValidationFailed, Conflict) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("We have emailed %(name)s a link to give their reference.") % {"name": reference.referee_name})
            return redirect("web:application_detail", community.slug, application.pk)
    return _application_page(request, community, application.pk, forms={"reference": form}, status=400)


@login_required
@community_view
@require_POST
def application_check(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = selectors.application_get(community, application_id)
    form = CheckForm(request.POST, prefix="check")
    if form.is_valid():
        try:
            services.check_record(actor=request.user, community=community, person=application.person, **form.cleaned_data)
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The check has been recorded."))
            return redirect("web:application_detail", community.slug, application.pk)
    return _application_page(request, community, application.pk, forms={"check": form}, status=400)


@login_required
@community_view
@require_POST
def application_approve(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = selectors.application_get(community, application_id)
    form = ApproveForm(request.POST, prefix="approve")
    if form.is_valid():
        try:
            membership = services.application_approve(actor=request.user, application=application,
                                                      reason=form.cleaned_data["reason"])
        except (ValidationFailed, Conflict) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("%(name)s is now a member, number %(code)s.") % {
                "name": application.full_name, "code": membership.member_code})
            return redirect("web:member_detail", community.slug, membership.number)
    return _application_page(request, community, application.pk, forms={"approve": form}, status=409)


@login_required
@community_view
@require_POST
def application_decline(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = selectors.application_get(community, application_id)
    form = ReasonForm(request.POST, prefix="decline", **DECLINE_FORM)
    if form.is_valid():
        try:
            services.application_decline(actor=request.user, application=application, reason=form.cleaned_data["reason"])
        except (ValidationFailed, Conflict) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The application from %(name)s has been declined.") % {"name": application.full_name})
            return redirect("web:coordinator_dashboard", community.slug)
    return _application_page(request, community, application.pk, forms={"decline": form}, status=400)
