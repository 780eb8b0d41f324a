"""What follows decisions: adopted proposals with their commitments, result and review; the
community's commitments (overdue ones among them); progress notes; and an agency's public answer
to an ask addressed to it.

Members read all of it. Coordinators record commitments and results; a commitment's owner (the
member, or the staff of its agency) and coordinators write its progress; the staff of the agency
an ask is addressed to answer it, once. Dates are the community's own calendar days."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from coproduce.core import limits
from coproduce.governance.models import AskAnswerKind, OwnerKind, ReviewVerdict
from coproduce.governance.selectors import follow_up as follow_up_selectors
from coproduce.governance.selectors import proposals as proposals_selectors
from coproduce.governance.services import follow_up as follow_up_services

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..schemas import MAX_ID, MAX_NUMBER, READ_ERRORS, WRITE_ERRORS, MemberRef, Slug

router = Router(tags=["decisions"])

DecisionNumber = Annotated[
    int, Path(..., ge=1, le=MAX_NUMBER, description="The adopted proposal's number: 3 for P-3.")
]
CommitmentId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class CommitmentNoteOut(Schema):
    author: str
    body: str
    done: bool
    created_at: dt.datetime


class CommitmentOut(Schema):
    id: int
    decision: int = Field(description="The number of the proposal it follows.")
    what: str
    owner_kind: OwnerKind
    owner: str = Field(description="The agency, member or group, as the record names it.")
    due_on: dt.date
    done_at: dt.datetime | None
    overdue: bool
    notes: list[CommitmentNoteOut]


class CommitmentList(Schema):
    items: list[CommitmentOut]


class AnswerOut(Schema):
    answer: AskAnswerKind
    reasons: str
    answered_by: str
    answered_at: dt.datetime


class DecisionOut(Schema):
    number: int
    code: str = Field(examples=["P-3"])
    kind: str
    title: str
    decided_at: dt.datetime | None
    outcome: str = Field(description="What came of it, as a coordinator recorded it.")
    review_on: dt.date | None
    reviews: dict[str, int] = Field(
        description="Members' answers at the review: `yes`, `partly`, `no`.",
        examples=[{"yes": 4, "partly": 2, "no": 1}],
    )
    agency: str | None = Field(description="For an ask: the agency asked.")
    answer_due_on: dt.date | None
    answer: AnswerOut | None
    waiting_days: int | None = Field(
        description="An ask not answered yet: days since it was adopted."
    )
    commitments: list[CommitmentOut]


class DecisionList(Schema):
    items: list[DecisionOut]


class CommitmentIn(Schema):
    decision: int = Field(ge=1, le=MAX_NUMBER, description="The adopted proposal's number.")
    what: str = Field(max_length=limits.COMMITMENT, examples=["Open the hall on Sunday afternoons"])
    owner_kind: OwnerKind
    owner_member: MemberRef | None = Field(
        None, description="For a member's or coordinator's commitment: their member number."
    )
    owner_agency: int | None = Field(None, ge=1, le=MAX_ID, description="For an agency's: its id.")
    owner_name: str = Field("", max_length=150, description="For a group's: its name.")
    due_on: dt.date = Field(examples=["2027-03-31"])


class CommitmentNoteIn(Schema):
    body: str = Field(max_length=limits.TEXT, examples=["The room is booked from January."])
    done: bool = Field(False, description="This note marks the commitment kept.")


class OutcomeIn(Schema):
    outcome: str = Field(max_length=limits.TEXT, examples=["The hall opened on four Sundays."])


class ReviewIn(Schema):
    verdict: ReviewVerdict
    comment: str = Field("", max_length=limits.TEXT)


class AnswerCommitmentIn(Schema):
    what: str = Field(max_length=limits.COMMITMENT, examples=["A Thursday evening clinic"])
    due_on: dt.date = Field(examples=["2027-03-31"])


class AnswerIn(Schema):
    answer: AskAnswerKind
    reasons: str = Field(max_length=limits.LONG_TEXT, examples=["We can open one evening."])
    commitments: list[AnswerCommitmentIn] = Field(
        default_factory=list,
        max_length=limits.COMMITMENTS_MAX,
        description="Where you agree (wholly or in part): what the agency will do, by when.",
    )


class OverdueQuery(Schema):
    overdue: bool = Field(False, description="Only those past their date and not kept.")


def _commitment_out(commitment, today: dt.date) -> dict:
    return {
        "id": commitment.pk,
        "decision": commitment.proposal.number,
        "what": commitment.what,
        "owner_kind": commitment.owner_kind,
        "owner": follow_up_selectors.owner_label(commitment),
        "due_on": commitment.due_on,
        "done_at": commitment.done_at,
        "overdue": follow_up_selectors.is_overdue(commitment, today),
        "notes": [
            {
                "author": note.author.display_name,
                "body": note.body,
                "done": note.done,
                "created_at": note.created_at,
            }
            for note in commitment.notes.all()
        ],
    }


def _decision_out(proposal, title: str, follow, today: dt.date) -> dict:
    answer = follow.answer
    return {
        "number": proposal.number,
        "code": proposal.code,
        "kind": proposal.kind,
        "title": title,
        "decided_at": proposal.decided_at,
        "outcome": proposal.outcome,
        "review_on": proposal.review_on,
        "reviews": follow.reviews,
        "agency": proposal.agency.name if proposal.agency else None,
        "answer_due_on": proposal.answer_due_on,
        "answer": {
            "answer": answer.answer,
            "reasons": answer.reasons,
            "answered_by": answer.answered_by.display_name,
            "answered_at": answer.answered_at,
        }
        if answer
        else None,
        "waiting_days": follow.waiting_days,
        "commitments": [_commitment_out(c, today) for c in follow.commitments],
    }


def _decision(request, slug: str, number: int):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    proposal = follow_up_selectors.decision_get(community, request.user, number)
    return community, proposal


def _decision_detail(request, community, proposal) -> dict:
    today = follow_up_selectors.today_in(community)
    follow = follow_up_selectors.follow_up(proposal, request.user)
    title = proposals_selectors.current_version(proposal).title
    return _decision_out(proposal, title, follow, today)


@router.get("/{slug}/decisions", response={200: DecisionList, **READ_ERRORS}, summary="Decisions")
def decision_list(request, slug: Slug):
    """The community's adopted proposals, newest first (at most 50), with their commitments,
    result, review and, for an ask, the agency's answer or how long it has waited."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    today = follow_up_selectors.today_in(community)
    return {
        "items": [
            _decision_out(row.proposal, row.title, row.follow, today)
            for row in follow_up_selectors.decisions_of(community)
        ]
    }


