"""Applications to join a community, and what coordinators do with them.

Anyone may apply (no sign-in needed); everything else here is for the community's coordinators."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities import selectors, services
from coproduce.communities.models import (
    ApplicationStatus,
    ContactChannel,
    ReferenceOutcome,
    ReferenceStatus,
)
from coproduce.core import limits

from .. import paths
from ..auth import COORDINATOR_AUTH, PUBLIC_AUTH, PUBLIC_SECURITY
from ..pagination import PageParams, key_datetime, key_int, keyset_page
from ..schemas import READ_ERRORS, WRITE_ERRORS, Email, ObjectId, OptionalEmail, Slug
from .members import CheckOut, check_out

router = Router(tags=["applications"])


class ApplicationIn(Schema):
    full_name: str = Field(min_length=1, max_length=limits.NAME)
    email: OptionalEmail = ""
    phone: str = Field("", max_length=limits.PHONE)
    neighbourhood: str = Field("", max_length=limits.SHORT_NAME)
    contact_preference: ContactChannel = ContactChannel.EMAIL
    about: str = Field("", max_length=limits.LONG_TEXT, description="About you and what you could give.")


class ApplicationReceiptOut(Schema):
    id: int
    community: str
    status: ApplicationStatus
    submitted_at: dt.datetime


class ApplicationOut(Schema):
    id: int
    status: ApplicationStatus
    full_name: str
    email: str
    phone: str
    neighbourhood: str
    contact_preference: str
    about: str
    submitted_at: dt.datetime
    interviewed_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_reason: str


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_cursor: str | None


class ApplicationListQuery(PageParams):
    status: ApplicationStatus | None = Field(None, description="Only applications with this status; all when left out.")


class NoteOut(Schema):
    id: int
    kind: str
    text: str
    author: str
    created_at: dt.datetime


class NoteIn(Schema):
    text: str = Field(min_length=1, max_length=limits.COORDINATOR_NOTE)
    interview: bool = Field(False, description="This note records the interview.")


class ReferenceOut(Schema):
    id: int
    referee_name: str
    referee_email: str
    relationship: str
    status: ReferenceStatus
    requested_at: dt.datetime
    expires_at: dt.datetime
    outcome: ReferenceOutcome | None
    answer: str
    answered_at: dt.datetime | None


class ReferenceIn(Schema):
    referee_name: str = Field(min_length=1, max_length=limits.NAME)
    referee_email: Email
    relationship: str = Field("", max_length=limits.LABEL)


class ApplicationDetailOut(ApplicationOut):
    member_code: str | None = Field(description="Once approved.")
    references_required: int
    references_supporting: int
    vetting_level: str
    references: list[ReferenceOut]
    notes: list[NoteOut]
    checks: list[CheckOut]


class ApproveIn(Schema):
    reason: str = Field("", max_length=limits.TEXT)


class DeclineIn(Schema):
    reason: str = Field(min_length=1, max_length=limits.TEXT, description="Required; kept with the application.")


def _application_out(application) -> dict:
    return {
        "id": application.pk, "status": application.status, "full_name": application.full_name,
        "email": application.email, "phone": application.phone, "neighbourhood": application.neighbourhood,
        "contact_preference": application.contact_preference, "about": application.about,
        "submitted_at": application.submitted_at, "interviewed_at": application.interviewed_at,
        "decided_at": application.decided_at, "decision_reason": application.decision_reason,
    }


def _note_out(note) -> dict:
    return {"id": note.pk, "kind": note.kind, "text": note.text, "author": note.author.display_name,
            "created_at": note.created_at}


def _reference_out(reference) -> dict:
    return {
        "id": reference.pk, "referee_name": reference.referee_name, "referee_email": reference.referee_email,
        "relationship": reference.relationship, "status": reference.status, "requested_at": reference.requested_at,
        "expires_at": reference.expires_at, "outcome": reference.outcome or None, "answer": reference.answer,
        "answered_at": reference.answered_at,
    }


def _detail_out(community, application_id: int) -> dict:
    review = selectors.application_review(community, application_id)
    application = review.application
    membership = application.membership
    return {
        **_application_out(application),
        "member_code": f"{community.member_prefix}-{membership.number:04d}" if membership else None,
        "references_required": review.references_required,
        "references_supporting": review.references_supporting,
        "vetting_level": review.vetting_label,
        "references": [_reference_out(r) for r in review.references],
        "notes": [_note_out(n) for n in review.notes],
        "checks": [check_out(c) for c in review.checks],
    }


@router.post(
    "/{slug}/applications", response={201: ApplicationReceiptOut, **WRITE_ERRORS}, auth=PUBLIC_AUTH,
    openapi_extra=PUBLIC_SECURITY, summary="Apply to join",
)
def application_submit(request, slug: Slug, payload: ApplicationIn):
    """No sign-in needed. Give an email address or a phone number. A coordinator signed in here
    applies on someone's behalf. 409 `duplicate_application` when one is already waiting."""
    community = paths.community_visible(request, slug)
    application = services.application_submit(
        actor=request.user, community=community, full_name=payload.full_name, email=payload.email,
        phone=payload.phone, neighbourhood=payload.neighbourhood, contact_preference=payload.contact_preference,
        about=payload.about,
    )
    return Status(201, {"id": application.pk, "community": community.slug, "status": application.status,
                        "submitted_at": application.submitted_at})


