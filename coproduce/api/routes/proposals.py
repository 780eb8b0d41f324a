"""Proposals: drafting, co-signing, the discussion and its amendments, voting and the result.

Members of the community read and take part; outsiders get 404. The rules a proposal is decided
by (method, secret or open ballot, quorum, threshold, co-signers, days) come from the community's
rulebook when it is drafted and are shown with it. Dates are UTC; the community's own clock is in
its `timezone`.

A vote (`POST .../ballots`) needs an `Idempotency-Key`. For a secret ballot the answer carries a
receipt code, shown once: keep it to change your vote before voting closes (send it as
`receipt`) and to find your ballot in the published count. A retry with the same key answers as
the first attempt did but, for a secret ballot, without the receipt, and it is matched on the
proposal and the voter only (nothing of the choice is kept with your key)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from coproduce.core import limits
from coproduce.governance.models import Comment, ProposalKind, ProposalStage
from coproduce.governance.selectors import proposals as proposals_selectors
from coproduce.governance.services import ballots as ballots_services
from coproduce.governance.services import proposals as proposals_services

from .. import paths
from ..schemas import (
    MAX_ID,
    MAX_NUMBER,
    READ_ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    MemberRef,
    Slug,
)

router = Router(tags=["proposals"])

ProposalNumber = Annotated[
    int, Path(..., ge=1, le=MAX_NUMBER, description="The proposal's number: 3 for P-3.")
]
CommentId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
RuleValue = int | Annotated[str, Field(max_length=limits.SHORT_NAME)] | None


class VersionOut(Schema):
    number: int
    title: str
    body: str = Field(description="Plain text.")
    rule_changes: dict[str, RuleValue] = Field(
        description="For a rule change: each rule's key and its proposed value."
    )
    from_comment: int | None = Field(description="The amendment this version accepted, if any.")
    created_at: dt.datetime


class ProposalSummary(Schema):
    number: int
    code: str = Field(examples=["P-3"])
    kind: ProposalKind
    stage: ProposalStage
    title: str
    author: str = Field(description="The author's name as members see it.")
    method: str = Field(description="`majority`, `supermajority`, `approval`, `consent`, `ranked`.")
    secret: bool
    cosigned: int
    cosigners_needed: int
    voting_opens_at: dt.datetime | None
    voting_closes_at: dt.datetime | None


class ProposalList(Schema):
    items: list[ProposalSummary]


class ProposalOut(ProposalSummary):
    quorum_percent: int
    threshold_percent: int | None
    options: list[str] = Field(description="For approval and ranked votes, in ballot order.")
    versions: list[VersionOut] = Field(description="Oldest first; the last is voted on.")
    comments: int
    i_cosigned: bool
    i_voted: bool
    decided_at: dt.datetime | None
    rulebook_version: int | None = Field(
        description="The rulebook version an adopted rule change wrote."
    )
    agency: str | None = Field(description="For an ask: the agency it is addressed to.")
    answer_due_on: dt.date | None = Field(
        description="For an adopted ask: the day its answer is due."
    )
    review_on: dt.date | None = Field(
        description="For an adopted proposal: the day members are asked whether it worked."
    )


class ProposalIn(Schema):
    kind: ProposalKind
    title: str = Field(
        max_length=limits.PROPOSAL_TITLE, examples=["Let members go 30 hours into debit"]
    )
    body: str = Field(max_length=limits.PROPOSAL_TEXT)
    rule_changes: dict[Annotated[str, Field(max_length=60)], RuleValue] | None = Field(
        None,
        max_length=40,
        description="For a rule change: the rules' keys and their new values.",
        examples=[{"credit_floor_minutes": -1800}],
    )
    options: list[Annotated[str, Field(max_length=limits.OPTION)]] | None = Field(
        None,
        max_length=limits.OPTIONS_MAX,
        description="For an approval or ranked vote (where the rulebook says so), in ballot order.",
    )
    agency: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="For an ask: the id of the agency it is addressed to (its staff must answer "
        "in public).",
    )


class AmendmentIn(Schema):
    title: str = Field("", max_length=limits.PROPOSAL_TITLE)
    body: str = Field("", max_length=limits.PROPOSAL_TEXT)
    rule_changes: dict[Annotated[str, Field(max_length=60)], RuleValue] | None = Field(
        None, max_length=40
    )


class CommentIn(Schema):
    body: str = Field(max_length=limits.MESSAGE)
    reply_to: int | None = Field(None, ge=1, le=MAX_ID)
    amendment: AmendmentIn | None = Field(
        None, description="Suggest these changes; the author may accept them as a new version."
    )


class CommentOut(Schema):
    id: int
    author: str
    body: str = Field(description="Plain text.")
    reply_to: int | None
    amendment: AmendmentIn | None
    accepted: bool
    created_at: dt.datetime


class CommentList(Schema):
    items: list[CommentOut]


class BallotIn(Schema):
    choice: (
        Annotated[str, Field(max_length=20)] | list[Annotated[str, Field(max_length=limits.OPTION)]]
    ) = Field(
        description="`yes`, `no` or `abstain`; `consent` or `object` (with a `reason`); or the "
        "options you approve, or rank best first.",
        examples=["yes", ["The park", "The hall"]],
    )
    reason: str = Field("", max_length=limits.TEXT, description="Why you object (consent).")
    receipt: str = Field(
        "",
        max_length=40,
        pattern=r"^[-A-Za-z0-9 ]*$",
        description="To change a secret vote: the receipt you were given.",
        examples=["3F9A1-C0B7E-22D41-9E6AB"],
    )
    on_behalf_of: MemberRef | None = Field(
        None,
        description="Coordinators: the member number of an offline member who asked you to "
        "record their vote.",
    )


class BallotOut(Schema):
    receipt: str = Field(
        description="Keep it: it changes a secret vote and finds your ballot in the count. Empty "
        "when a retry replays a secret vote."
    )
    changed: bool = Field(description="Whether this changed an earlier vote.")
    secret: bool


class ResultOut(Schema):
    stage: ProposalStage
    adopted: bool
    winners: list[str]
    counts: dict[str, int]
    electorate: int
    quorum: dict[str, Any]
    rounds: list[dict[str, Any]] = Field(description="A ranked count, round by round.")
    lines: list[str] = Field(description="The counting, in words, in the order it was done.")


class StageQuery(Schema):
    stage: ProposalStage | None = None


def _summary(proposal, current, cosigned: int) -> dict:
    return {
        "number": proposal.number,
        "code": proposal.code,
        "kind": proposal.kind,
        "stage": proposal.stage,
        "title": current.title,
        "author": proposal.author.display_name,
        "method": proposal.method,
        "secret": proposal.secret,
        "cosigned": cosigned,
        "cosigners_needed": proposal.cosigners_needed,
        "voting_opens_at": proposal.voting_opens_at,
        "voting_closes_at": proposal.voting_closes_at,
    }


def _detail(request, community, number: int) -> dict:
    view = proposals_selectors.proposal_detail(community, request.user, number)
    proposal = view.proposal
    return {
        **_summary(proposal, view.current, view.cosigned),
        "quorum_percent": proposal.quorum_percent,
        "threshold_percent": proposal.threshold_percent,
        "options": list(proposal.options),
        "versions": [
            {
                "number": v.number,
                "title": v.title,
                "body": v.body,
                "rule_changes": v.rule_changes,
                "from_comment": v.amendment_id,
                "created_at": v.created_at,
            }
            for v in view.versions
        ],
        "comments": view.commented,
        "i_cosigned": view.i_cosigned,
        "i_voted": view.i_voted,
        "decided_at": proposal.decided_at,
        "rulebook_version": proposal.rulebook_version.number if proposal.rulebook_version else None,
        "agency": proposal.agency.name if proposal.agency else None,
        "answer_due_on": proposal.answer_due_on,
        "review_on": proposal.review_on,
    }


def _comment_out(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "author": comment.author.display_name,
        "body": comment.body,
        "reply_to": comment.reply_to_id,
        "amendment": {
            "title": comment.amended_title,
            "body": comment.amended_body,
            "rule_changes": comment.amended_rule_changes,
        }
        if comment.is_amendment
        else None,
        "accepted": comment.accepted_at is not None,
        "created_at": comment.created_at,
    }


def _proposal(request, slug: str, number: int):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community, proposals_selectors.proposal_get(community, request.user, number)


@router.get("/{slug}/proposals", response={200: ProposalList, **READ_ERRORS}, summary="Proposals")
def proposal_list(request, slug: Slug, query: Query[StageQuery]):
    """The community's proposals, newest first (at most 50), optionally at one stage."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    rows = proposals_selectors.proposals_of(community, request.user, stage=query.stage)
    return {"items": [_summary(r.proposal, r.current, r.cosigned) for r in rows]}


