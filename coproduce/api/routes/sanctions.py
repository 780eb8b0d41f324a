"""Graduated sanctions and their appeals.

Steps, lightest first: `reminder`, `warning`, `suspension`, `exclusion`, as the community's
rulebook allows (`sanction_highest_step`; with `sanction_steps_in_order` one step at a time).
Coordinators list every sanction and record new ones; a member lists and reads only their own
(anyone else's is 404). A suspended member still reads, messages a coordinator and appeals;
every other write answers 403 `suspended`.

An appeal (`POST .../appeals`) is made once per sanction, by the member sanctioned, within the
rulebook's `appeal_days` (the sanction's `appeal_until`); a second one, or one after the window,
is 422 naming the field `sanction`. The panel, the community's coordinators and stewards other
than whoever decided, records the outcome: `upheld`, `overturned`, or `changed` to a lighter
step (`changed_to`). Dates are UTC."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from coproduce.core import limits
from coproduce.governance import access as governance_access
from coproduce.governance.models import AppealOutcome, SanctionStatus, SanctionStep
from coproduce.governance.selectors import sanctions as sanctions_selectors
from coproduce.governance.services import sanctions as sanctions_services

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..schemas import MAX_NUMBER, READ_ERRORS, WRITE_ERRORS, MemberRef, Slug

router = Router(tags=["sanctions"])

SanctionNumber = Annotated[
    int, Path(..., ge=1, le=MAX_NUMBER, description="The sanction's number: 3 for S-3.")
]


class AppealOut(Schema):
    grounds: str = Field(description="Plain text, the member's own words.")
    created_at: dt.datetime
    outcome: AppealOutcome | None = Field(description="None while the panel has not decided.")
    changed_to: SanctionStep | None
    outcome_reason: str
    decided_by: str | None = Field(description="The panel member who recorded the outcome.")
    decided_at: dt.datetime | None


class SanctionOut(Schema):
    number: int
    code: str = Field(examples=["S-3"])
    member: str = Field(description="The member's number.", examples=["RIV-0042"])
    member_name: str
    step: SanctionStep
    rule_broken: str
    rule_key: str = Field(description="The rulebook rule, where one fits; empty otherwise.")
    reason: str
    decided_by: str
    created_at: dt.datetime
    appeal_until: dt.datetime
    appeal_days_left: int
    ends_at: dt.datetime | None = Field(description="When a suspension ends.")
    status: SanctionStatus
    ended_at: dt.datetime | None
    lift_reason: str
    appeal: AppealOut | None
    may_appeal: bool = Field(description="Whether you may appeal it now.")
    on_panel: bool = Field(description="Whether you sit on its appeal panel.")


class SanctionList(Schema):
    items: list[SanctionOut]


class SanctionIn(Schema):
    member: MemberRef = Field(description="The member's number.", examples=["RIV-0042", 42])
    step: SanctionStep = Field(examples=["warning"])
    rule_broken: str = Field(max_length=limits.LINE, examples=["Turn up when you said you would"])
    rule_key: str = Field(
        "",
        max_length=60,
        description="The rulebook rule broken, where one fits.",
        examples=["auto_confirm_days"],
    )
    reason: str = Field(
        max_length=limits.TEXT, examples=["Missed three sessions at the lunch club without a word."]
    )


class LiftIn(Schema):
    reason: str = Field(max_length=limits.TEXT, examples=["Apologised and made amends."])


class AppealIn(Schema):
    sanction: int = Field(ge=1, le=MAX_NUMBER, description="The sanction's number.", examples=[3])
    grounds: str = Field(
        max_length=limits.TEXT, examples=["I was in hospital and could not let anyone know."]
    )


class OutcomeIn(Schema):
    outcome: AppealOutcome = Field(examples=["changed"])
    changed_to: SanctionStep | None = Field(
        None, description="For `changed`: the lighter step.", examples=["reminder"]
    )
    reason: str = Field(max_length=limits.TEXT, examples=["The hospital letter explains it."])


class MineQuery(Schema):
    mine: bool = Field(False, description="Coordinators: only your own.")


def _out(request, sanction) -> dict:
    appeal = sanctions_selectors.appeal_of(sanction)
    mine = sanction.person_id == request.user.pk
    return {
        "number": sanction.number,
        "code": sanction.code,
        "member": sanction.membership.member_code,
        "member_name": sanction.person.display_name,
        "step": sanction.step,
        "rule_broken": sanction.rule_broken,
        "rule_key": sanction.rule_key,
        "reason": sanction.reason,
        "decided_by": sanction.decided_by.display_name,
        "created_at": sanction.created_at,
        "appeal_until": sanction.appeal_until,
        "appeal_days_left": sanctions_selectors.appeal_days_left(sanction),
        "ends_at": sanction.ends_at,
        "status": sanction.status,
        "ended_at": sanction.ended_at,
        "lift_reason": sanction.lift_reason,
        "appeal": None
        if appeal is None
        else {
            "grounds": appeal.grounds,
            "created_at": appeal.created_at,
            "outcome": appeal.outcome or None,
            "changed_to": appeal.changed_to or None,
            "outcome_reason": appeal.outcome_reason,
            "decided_by": appeal.decided_by.display_name if appeal.decided_by else None,
            "decided_at": appeal.decided_at,
        },
        "may_appeal": mine and appeal is None and sanctions_selectors.may_appeal(sanction),
        "on_panel": governance_access.on_appeal_panel(request.user, sanction),
    }


def _sanction(request, slug: str, number: int):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return sanctions_selectors.sanction_get(community, request.user, number)


@router.get("/{slug}/sanctions", response={200: SanctionList, **READ_ERRORS}, summary="Sanctions")
def sanction_list(request, slug: Slug, query: Query[MineQuery]):
    """Newest first (at most 100). Coordinators and stewards see every sanction of the
    community; a member sees only their own."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    rows = sanctions_selectors.sanctions_of(community, request.user, mine=query.mine)
    return {"items": [_out(request, s) for s in rows]}


