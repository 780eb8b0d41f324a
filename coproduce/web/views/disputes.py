"""Disputes: the disputes a member is in (a coordinator's: all of the community's), a dispute's
page (parties, stage, the private notes, and the form each person there may use: a coordinator
assigns the mediator, the mediator records the agreement or escalates, a coordinator on the
panel records its decision), and opening a dispute about a decision. One about an exchange is
opened from the exchange's page (`views/exchanges.py`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import ApplicationError
from coproduce.governance.models import DisputeSubject
from coproduce.governance.selectors import disputes as disputes_selectors
from coproduce.governance.selectors import proposals as proposals_selectors
from coproduce.governance.services import disputes as disputes_services

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.disputes import (
    AgreementForm,
    DecisionForm,
    DisputeNoteForm,
    DisputeOpenForm,
    EscalateForm,
    MediatorForm,
)
from ..middleware import SignedInRequest


@login_required
@community_view
@require_GET
def dispute_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    return render(
        request,
        "web/governance/dispute_list.html",
        {
            "community": community,
            "disputes": disputes_selectors.disputes_of(community, request.user),
            "coordinates": access.is_coordinator(request.user, community),
        },
    )


def _page(request, community, number: int, *, status=200, **forms) -> HttpResponse:
    view = disputes_selectors.dispute_detail(community, request.user, number)
    dispute = view.dispute
    context = {
        "community": community,
        "view": view,
        "dispute": dispute,
        "note_form": forms.get("note_form") or DisputeNoteForm(),
        "mediator_form": forms.get("mediator_form") or MediatorForm(mediators=view.mediators),
        "agreement_form": forms.get("agreement_form") or AgreementForm(dispute=dispute),
        "escalate_form": forms.get("escalate_form") or EscalateForm(),
        "decision_form": forms.get("decision_form")
        or DecisionForm(dispute=dispute, panel=view.panel, viewer=request.user),
    }
    return render(request, "web/governance/dispute.html", context, status=status)


@login_required
@community_view
@require_GET
def dispute(request: SignedInRequest, community, number: int) -> HttpResponse:
    access.access_community(request.user, community)
    return _page(request, community, number)


def _done(request, community, number: int, said: str) -> HttpResponse:
    messages.success(request, said)
    return redirect("web:dispute", community.slug, number)


@login_required
@community_view
@require_POST
def dispute_note(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = disputes_selectors.dispute_get(community, request.user, number)
    form = DisputeNoteForm(request.POST)
    if form.is_valid():
        try:
            disputes_services.dispute_note_add(
                actor=request.user, dispute=found, body=form.cleaned_data["body"]
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            return _done(request, community, number, _("Your note is added."))
    return _page(request, community, number, status=400, note_form=form)


@login_required
@community_view
@require_POST
def dispute_mediator(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = disputes_selectors.dispute_get(community, request.user, number)
    access.access_coordinate(request.user, community)
    form = MediatorForm(request.POST, mediators=disputes_selectors.mediators_for(found))
    if form.is_valid():
        chosen = memberships_selectors.active_people(community, [form.cleaned_data["mediator"]])
        try:
            disputes_services.dispute_mediator_assign(
                actor=request.user, dispute=found, mediator=chosen[0] if chosen else None
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            return _done(
                request,
                community,
                number,
                _("%(name)s will mediate %(code)s; the parties are told.")
                % {"name": chosen[0].display_name, "code": found.code},
            )
    return _page(request, community, number, status=400, mediator_form=form)


@login_required
@community_view
@require_POST
def dispute_agree(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = disputes_selectors.dispute_get(community, request.user, number)
    form = AgreementForm(request.POST, dispute=found)
    if form.is_valid():
        try:
            disputes_services.dispute_agree(
                actor=request.user,
                dispute=found,
                outcome=form.cleaned_data["outcome"],
                text=form.cleaned_data["text"],
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            return _done(request, community, number, _("The agreement is recorded."))
    return _page(request, community, number, status=400, agreement_form=form)


@login_required
@community_view
@require_POST
def dispute_escalate(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = disputes_selectors.dispute_get(community, request.user, number)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            disputes_services.dispute_escalate(
                actor=request.user, dispute=found, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            return _done(
                request, community, number, _("It goes to a panel of coordinators not involved.")
            )
    return _page(request, community, number, status=400, escalate_form=form)


@login_required
@community_view
@require_POST
def dispute_decide(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = disputes_selectors.dispute_get(community, request.user, number)
    form = DecisionForm(
        request.POST,
        dispute=found,
        panel=disputes_selectors.panel_for(found),
        viewer=request.user,
    )
    if form.is_valid():
        panel = memberships_selectors.active_people(community, form.cleaned_data["panel"])
        try:
            disputes_services.dispute_decide(
                actor=request.user,
                dispute=found,
                outcome=form.cleaned_data["outcome"],
                text=form.cleaned_data["text"],
                panel=panel,
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            return _done(request, community, number, _("The panel's decision is recorded."))
    return _page(request, community, number, status=400, decision_form=form)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def dispute_open_decision(request: SignedInRequest, community, number: int) -> HttpResponse:
    access.access_community(request.user, community)
    proposal = proposals_selectors.proposal_get(community, request.user, number)
    status = 200
    if request.method == "POST":
        form = DisputeOpenForm(request.POST)
        if form.is_valid():
            try:
                opened = disputes_services.dispute_open(
                    actor=request.user,
                    community=community,
                    subject=DisputeSubject.DECISION,
                    proposal=proposal,
                    summary=form.cleaned_data["summary"],
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("%(code)s is open. A coordinator will assign a mediator.")
                    % {"code": opened.code},
                )
                return redirect("web:dispute", community.slug, opened.number)
        status = 400
    else:
        form = DisputeOpenForm()
    return render(
        request,
        "web/governance/dispute_new.html",
        {"community": community, "proposal": proposal, "form": form},
        status=status,
    )
