"""What follows an adopted decision (issue 12, parts 5 and 6): its commitments, each with an
owner (a member, a group, a coordinator or an agency), a due date and progress notes; its
result; the members' review at the review date; and, for an ask to a public service, the
agency's public answer (agree, agree in part or decline, with reasons, and commitments where it
agrees). Every write is audited; bad input changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, ValidationFailed

from ..access import (
    access_answer_ask,
    access_follow_up,
    access_note_commitment,
    access_take_part,
)
from ..models import (
    AskAnswer,
    AskAnswerKind,
    Commitment,
    CommitmentNote,
    OwnerKind,
    Proposal,
    ProposalKind,
    ProposalStage,
    Review,
    ReviewVerdict,
)
from . import notices


def _text(errors: dict, name: str, value: Any, maximum: int, *, required: bool = True) -> str:
    if value is not None and not isinstance(value, str):
        errors[name] = ["Write this as text."]
        return ""
    text = (value or "").strip()
    if required and not text:
        errors[name] = ["Write something here."]
    elif len(text) > maximum:
        errors[name] = [f"Write at most {maximum} characters."]
    return text


def _adopted(proposal: Proposal) -> None:
    if proposal.stage != ProposalStage.ADOPTED:
        raise Conflict("Only an adopted proposal has commitments.", code="not_adopted")


def _date(errors: dict, name: str, value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        errors[name] = ["Give a date, like 2027-03-31."]
        return None
    return value


def _owner(errors: dict, proposal: Proposal, spec: dict[str, Any]) -> dict[str, Any]:
    """The owner fields of a commitment from {"owner_kind", "owner_member" (a person id),
    "owner_agency" (an agency id), "owner_name"}; errors name the field."""
    kind = spec.get("owner_kind")
    community = proposal.community
    if kind not in OwnerKind.values:
        errors["owner_kind"] = [f"Choose one of: {', '.join(OwnerKind.values)}."]
        return {}
    name = _text(errors, "owner_name", spec.get("owner_name"), 150, required=False)
    if kind == OwnerKind.GROUP:
        if not name:
            errors["owner_name"] = ["Name the group."]
        return {"owner_kind": kind, "owner_name": name}
    if kind == OwnerKind.AGENCY:
        agency_id = spec.get("owner_agency")
        agency = (
            agencies_selectors.agencies_of(community).filter(pk=agency_id).first()
            if isinstance(agency_id, int) and not isinstance(agency_id, bool)
            else None
        )
        if agency is None:
            errors["owner_agency"] = ["Choose one of the community's agencies."]
        return {"owner_kind": kind, "owner_agency": agency, "owner_name": name}
    person_id = spec.get("owner_member")
    found = (
        memberships_selectors.active_people(community, [person_id])
        if isinstance(person_id, int) and not isinstance(person_id, bool)
        else []
    )
    person = found[0] if found else None
    if person is None:
        errors["owner_member"] = ["Choose an active member of the community."]
    elif kind == OwnerKind.COORDINATOR and not community_access.is_coordinator(person, community):
        errors["owner_member"] = ["This member is not a coordinator."]
    return {"owner_kind": kind, "owner_person": person, "owner_name": name}


def _commitment_fields(errors: dict, proposal: Proposal, spec: dict[str, Any]) -> dict[str, Any]:
    fields = _owner(errors, proposal, spec)
    fields["what"] = _text(errors, "what", spec.get("what"), limits.COMMITMENT)
    due_on = _date(errors, "due_on", spec.get("due_on"))
    if due_on is not None and proposal.decided_at is not None:
        decided_on = communities_selectors.local_now(proposal.community, proposal.decided_at)
        if due_on < decided_on.date():
            errors["due_on"] = ["A commitment falls due on or after the day it was decided."]
    fields["due_on"] = due_on
    return fields


def _create(actor: Actor, proposal: Proposal, fields: dict[str, Any]) -> Commitment:
    commitment = Commitment.objects.create(proposal=proposal, created_by=actor, **fields)
    audit_record(
        actor=actor,
        action="commitment.add",
        subject=commitment,
        community_id=proposal.community_id,
        changes={
            "what": [None, commitment.what],
            "owner_kind": [None, commitment.owner_kind],
            "due_on": [None, commitment.due_on.isoformat()],
        },
    )
    return commitment


def commitment_add(*, actor: Actor, proposal: Proposal, **spec: Any) -> Commitment:
    """A coordinator records a commitment that follows an adopted decision: `what`, `due_on`
    and its owner (`owner_kind` and `owner_member`, `owner_agency` or `owner_name`). Raises
    NotFound, PermissionDenied (`coordinators_only`), Conflict (`not_adopted`),
    ValidationFailed naming the field."""
    access_follow_up(actor, proposal)
    _adopted(proposal)
    errors: dict[str, list[str]] = {}
    fields = _commitment_fields(errors, proposal, spec)
    if errors:
        raise ValidationFailed("Please correct the commitment.", fields=errors)
    with transaction.atomic(durable=True):
        commitment = _create(actor, proposal, fields)
        notices.commitment_made(commitment)
    return commitment


def commitment_note(
    *, actor: Actor, commitment: Commitment, body: str, done: bool = False
) -> CommitmentNote:
    """Progress on a commitment, by its owner or a coordinator; `done` marks it kept. Raises
    NotFound, PermissionDenied (`not_the_owner`), Conflict (`already_done`), ValidationFailed."""
    access_note_commitment(actor, commitment)
    errors: dict[str, list[str]] = {}
    body = _text(errors, "body", body, limits.TEXT)
    if errors:
        raise ValidationFailed("Please correct the note.", fields=errors)
    with transaction.atomic(durable=True):
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if done and locked.done_at is not None:
            raise Conflict("This commitment is marked done already.", code="already_done")
        note = CommitmentNote.objects.create(
            commitment=locked, author=actor, body=body, done=bool(done)
        )
        changes: dict[str, list[Any]] = {}
        if done:
            locked.done_at = timezone.now()
            locked.save(update_fields=["done_at"])
            changes["done_at"] = [None, locked.done_at.isoformat()]
        audit_record(
            actor=actor,
            action="commitment.note",
            subject=locked,
            community_id=locked.proposal.community_id,
            changes=changes,
        )
    commitment.done_at = locked.done_at
    return note


def decision_outcome_record(*, actor: Actor, proposal: Proposal, outcome: str) -> Proposal:
    """A coordinator writes what came of an adopted decision (and may rewrite it: each version
    is in the audit). Raises NotFound, PermissionDenied, Conflict (`not_adopted`),
    ValidationFailed."""
    access_follow_up(actor, proposal)
    _adopted(proposal)
    errors: dict[str, list[str]] = {}
    outcome = _text(errors, "outcome", outcome, limits.TEXT)
    if errors:
        raise ValidationFailed("Please correct the result.", fields=errors)
    with transaction.atomic(durable=True):
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        before = locked.outcome
        locked.outcome, locked.outcome_by, locked.outcome_at = outcome, actor, timezone.now()
        locked.save(update_fields=["outcome", "outcome_by", "outcome_at"])
        audit_record(
            actor=actor,
            action="decision.outcome",
            subject=locked,
            community_id=locked.community_id,
            changes={"outcome": [before or None, outcome]},
        )
    proposal.outcome, proposal.outcome_by, proposal.outcome_at = (
        locked.outcome,
        locked.outcome_by,
        locked.outcome_at,
    )
    return proposal


def review_open(proposal: Proposal, today: dt.date | None = None) -> bool:
    """Whether members are being asked, now, whether the decision did what it meant to."""
    if proposal.stage != ProposalStage.ADOPTED or proposal.review_on is None:
        return False
    today = today or communities_selectors.local_today(proposal.community)
    return proposal.review_on <= today


def review_give(*, actor: Actor, proposal: Proposal, verdict: str, comment: str = "") -> Review:
    """A member says whether an adopted decision did what it meant to, once its review date has
    come; a second answer replaces the first. Raises NotFound, PermissionDenied, Conflict
    (`review_not_open`), ValidationFailed."""
    access_take_part(actor, proposal)
    errors: dict[str, list[str]] = {}
    if verdict not in ReviewVerdict.values:
        errors["verdict"] = [f"Choose one of: {', '.join(ReviewVerdict.values)}."]
    comment = _text(errors, "comment", comment, limits.TEXT, required=False)
    if errors:
        raise ValidationFailed("Please correct the review.", fields=errors)
    if not review_open(proposal):
        raise Conflict(
            "Members are asked about a decision from its review date.", code="review_not_open"
        )
    with transaction.atomic(durable=True):
        review, created = Review.objects.update_or_create(
            proposal=proposal,
            person=actor,
            defaults={"verdict": verdict, "comment": comment},
        )
        audit_record(
            actor=actor,
            action="decision.review",
            subject=proposal,
            community_id=proposal.community_id,
            changes={"verdict": [None, verdict]} if created else {"verdict": ["changed", verdict]},
        )
    return review


def ask_answer(
    *,
    actor: Actor,
    proposal: Proposal,
    answer: str,
    reasons: str,
    commitments: list[dict[str, Any]] | None = None,
) -> AskAnswer:
    """The agency an adopted ask is addressed to answers it in public, once: agree, agree in part
    (each with at least one commitment the agency owns: `what`, `due_on`) or decline (with
    none), with reasons. Raises NotFound, PermissionDenied (`not_agency_staff`), Conflict
    (`not_adopted`, `already_answered`), ValidationFailed naming the field
    (`commitments.<i>.<field>` for a commitment's)."""
    access_answer_ask(actor, proposal)
    if proposal.kind != ProposalKind.ASK:
        raise Conflict("Only an ask is answered by an agency.", code="not_an_ask")
    _adopted(proposal)
    errors: dict[str, list[str]] = {}
    if answer not in AskAnswerKind.values:
        errors["answer"] = [f"Choose one of: {', '.join(AskAnswerKind.values)}."]
    reasons = _text(errors, "reasons", reasons, limits.LONG_TEXT)
    specs = commitments or []
    if not isinstance(specs, list) or len(specs) > limits.COMMITMENTS_MAX:
        errors["commitments"] = [f"Give at most {limits.COMMITMENTS_MAX} commitments."]
        specs = []
    if answer == AskAnswerKind.DECLINE and specs:
        errors["commitments"] = ["A declined ask carries no commitments."]
    elif answer in (AskAnswerKind.AGREE, AskAnswerKind.AGREE_IN_PART) and not specs:
        errors["commitments"] = ["Say what the agency commits to, with a date for each."]
    assert proposal.agency is not None  # an ask always names its agency
    rows = []
    for index, spec in enumerate(specs):
        row_errors: dict[str, list[str]] = {}
        raw = spec if isinstance(spec, dict) else {}
        fields = _commitment_fields(
            row_errors,
            proposal,
            {**raw, "owner_kind": OwnerKind.AGENCY, "owner_agency": proposal.agency.pk},
        )
        for name, messages in row_errors.items():
            errors[f"commitments.{index}.{name}"] = messages
        rows.append(fields)
    if errors:
        raise ValidationFailed("Please correct the answer.", fields=errors)
    with transaction.atomic(durable=True):
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if AskAnswer.objects.filter(proposal=locked).exists():
            raise Conflict("This ask has been answered already.", code="already_answered")
        record = AskAnswer.objects.create(
            proposal=locked, answer=answer, reasons=reasons, answered_by=actor
        )
        audit_record(
            actor=actor,
            action="ask.answer",
            subject=locked,
            community_id=locked.community_id,
            changes={"answer": [None, answer]},
            note=reasons,
        )
        for fields in rows:
            _create(actor, locked, fields)
        notices.ask_answered(locked, record)
    return record