@router.post(
    "/{slug}/sanctions",
    response={201: SanctionOut, **WRITE_ERRORS},
    summary="Record a sanction",
    auth=COORDINATOR_AUTH,
)
def sanction_create(request, slug: Slug, payload: SanctionIn):
    """Coordinators only. A suspension suspends the membership for the rulebook's
    `suspension_days`; an exclusion suspends it until the membership ends (after the appeal
    window, or an upheld appeal). 422 naming `member` (not a member, yourself) or `step` (one the
    rulebook does not allow, or skipping a step); 409 `already_suspended`."""
    community = paths.community(request, slug)
    sanction = sanctions_services.sanction_create(
        actor=request.user,
        community=community,
        member=payload.member,
        step=payload.step,
        rule_broken=payload.rule_broken,
        rule_key=payload.rule_key,
        reason=payload.reason,
    )
    return Status(
        201,
        _out(request, sanctions_selectors.sanction_get(community, request.user, sanction.number)),
    )


@router.get(
    "/{slug}/sanctions/{number}", response={200: SanctionOut, **READ_ERRORS}, summary="A sanction"
)
def sanction_detail(request, slug: Slug, number: SanctionNumber):
    """Your own sanction, or (coordinators and stewards) any of the community's, with its
    appeal."""
    return _out(request, _sanction(request, slug, number))


@router.post(
    "/{slug}/sanctions/{number}/lift",
    response={200: SanctionOut, **WRITE_ERRORS},
    summary="Lift a sanction",
    auth=COORDINATOR_AUTH,
)
def sanction_lift(request, slug: Slug, number: SanctionNumber, payload: LiftIn):
    """Coordinators only: end a sanction in force early (a suspension ends, an exclusion is not
    carried out). 409 `not_in_force`."""
    sanction = _sanction(request, slug, number)
    sanctions_services.sanction_lift(actor=request.user, sanction=sanction, reason=payload.reason)
    return _out(request, _sanction(request, slug, number))


@router.post(
    "/{slug}/appeals", response={201: SanctionOut, **WRITE_ERRORS}, summary="Appeal a sanction"
)
def appeal_create(request, slug: Slug, payload: AppealIn):
    """The member sanctioned appeals, once, within the window; the panel is told. 422 naming
    `sanction` for a second appeal or one after the window; 403 `not_your_sanction`."""
    sanction = _sanction(request, slug, payload.sanction)
    sanctions_services.appeal_make(actor=request.user, sanction=sanction, grounds=payload.grounds)
    return Status(201, _out(request, _sanction(request, slug, payload.sanction)))


@router.post(
    "/{slug}/appeals/{number}/outcome",
    response={200: SanctionOut, **WRITE_ERRORS},
    summary="Record an appeal's outcome (the panel)",
)
def appeal_outcome(request, slug: Slug, number: SanctionNumber, payload: OutcomeIn):
    """The appeal of sanction S-`number`: a panel member (a coordinator or steward who did not
    decide it) records `upheld`, `overturned` or `changed` (with `changed_to`, a lighter step).
    The member is told. 403 `not_on_panel`; 409 `no_appeal`, `already_decided`."""
    sanction = _sanction(request, slug, number)
    sanctions_services.appeal_decide(
        actor=request.user,
        sanction=sanction,
        outcome=payload.outcome,
        changed_to=payload.changed_to or "",
        reason=payload.reason,
    )
    return _out(request, _sanction(request, slug, number))