@router.get("/{slug}/applications", response={200: ApplicationPage, **READ_ERRORS}, summary="Applications (coordinators)")
def applications_list(request, slug: Slug, query: Query[ApplicationListQuery]):
    """Oldest first, so the longest-waiting come first."""
    community = paths.coordinated_community(request, slug)
    rows, next_cursor = keyset_page(
        selectors.applications_for(community, status=query.status), fields=("submitted_at", "id"),
        kinds=(key_datetime, key_int), cursor=query.cursor, limit=query.limit,
    )
    return {"items": [_application_out(a) for a in rows], "next_cursor": next_cursor}


@router.get(
    "/{slug}/applications/{application_id}", response={200: ApplicationDetailOut, **READ_ERRORS},
    summary="An application (coordinators)",
)
def application_detail(request, slug: Slug, application_id: ObjectId):
    """With references, notes and the applicant's checks."""
    community = paths.coordinated_community(request, slug)
    return _detail_out(community, application_id)


@router.post(
    "/{slug}/applications/{application_id}/notes", response={201: NoteOut, **WRITE_ERRORS},
    summary="Add a note (coordinators)", auth=COORDINATOR_AUTH,
)
def application_note(request, slug: Slug, application_id: ObjectId, payload: NoteIn):
    community = paths.coordinated_community(request, slug)
    note = services.application_note_add(
        actor=request.user, application=selectors.application_get(community, application_id), text=payload.text,
        interview=payload.interview,
    )
    return Status(201, _note_out(note))


@router.post(
    "/{slug}/applications/{application_id}/references", response={201: ReferenceOut, **WRITE_ERRORS},
    summary="Ask a referee (coordinators)", auth=COORDINATOR_AUTH,
)
def application_reference(request, slug: Slug, application_id: ObjectId, payload: ReferenceIn):
    """Emails the referee a private link. The link is never shown here or anywhere else."""
    community = paths.coordinated_community(request, slug)
    reference, _link_token = services.reference_request(
        actor=request.user, application=selectors.application_get(community, application_id),
        referee_name=payload.referee_name, referee_email=payload.referee_email, relationship=payload.relationship,
    )
    return Status(201, _reference_out(reference))


@router.post(
    "/{slug}/applications/{application_id}/approve", response={200: ApplicationDetailOut, **WRITE_ERRORS},
    summary="Approve (coordinators)", auth=COORDINATOR_AUTH,
)
def application_approve(request, slug: Slug, application_id: ObjectId, payload: ApproveIn):
    """The applicant becomes a member with the next member number. 409 `references_needed` until
    the community's rulebook is satisfied; 409 `already_decided` the second time."""
    community = paths.coordinated_community(request, slug)
    services.application_approve(
        actor=request.user, application=selectors.application_get(community, application_id), reason=payload.reason
    )
    return _detail_out(community, application_id)


@router.post(
    "/{slug}/applications/{application_id}/decline", response={200: ApplicationDetailOut, **WRITE_ERRORS},
    summary="Decline (coordinators)", auth=COORDINATOR_AUTH,
)
def application_decline(request, slug: Slug, application_id: ObjectId, payload: DeclineIn):
    community = paths.coordinated_community(request, slug)
    services.application_decline(
        actor=request.user, application=selectors.application_get(community, application_id), reason=payload.reason
    )
    return _detail_out(community, application_id)