@router.post(
    "/{slug}/proposals", response={201: ProposalOut, **WRITE_ERRORS}, summary="Draft a proposal"
)
def proposal_create(request, slug: Slug, payload: ProposalIn):
    """Draft a proposal. 403 `too_new_to_propose` before the rulebook's days of membership;
    422 for a rule change outside a rule's bounds, an unknown rule, values already in force,
    or options where the method takes none."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    proposal = proposals_services.proposal_draft(
        actor=request.user,
        community=community,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        rule_changes=payload.rule_changes,
        options=payload.options,
        agency=payload.agency,
    )
    return Status(201, _detail(request, community, proposal.number))


@router.get(
    "/{slug}/proposals/{number}", response={200: ProposalOut, **READ_ERRORS}, summary="A proposal"
)
def proposal_detail(request, slug: Slug, number: ProposalNumber):
    """A proposal with every version, its counts and your own standing."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return _detail(request, community, number)


@router.post(
    "/{slug}/proposals/{number}/cosign",
    response={200: ProposalOut, **WRITE_ERRORS},
    summary="Co-sign a draft",
)
def proposal_cosign(request, slug: Slug, number: ProposalNumber):
    """Co-sign another member's draft; the last co-signer needed starts the discussion. 403
    `own_proposal`; 409 `already_cosigned`, `not_a_draft`."""
    community, proposal = _proposal(request, slug, number)
    proposals_services.proposal_cosign(actor=request.user, proposal=proposal)
    return _detail(request, community, number)


