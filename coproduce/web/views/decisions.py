"""What follows a decision, on its proposal's page: commitments and their progress, the result,
the members' review, and an agency's answer to an ask. Each POST redirects back to the page, or
shows it again with the form's errors (400)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.core.errors import ApplicationError, NotFound
from coproduce.governance.selectors import follow_up as follow_up_selectors
from coproduce.governance.selectors import proposals as proposals_selectors
from coproduce.governance.services import follow_up as follow_up_services

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.decisions import (
    AskAnswerForm,
    CommitmentForm,
    CommitmentNoteForm,
    DecisionOutcomeForm,
    ReviewForm,
)
from ..middleware import SignedInRequest
from .governance import page


def _back(community, number: int) -> HttpResponse:
    return redirect("web:proposal", community.slug, number)


@login_required
@community_view
@require_POST
def commitment_add(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    form = CommitmentForm(
        request.POST, community=community, agencies=agencies_selectors.agencies_of(community)
    )
    if form.is_valid():
        try:
            follow_up_services.commitment_add(
                actor=request.user, proposal=found, **form.service_values()
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The commitment is recorded."))
            return _back(community, number)
    return page(request, community, number, status=400, commitment_form=form)


@login_required
@community_view
@require_POST
def commitment_note(
    request: SignedInRequest, community, number: int, commitment_id: int
) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    commitment = follow_up_selectors.commitment_get(community, commitment_id)
    if commitment.proposal_id != found.pk:
        raise NotFound("No such commitment.")
    form = CommitmentNoteForm(request.POST)
    if form.is_valid():
        try:
            follow_up_services.commitment_note(
                actor=request.user,
                commitment=commitment,
                body=form.cleaned_data["body"],
                done=form.cleaned_data["done"],
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The progress is noted."))
            return _back(community, number)
    return page(request, community, number, status=400, note_form=form, note_for=commitment.pk)


@login_required
@community_view
@require_POST
def decision_outcome(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    form = DecisionOutcomeForm(request.POST)
    if form.is_valid():
        try:
            follow_up_services.decision_outcome_record(
                actor=request.user, proposal=found, outcome=form.cleaned_data["outcome"]
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The result is recorded."))
            return _back(community, number)
    return page(request, community, number, status=400, outcome_form=form)


@login_required
@community_view
@require_POST
def decision_review(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            follow_up_services.review_give(
                actor=request.user,
                proposal=found,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Thank you: your answer is counted."))
            return _back(community, number)
    return page(request, community, number, status=400, review_form=form)


@login_required
@community_view
@require_POST
def ask_answer(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    form = AskAnswerForm(request.POST)
    if form.is_valid():
        try:
            follow_up_services.ask_answer(
                actor=request.user,
                proposal=found,
                answer=form.cleaned_data["answer"],
                reasons=form.cleaned_data["reasons"],
                commitments=form.cleaned_data["commitments"],
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Your answer is published."))
            return _back(community, number)
    return page(request, community, number, status=400, answer_form=form)
