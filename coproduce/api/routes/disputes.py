"""Disputes about an exchange, a decision or a sanction: opening one, its private notes, a
coordinator assigning a mediator, the mediator recording an agreement or escalating it, and the
panel of coordinators not involved deciding it.

Members see the disputes they are a party to or mediate; coordinators see all of the
community's (their notes only when they sit on the panel). Others get 404. Settling a dispute
about an exchange moves hours only by posting the recorded hours or reversing posted ones, the
reason naming the dispute (`D-3: ...`). Opening a dispute about an exchange waiting for an answer
(here, or through `POST .../exchanges/{id}/dispute`) marks the exchange disputed: it is not
posted until the dispute is settled."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import Field

from coproduce.core import limits
from coproduce.exchanges import access as exchange_access
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.governance import access as governance_access
from coproduce.governance.models import DisputeNote, DisputeOutcome, DisputeStage, DisputeSubject
from coproduce.governance.selectors import disputes as disputes_selectors
from coproduce.governance.selectors import proposals as proposals_selectors
from coproduce.governance.services import disputes as disputes_services

from .. import paths
from ..schemas import MAX_ID, MAX_NUMBER, READ_ERRORS, WRITE_ERRORS, IdempotencyKey, MemberRef, Slug

router = Router(tags=["disputes"])

DisputeNumber = Annotated[
    int, Path(..., ge=1, le=MAX_NUMBER, description="The dispute's number: 3 for D-3.")
]


class DisputeSummary(Schema):
    number: int
    code: str = Field(examples=["D-3"])
    subject: DisputeSubject
    exchange: int | None = Field(description="The exchange's id, for a dispute about one.")
    proposal: str | None = Field(description="The decision's code, such as P-2.", examples=["P-2"])
    sanction: int | None = Field(
        description="The sanction's number (3 for S-3), for a dispute about one."
    )
    stage: DisputeStage
    opened_by: str
    parties: list[str] = Field(description="The parties' names as members see them.")
    mediator: str | None
    created_at: dt.datetime


class DisputeList(Schema):
    items: list[DisputeSummary]


class DisputeOut(DisputeSummary):
    summary: str = Field(description="What is wrong, as the opener put it.")
    outcome: DisputeOutcome | None = Field(description="What settling did to the hours.")
    outcome_text: str = Field(description="The agreement or the panel's decision, in words.")
    escalation_reason: str
    decided_by: str | None
    panel: list[str] = Field(description="The panel that decided, by name.")
    closed_at: dt.datetime | None
    notes_visible: bool = Field(description="Whether you may read and write its notes.")


class DisputeIn(Schema):
    subject: DisputeSubject
    summary: str = Field(max_length=limits.TEXT, examples=["The session was one hour, not three."])
    exchange: int | None = Field(None, ge=1, le=MAX_ID, description="For `exchange`: its id.")
    proposal: int | None = Field(
        None, ge=1, le=MAX_NUMBER, description="For `decision`: the proposal's number (2 for P-2)."
    )
    sanction: int | None = Field(
        None, ge=1, le=MAX_ID, description="For `sanction`: the sanction's number (3 for S-3)."
    )
    on_behalf_of: MemberRef | None = Field(
        None, description="Coordinators: the member in the exchange you open it for."
    )


class DisputeNoteIn(Schema):
    body: str = Field(
        max_length=limits.MESSAGE, examples=["We met on Tuesday and talked it through."]
    )


class DisputeNoteOut(Schema):
    id: int
    author: str
    body: str = Field(description="Plain text.")
    created_at: dt.datetime


class DisputeNoteList(Schema):
    items: list[DisputeNoteOut]


class DisputeMediatorIn(Schema):
    mediator: MemberRef = Field(
        description="The member number of a member with the mediator role who is not a party.",
        examples=["RIV-0007"],
    )


class DisputeAgreementIn(Schema):
    text: str = Field(
        max_length=limits.TEXT,
        examples=["Both agree it was one hour: the three recorded are cancelled and re-recorded."],
    )
    outcome: DisputeOutcome | None = Field(
        None,
        description="For an exchange: `confirm` or `cancel` waiting hours; `none` or `reverse` "
        "posted ones. Otherwise `none` (the default).",
        examples=["cancel"],
    )


class DisputeEscalateIn(Schema):
    reason: str = Field(max_length=limits.TEXT, examples=["We could not agree."])


class DisputePanelDecisionIn(DisputeAgreementIn):
    panel: list[MemberRef] = Field(
        default_factory=list,
        max_length=50,
        description="The panel's members (coordinators not involved); you are always on it.",
        examples=[["RIV-0001", "RIV-0004"]],
    )


def _summary(dispute) -> dict:
    return {
        "number": dispute.number,
        "code": dispute.code,
        "subject": dispute.subject,
        "exchange": dispute.exchange_id,
        "proposal": dispute.proposal.code if dispute.proposal else None,
        "sanction": dispute.sanction_ref,
        "stage": dispute.stage,
        "opened_by": dispute.opened_by.display_name,
        "parties": [p.person.display_name for p in dispute.parties.all()],
        "mediator": dispute.mediator.display_name if dispute.mediator else None,
        "created_at": dispute.created_at,
    }


def _detail(request, community, number: int) -> dict:
    view = disputes_selectors.dispute_detail(community, request.user, number)
    dispute = view.dispute
    return {
        **_summary(dispute),
        "summary": dispute.summary,
        "outcome": dispute.outcome or None,
        "outcome_text": dispute.outcome_text,
        "escalation_reason": dispute.escalation_reason,
        "decided_by": dispute.decided_by.display_name if dispute.decided_by else None,
        "panel": [p.display_name for p in view.panel_people],
        "closed_at": dispute.closed_at,
        "notes_visible": view.notes is not None,
    }


def _note_out(note: DisputeNote) -> dict:
    return {
        "id": note.pk,
        "author": note.author.display_name,
        "body": note.body,
        "created_at": note.created_at,
    }


def _dispute(request, slug: str, number: int):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community, disputes_selectors.dispute_get(community, request.user, number)


@router.get("/{slug}/disputes", response={200: DisputeList, **READ_ERRORS}, summary="Disputes")
def dispute_list(request, slug: Slug):
    """The disputes you are a party to or mediate, newest first (at most 50); a coordinator
    sees all of the community's."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return {"items": [_summary(d) for d in disputes_selectors.disputes_of(community, request.user)]}