@router.post(
    "/{slug}/proposals/{number}/withdraw",
    response={200: ProposalOut, **WRITE_ERRORS},
    summary="Withdraw a proposal (the author)",
)
def proposal_withdraw(request, slug: Slug, number: ProposalNumber):
    """The author withdraws their proposal before voting opens. 403 `not_the_author`; 409
    `voting_started`."""
    community, proposal = _proposal(request, slug, number)
    proposals_services.proposal_withdraw(actor=request.user, proposal=proposal)
    return _detail(request, community, number)


@router.get(
    "/{slug}/proposals/{number}/comments",
    response={200: CommentList, **READ_ERRORS},
    summary="The discussion",
)
def comment_list(request, slug: Slug, number: ProposalNumber):
    """The proposal's comments and suggested amendments, oldest first."""
    _community, proposal = _proposal(request, slug, number)
    return {"items": [_comment_out(c) for c in proposals_selectors.comments_of(proposal)]}


@router.post(
    "/{slug}/proposals/{number}/comments",
    response={201: CommentOut, **WRITE_ERRORS},
    summary="Comment, or suggest an amendment",
)
def comment_create(request, slug: Slug, number: ProposalNumber, payload: CommentIn):
    """A comment (before voting opens), or with `amendment` a suggested change while the
    proposal is under discussion. 409 `not_open_for_comment`, `amendments_closed`."""
    _community, proposal = _proposal(request, slug, number)
    reply_to = (
        proposals_selectors.comment_get(proposal, payload.reply_to) if payload.reply_to else None
    )
    comment = proposals_services.proposal_comment(
        actor=request.user,
        proposal=proposal,
        body=payload.body,
        reply_to=reply_to,
        amendment=payload.amendment.dict() if payload.amendment is not None else None,
    )
    return Status(201, _comment_out(comment))


