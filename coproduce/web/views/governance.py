"""Proposals: the community's list, drafting one, and a proposal's page (its versions side by
side, co-signing, the discussion and amendments, voting by its method, and the count)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.core.errors import ApplicationError
from coproduce.governance import access as governance_access
from coproduce.governance.models import ProposalKind, ProposalStage
from coproduce.governance.selectors import follow_up as follow_up_selectors
from coproduce.governance.selectors import proposals as proposals_selectors
from coproduce.governance.selectors import transparency as transparency_selectors
from coproduce.governance.services import ballots as ballots_services
from coproduce.governance.services import proposals as proposals_services

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.decisions import (
    AskAnswerForm,
    CommitmentForm,
    CommitmentNoteForm,
    DecisionOutcomeForm,
    ReviewForm,
)
from ..forms.governance import AmendmentForm, BallotForm, CommentForm, ProposalForm
from ..middleware import SignedInRequest, acting_member, on_behalf_of

STAGES_SHOWN = [
    ProposalStage.VOTING,
    ProposalStage.DELIBERATION,
    ProposalStage.DRAFT,
    ProposalStage.ADOPTED,
    ProposalStage.REJECTED,
    ProposalStage.WITHDRAWN,
]


@login_required
@community_view
@require_GET
def proposal_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    rows = proposals_selectors.proposals_of(community, request.user)
    groups = [
        (stage, [row for row in rows if row.proposal.stage == stage.value])
        for stage in STAGES_SHOWN
    ]
    return render(
        request,
        "web/governance/list.html",
        {"community": community, "groups": [(s, r) for s, r in groups if r]},
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def proposal_new(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    status = 200
    if request.method == "POST":
        form = ProposalForm(request.POST, agencies=agencies_selectors.agencies_of(community))
        if form.is_valid():
            try:
                proposal = proposals_services.proposal_draft(
                    actor=request.user,
                    community=community,
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    rule_changes=form.rule_changes(),
                    options=form.option_list(),
                    agency=form.agency_id(),
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("%(code)s is drafted.") % {"code": proposal.code})
                return redirect("web:proposal", community.slug, proposal.number)
        status = 400
    else:
        kind = request.GET.get("kind", "")
        form = ProposalForm(
            initial={"kind": kind} if kind in ProposalKind.values else {},
            agencies=agencies_selectors.agencies_of(community),
        )
    return render(
        request,
        "web/governance/new.html",
        {"community": community, "form": form},
        status=status,
    )


def page(request, community, number: int, *, status=200, **forms) -> HttpResponse:
    """A proposal's page (with the forms given, bound, for a refusal shown on it)."""
    view = proposals_selectors.proposal_detail(community, request.user, number)
    proposal = view.proposal
    comments = proposals_selectors.comments_of(proposal)
    context = {
        "community": community,
        "view": view,
        "proposal": proposal,
        "comments": comments,
        "is_author": proposal.author_id == request.user.pk,
        "comment_form": forms.get("comment_form") or CommentForm(),
        "amendment_form": forms.get("amendment_form") or AmendmentForm(),
        "ballot_form": forms.get("ballot_form") or BallotForm(proposal=proposal),
    }
    follow = follow_up_selectors.follow_up(proposal, request.user)
    if follow is not None:
        agencies = agencies_selectors.agencies_of(community)
        context.update(
            follow=follow,
            may_follow_up=access.is_coordinator(request.user, community),
            may_answer=follow.answer is None
            and governance_access.is_ask_answerer(request.user, proposal),
            notable_ids={
                c.pk
                for c in follow.commitments
                if governance_access.may_note_commitment(request.user, c)
            },
            commitment_form=forms.get("commitment_form")
            or CommitmentForm(community=community, agencies=agencies),
            note_form=forms.get("note_form") or CommitmentNoteForm(),
            note_for=forms.get("note_for"),
            outcome_form=forms.get("outcome_form")
            or DecisionOutcomeForm(initial={"outcome": proposal.outcome}),
            review_form=forms.get("review_form")
            or ReviewForm(
                initial={"verdict": follow.my_review.verdict, "comment": follow.my_review.comment}
                if follow.my_review
                else None
            ),
            answer_form=forms.get("answer_form") or AskAnswerForm(),
        )
    return render(request, "web/governance/proposal.html", context, status=status)