@router.post(
    "/{slug}/disputes", response={201: DisputeOut, **WRITE_ERRORS}, summary="Open a dispute"
)
def dispute_open(request, slug: Slug, idempotency_key: IdempotencyKey, payload: DisputeIn):
    """Open a dispute about an exchange you are in (a waiting one is marked disputed and not
    posted), a decision (a proposal past its draft) or a sanction. 403 `not_a_participant`;
    409 `already_disputed` or the exchange's state (`already_confirmed`...); 422 naming the
    field for a missing or mismatched subject."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    exchange = None
    if payload.exchange:
        exchange = exchanges_selectors.exchange_get(community, payload.exchange)
        exchange_access.access_exchange(request.user, exchange)  # others: 404, not 403
    proposal = (
        proposals_selectors.proposal_get(community, request.user, payload.proposal)
        if payload.proposal
        else None
    )
    on_behalf_of = paths.member_named(community, payload.on_behalf_of, "on_behalf_of")
    dispute = disputes_services.dispute_open(
        actor=request.user,
        community=community,
        subject=payload.subject,
        summary=payload.summary,
        exchange=exchange,
        proposal=proposal,
        sanction_ref=payload.sanction,
        on_behalf_of=on_behalf_of if on_behalf_of != request.user else None,
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return Status(201, _detail(request, community, dispute.number))


@router.get(
    "/{slug}/disputes/{number}", response={200: DisputeOut, **READ_ERRORS}, summary="A dispute"
)
def dispute_detail(request, slug: Slug, number: DisputeNumber):
    """A dispute: its parties, stage, mediator and outcome (its notes are `.../notes`)."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return _detail(request, community, number)


