"""Participatory budgets: the community's rounds, a coordinator's new round, a round's page
(its projects and their checks, the approval ballot while voting is open, the counting and what
was paid), proposing a project, checking one, and a coordinator's count and payment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.core.errors import ApplicationError
from coproduce.governance.models import BudgetStage
from coproduce.governance.selectors import budget_counting
from coproduce.governance.selectors import budgets as budgets_selectors
from coproduce.governance.services import budgets as budgets_services

from ..decorators import community_view
from ..forms.budgets import BudgetBallotForm, CheckForm, ProjectForm, RoundForm
from ..forms.common import show_refusal
from ..middleware import SignedInRequest


@login_required
@community_view
@require_GET
def budget_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    rows = budgets_selectors.rounds_of(community, request.user)
    return render(
        request,
        "web/governance/budget_list.html",
        {
            "community": community,
            "rows": rows,
            "may_open": access.is_coordinator(request.user, community),
        },
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def budget_new(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    status = 200
    if request.method == "POST":
        form = RoundForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                budget = budgets_services.round_create(
                    actor=request.user,
                    community=community,
                    title=data["title"],
                    description=data["description"],
                    budget_minutes=form.budget_minutes(),
                    proposing_opens=data["proposing_opens"],
                    proposing_closes=data["proposing_closes"],
                    voting_opens=data["voting_opens"],
                    voting_closes=data["voting_closes"],
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("Budget round %(code)s is open.") % {"code": budget.code}
                )
                return redirect("web:budget", community.slug, budget.number)
        status = 400
    else:
        form = RoundForm()
    return render(
        request,
        "web/governance/budget_new.html",
        {
            "community": community,
            "form": form,
            "fund_minutes": budgets_selectors.fund_balance(community),
            "promised_minutes": budgets_selectors.fund_promised(community),
        },
        status=status,
    )


def _page(request, community, number: int, *, status=200, ballot_form=None) -> HttpResponse:
    view = budgets_selectors.round_detail(community, request.user, number)
    is_member = access.membership_of(request.user, community) is not None
    voting = view.stage == BudgetStage.VOTING and budgets_selectors.voting_open(view.budget)
    context = {
        "community": community,
        "view": view,
        "budget": view.budget,
        "rule": budget_counting.RULE,
        "is_coordinator": access.is_coordinator(request.user, community),
        "proposing": budgets_selectors.proposing_open(view.budget),
        "checking": view.stage in (BudgetStage.PROPOSING, BudgetStage.CHECKING),
        "voting": voting,
        "ballot_form": (
            ballot_form
            or (
                BudgetBallotForm(projects=view.on_ballot, approved=view.my_approvals)
                if voting and is_member
                else None
            )
        ),
    }
    return render(request, "web/governance/budget_round.html", context, status=status)


@login_required
@community_view
@require_GET
def budget(request: SignedInRequest, community, number: int) -> HttpResponse:
    return _page(request, community, number)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def budget_propose(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = budgets_selectors.round_get(community, request.user, number)
    status = 200
    if request.method == "POST":
        form = ProjectForm(request.POST, community=community)
        if form.is_valid():
            try:
                project = budgets_services.project_propose(
                    actor=request.user,
                    budget=found,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    cost_minutes=form.cost_minutes(),
                    recipient=form.recipient_person(),
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("Project %(n)d is proposed; a coordinator will check it.")
                    % {"n": project.number},
                )
                return redirect("web:budget", community.slug, number)
        status = 400
    else:
        form = ProjectForm(community=community)
    return render(
        request,
        "web/governance/budget_propose.html",
        {"community": community, "budget": found, "form": form},
        status=status,
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def budget_check(request: SignedInRequest, community, number: int, project: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    found = budgets_selectors.round_get(community, request.user, number)
    target = budgets_selectors.project_get(found, project)
    status = 200
    if request.method == "POST":
        form = CheckForm(request.POST)
        if form.is_valid():
            try:
                budgets_services.project_check(
                    actor=request.user,
                    project=target,
                    eligible=form.cleaned_data["eligible"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Project %(n)d is checked.") % {"n": target.number})
                return redirect("web:budget", community.slug, number)
        status = 400
    else:
        initial = {}
        if target.eligible is not None:
            initial = {"eligible": "yes" if target.eligible else "no"}
        form = CheckForm(initial={**initial, "reason": target.check_reason})
    return render(
        request,
        "web/governance/budget_check.html",
        {"community": community, "budget": found, "project": target, "form": form},
        status=status,
    )


@login_required
@community_view
@require_POST
def budget_vote(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = budgets_selectors.round_get(community, request.user, number)
    on_ballot = [p for p in budgets_selectors.projects_of(found) if p.eligible]
    form = BudgetBallotForm(request.POST, projects=on_ballot)
    if form.is_valid():
        try:
            _ballot, changed = budgets_services.budget_ballot_cast(
                actor=request.user,
                budget=found,
                approve=form.cleaned_data["approve"],
                idempotency_key=f"p{request.user.pk}:{form.cleaned_data['idempotency_key']}",
            )
        except ApplicationError as exc:
            form.renew_key()
            show_refusal(form, exc)
        else:
            messages.success(
                request, _("Your ballot is changed.") if changed else _("Your ballot is counted.")
            )
            return redirect("web:budget", community.slug, number)
    return _page(request, community, number, status=400, ballot_form=form)


@login_required
@community_view
@require_POST
def budget_close(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = budgets_selectors.round_get(community, request.user, number)
    try:
        budgets_services.budget_close(actor=request.user, budget=found)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The round is counted."))
    return redirect("web:budget", community.slug, number)


@login_required
@community_view
@require_POST
def budget_pay(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = budgets_selectors.round_get(community, request.user, number)
    try:
        budgets_services.budget_pay(actor=request.user, budget=found)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The winners are paid from the fund."))
    return redirect("web:budget", community.slug, number)