@router.get(
    "/{slug}/decisions/{number}", response={200: DecisionOut, **READ_ERRORS}, summary="A decision"
)
def decision_detail(request, slug: Slug, number: DecisionNumber):
    """An adopted proposal and what follows it. 404 for a proposal not adopted."""
    community, proposal = _decision(request, slug, number)
    return _decision_detail(request, community, proposal)


@router.post(
    "/{slug}/decisions/{number}/outcome",
    response={200: DecisionOut, **WRITE_ERRORS},
    auth=COORDINATOR_AUTH,
    summary="Record what came of a decision (coordinators)",
)
def decision_outcome(request, slug: Slug, number: DecisionNumber, payload: OutcomeIn):
    """Write, or rewrite, the result; each version is in the audit."""
    community, proposal = _decision(request, slug, number)
    follow_up_services.decision_outcome_record(
        actor=request.user, proposal=proposal, outcome=payload.outcome
    )
    return _decision_detail(request, community, proposal)


@router.post(
    "/{slug}/decisions/{number}/review",
    response={200: DecisionOut, **WRITE_ERRORS},
    summary="Say whether a decision did what it meant to",
)
def decision_review(request, slug: Slug, number: DecisionNumber, payload: ReviewIn):
    """From the decision's review date; a second answer replaces the first. 409
    `review_not_open` before then."""
    community, proposal = _decision(request, slug, number)
    follow_up_services.review_give(
        actor=request.user, proposal=proposal, verdict=payload.verdict, comment=payload.comment
    )
    return _decision_detail(request, community, proposal)


@router.post(
    "/{slug}/decisions/{number}/answer",
    response={201: DecisionOut, **WRITE_ERRORS},
    summary="Answer an ask in public (the agency's staff)",
)
def ask_answer(request, slug: Slug, number: DecisionNumber, payload: AnswerIn):
    """Agree, agree in part (each with commitments) or decline (with none), with reasons; once.
    403 `not_agency_staff`; 409 `not_an_ask`, `already_answered`; 422 naming the field
    (`commitments.<i>.<field>` for a commitment's)."""
    community, proposal = _decision(request, slug, number)
    follow_up_services.ask_answer(
        actor=request.user,
        proposal=proposal,
        answer=payload.answer,
        reasons=payload.reasons,
        commitments=[c.dict() for c in payload.commitments],
    )
    return Status(201, _decision_detail(request, community, proposal))


@router.get(
    "/{slug}/commitments", response={200: CommitmentList, **READ_ERRORS}, summary="Commitments"
)
def commitment_list(request, slug: Slug, query: Query[OverdueQuery]):
    """Every commitment that follows the community's decisions, those not kept first by date."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    today = follow_up_selectors.today_in(community)
    rows = follow_up_selectors.commitments_of(community, overdue=query.overdue)
    return {"items": [_commitment_out(c, today) for c in rows]}


@router.post(
    "/{slug}/commitments",
    response={201: CommitmentOut, **WRITE_ERRORS},
    auth=COORDINATOR_AUTH,
    summary="Record a commitment (coordinators)",
)
def commitment_create(request, slug: Slug, payload: CommitmentIn):
    """A commitment that follows an adopted decision, with its owner and due date. 409
    `not_adopted`; 422 naming the field."""
    community = paths.community(request, slug)
    proposal = proposals_selectors.proposal_get(community, request.user, payload.decision)
    owner = paths.member_named(community, payload.owner_member, "owner_member")
    commitment = follow_up_services.commitment_add(
        actor=request.user,
        proposal=proposal,
        what=payload.what,
        owner_kind=payload.owner_kind,
        owner_member=owner.pk if owner is not None else None,
        owner_agency=payload.owner_agency,
        owner_name=payload.owner_name,
        due_on=payload.due_on,
    )
    found = follow_up_selectors.commitment_get(community, commitment.pk)
    return Status(201, _commitment_out(found, follow_up_selectors.today_in(community)))


@router.post(
    "/{slug}/commitments/{commitment_id}/notes",
    response={201: CommitmentOut, **WRITE_ERRORS},
    summary="Write progress on a commitment",
)
def commitment_note(request, slug: Slug, commitment_id: CommitmentId, payload: CommitmentNoteIn):
    """By its owner (the member, or the staff of its agency) or a coordinator; `done` marks it
    kept. 403 `not_the_owner`; 409 `already_done`."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    commitment = follow_up_selectors.commitment_get(community, commitment_id)
    follow_up_services.commitment_note(
        actor=request.user, commitment=commitment, body=payload.body, done=payload.done
    )
    found = follow_up_selectors.commitment_get(community, commitment_id)
    return Status(201, _commitment_out(found, follow_up_selectors.today_in(community)))
