"""Sanctions: the community's list (coordinators and stewards see all, a member their own),
recording one, a sanction's page (what, why, who decided; the member's appeal form within the
window; the panel's outcome form), lifting one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.core.errors import ApplicationError
from coproduce.governance import access as governance_access
from coproduce.governance.selectors import sanctions as sanctions_selectors
from coproduce.governance.services import sanctions as sanctions_services

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.sanctions import AppealForm, LiftForm, OutcomeForm, SanctionForm
from ..middleware import SignedInRequest


@login_required
@community_view
@require_GET
def sanction_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    mine = request.GET.get("mine") == "1"
    sees_all = sanctions_selectors.sees_all_sanctions(request.user, community)
    rows = sanctions_selectors.sanctions_of(community, request.user, mine=mine)
    return render(
        request,
        "web/governance/sanction_list.html",
        {
            "community": community,
            "rows": rows,
            "sees_all": sees_all and not mine,
            "may_sanction": access.is_coordinator(request.user, community),
        },
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def sanction_new(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    status = 200
    if request.method == "POST":
        form = SanctionForm(request.POST)
        if form.is_valid():
            try:
                made = sanctions_services.sanction_create(
                    actor=request.user, community=community, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("%(code)s is recorded; the member is told.") % {"code": made.code}
                )
                return redirect("web:sanction", community.slug, made.number)
        status = 400
    else:
        form = SanctionForm(initial={"member": request.GET.get("member", "")[:20]})
    return render(
        request,
        "web/governance/sanction_new.html",
        {"community": community, "form": form},
        status=status,
    )


def _page(request, community, number: int, *, status=200, **forms) -> HttpResponse:
    sanction = sanctions_selectors.sanction_get(community, request.user, number)
    appeal = sanctions_selectors.appeal_of(sanction)
    mine = sanction.person_id == request.user.pk
    context = {
        "community": community,
        "sanction": sanction,
        "appeal": appeal,
        "mine": mine,
        "may_appeal": mine and sanctions_selectors.may_appeal(sanction),
        "days_left": sanctions_selectors.appeal_days_left(sanction),
        "on_panel": governance_access.on_appeal_panel(request.user, sanction),
        "may_lift": access.is_coordinator(request.user, community)
        and sanction.status == "in_force",
        "appeal_form": forms.get("appeal_form") or AppealForm(),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(),
        "lift_form": forms.get("lift_form") or LiftForm(),
    }
    return render(request, "web/governance/sanction_detail.html", context, status=status)


@login_required
@community_view
@require_GET
def sanction(request: SignedInRequest, community, number: int) -> HttpResponse:
    return _page(request, community, number)


@login_required
@community_view
@require_POST
def sanction_appeal(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = sanctions_selectors.sanction_get(community, request.user, number)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            sanctions_services.appeal_make(
                actor=request.user, sanction=found, grounds=form.cleaned_data["grounds"]
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Your appeal is sent to the panel."))
            return redirect("web:sanction", community.slug, number)
    return _page(request, community, number, status=400, appeal_form=form)


@login_required
@community_view
@require_POST
def sanction_outcome(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = sanctions_selectors.sanction_get(community, request.user, number)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            sanctions_services.appeal_decide(
                actor=request.user, sanction=found, **form.cleaned_data
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The outcome is recorded; the member is told."))
            return redirect("web:sanction", community.slug, number)
    return _page(request, community, number, status=400, outcome_form=form)


@login_required
@community_view
@require_POST
def sanction_lift(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = sanctions_selectors.sanction_get(community, request.user, number)
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            sanctions_services.sanction_lift(
                actor=request.user, sanction=found, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The sanction is lifted; the member is told."))
            return redirect("web:sanction", community.slug, number)
    return _page(request, community, number, status=400, lift_form=form)