@login_required
@community_view
@require_GET
def proposal(request: SignedInRequest, community, number: int) -> HttpResponse:
    return page(request, community, number)


@login_required
@community_view
@require_POST
def proposal_cosign(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    try:
        proposals_services.proposal_cosign(actor=request.user, proposal=found)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You co-signed %(code)s.") % {"code": found.code})
    return redirect("web:proposal", community.slug, number)


@login_required
@community_view
@require_POST
def proposal_comment(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    amending = request.POST.get("amendment") == "1"
    form = AmendmentForm(request.POST) if amending else CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        amendment = None
        if amending:
            amendment = {"title": data["title"], "body": data["text"]}
            rules = list(proposals_selectors.current_version(found).rule_changes)
            if data["new_value"] and rules:  # the page's one rule (several: the API)
                amendment["rule_changes"] = {rules[0]: data["new_value"]}
        try:
            proposals_services.proposal_comment(
                actor=request.user, proposal=found, body=data["body"], amendment=amendment
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Your amendment is suggested.") if amending else _("Your comment is added."),
            )
            return redirect("web:proposal", community.slug, number)
    key = "amendment_form" if amending else "comment_form"
    return page(request, community, number, status=400, **{key: form})


@login_required
@community_view
@require_POST
def amendment_accept(
    request: SignedInRequest, community, number: int, comment_id: int
) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    comment = proposals_selectors.comment_get(found, comment_id)
    try:
        version = proposals_services.amendment_accept(actor=request.user, comment=comment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The amendment is version %(n)d.") % {"n": version.number})
    return redirect("web:proposal", community.slug, number)


@login_required
@community_view
@require_POST
def proposal_vote(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    # A coordinator acting for an offline member records that member's vote, at their request.
    voter = acting_member(request, community)
    for_someone = on_behalf_of(request, voter)
    form = BallotForm(request.POST, proposal=found)
    if form.is_valid():
        try:
            cast = ballots_services.ballot_cast(
                actor=request.user,
                proposal=found,
                choice=form.ballot_choice(),
                reason=form.cleaned_data.get("reason", ""),
                receipt=form.cleaned_data.get("receipt", ""),
                on_behalf_of=for_someone,
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            said = _("Your vote is changed.") if cast.changed else _("Your vote is counted.")
            if for_someone is not None:
                said = _(
                    "%(name)s's vote is counted, recorded by you at their request: the record "
                    "says so."
                ) % {"name": for_someone.display_name}
            if found.secret:
                # Shown once, in the message after the redirect (a signed cookie: the receipt
                # stays with the voter, never beside them on the server).
                said += " " + _(
                    "Your receipt code is %(code)s. Keep it: you need it to change your vote, "
                    "and it finds your ballot in the count."
                ) % {"code": cast.receipt}
            messages.success(request, said)
            return redirect("web:proposal", community.slug, number)
    return page(request, community, number, status=400, ballot_form=form)


@login_required
@community_view
@require_POST
def proposal_withdraw(request: SignedInRequest, community, number: int) -> HttpResponse:
    found = proposals_selectors.proposal_get(community, request.user, number)
    try:
        proposals_services.proposal_withdraw(actor=request.user, proposal=found)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(code)s is withdrawn.") % {"code": found.code})
    return redirect("web:proposal", community.slug, number)


@login_required
@community_view
@require_GET
def transparency(request: SignedInRequest, community) -> HttpResponse:
    """For members: proposals, votes, decisions and what follows them, asks and their answers,
    the rulebook's history with the decision behind each change. A fixed number of queries."""
    access.access_community(request.user, community)
    view = transparency_selectors.transparency(community, request.user)
    return render(
        request, "web/governance/transparency.html", {"community": community, "view": view}
    )


@login_required
@community_view
@require_POST
def receipt_check(request: SignedInRequest, community, number: int) -> HttpResponse:
    """A voter checks that the ballot with their receipt is in the count."""
    found = proposals_selectors.proposal_get(community, request.user, number)
    code = request.POST.get("receipt", "")[:40]
    try:
        counted = proposals_selectors.receipt_counted(found, code)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if counted:
            messages.success(request, _("Your ballot is in the count."))
        else:
            messages.error(request, _("No ballot with this receipt is in the count."))
    return redirect("web:proposal", community.slug, number)