@router.get(
    "/{slug}/disputes/{number}/notes",
    response={200: DisputeNoteList, **READ_ERRORS},
    summary="The dispute's private notes",
)
def note_list(request, slug: Slug, number: DisputeNumber):
    """Oldest first. For the parties, the mediator and, once escalated, the panel: 403
    `notes_private` for other coordinators."""
    _community, dispute = _dispute(request, slug, number)
    governance_access.access_dispute_notes(request.user, dispute)
    return {"items": [_note_out(n) for n in disputes_selectors.notes_of(dispute)]}


@router.post(
    "/{slug}/disputes/{number}/notes",
    response={201: DisputeNoteOut, **WRITE_ERRORS},
    summary="Add a note",
)
def note_create(request, slug: Slug, number: DisputeNumber, payload: DisputeNoteIn):
    """A note in the private thread. 403 `notes_private`; 409 `dispute_closed`."""
    _community, dispute = _dispute(request, slug, number)
    note = disputes_services.dispute_note_add(
        actor=request.user, dispute=dispute, body=payload.body
    )
    return Status(201, _note_out(note))


@router.post(
    "/{slug}/disputes/{number}/mediator",
    response={200: DisputeOut, **WRITE_ERRORS},
    summary="Assign the mediator (coordinators)",
)
def mediator_assign(request, slug: Slug, number: DisputeNumber, payload: DisputeMediatorIn):
    """A member holding the mediator role, never a party: 422 naming `mediator` otherwise
    (`mediator_is_party`, `not_a_mediator`). 403 `coordinators_only`, `involved`; 409
    `not_in_mediation` once escalated."""
    community, dispute = _dispute(request, slug, number)
    mediator = paths.member_named(community, payload.mediator, "mediator")
    disputes_services.dispute_mediator_assign(
        actor=request.user, dispute=dispute, mediator=mediator
    )
    return _detail(request, community, number)


@router.post(
    "/{slug}/disputes/{number}/agreement",
    response={200: DisputeOut, **WRITE_ERRORS},
    summary="Record the agreement (the mediator)",
)
def agreement_record(request, slug: Slug, number: DisputeNumber, payload: DisputeAgreementIn):
    """The parties' agreement, and for an exchange what happens to its hours. 403
    `mediator_only`; 409 `not_in_mediation`, `dispute_closed`, `limit_exceeded`; 422 `outcome`
    when it does not fit the hours' state."""
    community, dispute = _dispute(request, slug, number)
    disputes_services.dispute_agree(
        actor=request.user, dispute=dispute, outcome=payload.outcome, text=payload.text
    )
    return _detail(request, community, number)


@router.post(
    "/{slug}/disputes/{number}/escalate",
    response={200: DisputeOut, **WRITE_ERRORS},
    summary="Send it to a panel (the mediator or a party)",
)
def dispute_escalate(request, slug: Slug, number: DisputeNumber, payload: DisputeEscalateIn):
    """To a panel of the community's coordinators not involved. 403 `not_involved`; 409
    `not_in_mediation`, `no_panel`."""
    community, dispute = _dispute(request, slug, number)
    disputes_services.dispute_escalate(actor=request.user, dispute=dispute, reason=payload.reason)
    return _detail(request, community, number)


@router.post(
    "/{slug}/disputes/{number}/decision",
    response={200: DisputeOut, **WRITE_ERRORS},
    summary="Record the panel's decision (a coordinator on the panel)",
)
def panel_decide(request, slug: Slug, number: DisputeNumber, payload: DisputePanelDecisionIn):
    """The decision, the panel's members and, for an exchange, what happens to its hours. 403
    `not_on_panel`; 409 `not_escalated`, `dispute_closed`; 422 `panel` naming someone involved
    or not a coordinator, `outcome`."""
    community, dispute = _dispute(request, slug, number)
    panel = paths.members_named(community, payload.panel, "panel")
    disputes_services.dispute_decide(
        actor=request.user,
        dispute=dispute,
        outcome=payload.outcome,
        text=payload.text,
        panel=panel,
    )
    return _detail(request, community, number)