@router.post(
    "/{slug}/proposals/{number}/comments/{comment_id}/accept",
    response={201: VersionOut, **WRITE_ERRORS},
    summary="Accept an amendment (the author)",
)
def amendment_accept(request, slug: Slug, number: ProposalNumber, comment_id: CommentId):
    """The author takes a suggested amendment as the proposal's next version. 403
    `not_the_author`; 409 `amendments_closed`, `not_an_amendment`, `already_accepted`."""
    _community, proposal = _proposal(request, slug, number)
    comment = proposals_selectors.comment_get(proposal, comment_id)
    version = proposals_services.amendment_accept(actor=request.user, comment=comment)
    return Status(
        201,
        {
            "number": version.number,
            "title": version.title,
            "body": version.body,
            "rule_changes": version.rule_changes,
            "from_comment": version.amendment_id,
            "created_at": version.created_at,
        },
    )


@router.post(
    "/{slug}/proposals/{number}/ballots",
    response={201: BallotOut, **WRITE_ERRORS},
    summary="Vote, or change your vote",
)
def ballot_cast(
    request,
    slug: Slug,
    number: ProposalNumber,
    idempotency_key: IdempotencyKey,
    payload: BallotIn,
):
    """Vote while voting is open, or change your vote until it closes (a secret one with its
    `receipt`). 409 `voting_not_open`, `receipt_needed`; 422 for a ballot the method does not
    take (naming `choice`, `ranking`, `approve` or `reason`); 403 `coordinators_only` for
    `on_behalf_of` from a member."""
    community, proposal = _proposal(request, slug, number)
    on_behalf_of = paths.member_named(community, payload.on_behalf_of, "on_behalf_of")
    cast = ballots_services.ballot_cast(
        actor=request.user,
        proposal=proposal,
        choice=payload.choice,
        reason=payload.reason,
        receipt=payload.receipt,
        on_behalf_of=on_behalf_of,
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return Status(
        201, {"receipt": cast.receipt, "changed": cast.changed, "secret": proposal.secret}
    )


@router.get(
    "/{slug}/proposals/{number}/result",
    response={200: ResultOut, **READ_ERRORS},
    summary="The count",
)
def proposal_result(request, slug: Slug, number: ProposalNumber):
    """The count, as it was made at close. 409 `not_decided` before then."""
    _community, proposal = _proposal(request, slug, number)
    stored = proposals_selectors.result_of(proposal)
    return {
        "stage": proposal.stage,
        "adopted": stored["adopted"],
        "winners": list(stored["winners"]),
        "counts": stored["counts"],
        "electorate": proposal.electorate or 0,
        "quorum": stored["quorum"],
        "rounds": list(stored["rounds"]),
        "lines": list(stored["lines"]),
    }


class ReceiptIn(Schema):
    receipt: str = Field(
        max_length=40,
        pattern=r"^[-A-Za-z0-9 ]*$",
        description="The receipt code you were given when you voted.",
        examples=["3F9A1-C0B7E-22D41-9E6AB"],
    )


class ReceiptOut(Schema):
    counted: bool = Field(description="Whether a ballot with this receipt is in the count.")


@router.post(
    "/{slug}/proposals/{number}/receipt-check",
    response={200: ReceiptOut, **WRITE_ERRORS},
    summary="Check that your ballot was counted",
)
def receipt_check(request, slug: Slug, number: ProposalNumber, payload: ReceiptIn):
    """Once voting has closed: whether the ballot with your receipt is in the count (nothing of
    how it voted is said). 409 `not_decided` before then. A POST so the code stays out of
    addresses and logs."""
    _community, proposal = _proposal(request, slug, number)
    return {"counted": proposals_selectors.receipt_counted(proposal, payload.receipt)}
