"""Applications to join a community, and what coordinators do with them.

Anyone may apply (no sign-in needed); everything else here is for the community's coordinators."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from ninja import Query, Router, Schema, Status
from pydantic import Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from coproduce.communities.models import (
    ApplicationStatus,
    ContactChannel,
    ReferenceOutcome,
    ReferenceStatus,
)
from coproduce.communities.selectors import applications as applications_selectors
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import notes as notes_services
from coproduce.communities.services import references as references_services
from coproduce.core import limits
from coproduce.core.errors import ValidationFailed

from .. import paths
from ..auth import COORDINATOR_AUTH, PUBLIC_AUTH, PUBLIC_SECURITY
from ..pagination import PageParams, key_datetime, key_int, keyset_page
from ..schemas import READ_ERRORS, WRITE_ERRORS, Email, Error, ObjectId, OptionalEmail, Slug
from .members import CheckOut, check_out

router = Router(tags=["applications"])


class ApplicationIn(Schema):
    full_name: str = Field("", max_length=limits.NAME, description="Required.")
    email: OptionalEmail = ""
    phone: str = Field("", max_length=limits.PHONE)
    neighbourhood: str = Field("", max_length=limits.SHORT_NAME)
    address: str = Field(
        "",
        max_length=limits.ADDRESS,
        description="A postal address; required when contact is by post.",
    )
    contact_preference: ContactChannel = ContactChannel.EMAIL
    about: str = Field(
        "", max_length=limits.LONG_TEXT, description="About you and what you could give."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem_at_once(cls, data: Any, handler):
        """A body with shape errors also hears what the application as a whole lacks
        (`application_problems`), so every problem comes back in one 422."""
        try:
            return handler(data)
        except PydanticValidationError as exc:
            if not isinstance(data, dict):
                raise
            fields: dict[str, list[str]] = {}
            for error in exc.errors():
                name = ".".join(str(part) for part in error["loc"]) or "__all__"
                fields.setdefault(name, []).append(error["msg"])

            def given(name: str) -> str:
                value = data.get(name, "")
                return value if isinstance(value, str) else ""

            problems = applications_services.application_problems(
                full_name=given("full_name"),
                email=given("email"),
                phone=given("phone"),
                contact_preference=given("contact_preference") or ContactChannel.EMAIL,
                address=given("address"),
            )
            for name, notes in problems.items():
                fields.setdefault(name, notes)
            raise ValidationFailed("The request is not valid.", fields=fields) from None


class ApplicationReceiptOut(Schema):
    id: int | None = Field(
        description="Null while the application waits for its applicant to confirm the email "
        "address."
    )
    community: str
    status: Literal["unconfirmed"] | ApplicationStatus = Field(
        description="`unconfirmed` (202): a link has been emailed and the application reaches the "
        "coordinators when the applicant follows it; `pending` (201): recorded."
    )
    submitted_at: dt.datetime
    confirm_by: dt.datetime | None = Field(
        None, description="When the emailed link expires, while unconfirmed."
    )


class ApplicationOut(Schema):
    id: int
    status: ApplicationStatus
    full_name: str
    email: str
    phone: str
    neighbourhood: str
    address: str
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
    status: ApplicationStatus | None = Field(
        None, description="Only applications with this status; all when left out."
    )


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
    reason: str = Field(
        min_length=1, max_length=limits.TEXT, description="Required; kept with the application."
    )


def _application_out(application) -> dict:
    return {
        "id": application.pk,
        "status": application.status,
        "full_name": application.full_name,
        "email": application.email,
        "phone": application.phone,
        "neighbourhood": application.neighbourhood,
        "address": application.address,
        "contact_preference": application.contact_preference,
        "about": application.about,
        "submitted_at": application.submitted_at,
        "interviewed_at": application.interviewed_at,
        "decided_at": application.decided_at,
        "decision_reason": application.decision_reason,
    }


def _note_out(note) -> dict:
    return {
        "id": note.pk,
        "kind": note.kind,
        "text": note.text,
        "author": note.author.display_name,
        "created_at": note.created_at,
    }


def _reference_out(reference) -> dict:
    return {
        "id": reference.pk,
        "referee_name": reference.referee_name,
        "referee_email": reference.referee_email,
        "relationship": reference.relationship,
        "status": reference.status,
        "requested_at": reference.requested_at,
        "expires_at": reference.expires_at,
        "outcome": reference.outcome or None,
        "answer": reference.answer,
        "answered_at": reference.answered_at,
    }


def _detail_out(community, application_id: int) -> dict:
    review = applications_selectors.application_review(community, application_id)
    application = review.application
    membership = application.membership
    return {
        **_application_out(application),
        "member_code": member_refs_selectors.member_code(community, membership.number)
        if membership
        else None,
        "references_required": review.references_required,
        "references_supporting": review.references_supporting,
        "vetting_level": review.vetting_label,
        "references": [_reference_out(r) for r in review.references],
        "notes": [_note_out(n) for n in review.notes],
        "checks": [check_out(c) for c in review.checks],
    }


@router.post(
    "/{slug}/applications",
    response={201: ApplicationReceiptOut, 202: ApplicationReceiptOut, **WRITE_ERRORS, 429: Error},
    auth=PUBLIC_AUTH,
    openapi_extra=PUBLIC_SECURITY,
    summary="Apply to join",
)
def application_submit(request, slug: Slug, payload: ApplicationIn):
    """No sign-in needed. Give an email address or a phone number (and a postal address for
    contact by post); every problem with the body is reported in one 422.

    With an email address (other than a signed-in applicant's own) the answer is 202
    `unconfirmed`: a short message with a link goes to the address, and the application reaches
    the coordinators when the applicant follows it (within 24 hours). Without one, it is
    recorded at once (201). A coordinator signed in here applies on someone's behalf, at once and
    without limits. Everyone else is limited per client and per address: 429 `rate_limited`
    with `Retry-After`. 409 `duplicate_application` / `already_member` for a signed-in applicant
    or one without email."""
    community = paths.community_visible(request, slug)
    made = applications_services.application_request(
        actor=request.user,
        community=community,
        client=_client(request),
        full_name=payload.full_name,
        email=payload.email,
        phone=payload.phone,
        neighbourhood=payload.neighbourhood,
        address=payload.address,
        contact_preference=payload.contact_preference,
        about=payload.about,
    )
    if made.held is not None:
        held = made.held
        return Status(
            202,
            {
                "id": None,
                "community": community.slug,
                "status": "unconfirmed",
                "submitted_at": held.created_at,
                "confirm_by": held.expires_at,
            },
        )
    application = made.application
    assert application is not None  # noqa: S101 - recorded when not held
    return Status(
        201,
        {
            "id": application.pk,
            "community": community.slug,
            "status": application.status,
            "submitted_at": application.submitted_at,
        },
    )


def _client(request) -> str:
    """The caller's network address as allauth sees it (its proxy settings included), so these
    limits and the sign-in limits count the same clients."""
    try:
        return get_adapter().get_client_ip(request)
    except DjangoPermissionDenied:
        return ""


@router.get(
    "/{slug}/applications",
    response={200: ApplicationPage, **READ_ERRORS},
    summary="Applications (coordinators)",
)
def applications_list(request, slug: Slug, query: Query[ApplicationListQuery]):
    """Oldest first, so the longest-waiting come first."""
    community = paths.coordinated_community(request, slug)
    rows, next_cursor = keyset_page(
        applications_selectors.applications_for(community, status=query.status),
        fields=("submitted_at", "id"),
        kinds=(key_datetime, key_int),
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": [_application_out(a) for a in rows], "next_cursor": next_cursor}


@router.get(
    "/{slug}/applications/{application_id}",
    response={200: ApplicationDetailOut, **READ_ERRORS},
    summary="An application (coordinators)",
)
def application_detail(request, slug: Slug, application_id: ObjectId):
    """With references, notes and the applicant's checks."""
    community = paths.coordinated_community(request, slug)
    return _detail_out(community, application_id)


@router.post(
    "/{slug}/applications/{application_id}/notes",
    response={201: NoteOut, **WRITE_ERRORS},
    summary="Add a note (coordinators)",
    auth=COORDINATOR_AUTH,
)
def application_note(request, slug: Slug, application_id: ObjectId, payload: NoteIn):
    community = paths.coordinated_community(request, slug)
    note = notes_services.application_note_add(
        actor=request.user,
        application=applications_selectors.application_get(community, application_id),
        text=payload.text,
        interview=payload.interview,
    )
    return Status(201, _note_out(note))


@router.post(
    "/{slug}/applications/{application_id}/references",
    response={201: ReferenceOut, **WRITE_ERRORS},
    summary="Ask a referee (coordinators)",
    auth=COORDINATOR_AUTH,
)
def application_reference(request, slug: Slug, application_id: ObjectId, payload: ReferenceIn):
    """Emails the referee a private link. The link is never shown here or anywhere else."""
    community = paths.coordinated_community(request, slug)
    reference, _link_token = references_services.reference_request(
        actor=request.user,
        application=applications_selectors.application_get(community, application_id),
        referee_name=payload.referee_name,
        referee_email=payload.referee_email,
        relationship=payload.relationship,
    )
    return Status(201, _reference_out(reference))


@router.post(
    "/{slug}/applications/{application_id}/approve",
    response={200: ApplicationDetailOut, **WRITE_ERRORS},
    summary="Approve (coordinators)",
    auth=COORDINATOR_AUTH,
)
def application_approve(request, slug: Slug, application_id: ObjectId, payload: ApproveIn):
    """The applicant becomes a member with the next member number. 409 `references_needed` until
    the community's rulebook is satisfied; 409 `already_decided` the second time."""
    community = paths.coordinated_community(request, slug)
    applications_services.application_approve(
        actor=request.user,
        application=applications_selectors.application_get(community, application_id),
        reason=payload.reason,
    )
    return _detail_out(community, application_id)


@router.post(
    "/{slug}/applications/{application_id}/decline",
    response={200: ApplicationDetailOut, **WRITE_ERRORS},
    summary="Decline (coordinators)",
    auth=COORDINATOR_AUTH,
)
def application_decline(request, slug: Slug, application_id: ObjectId, payload: DeclineIn):
    community = paths.coordinated_community(request, slug)
    applications_services.application_decline(
        actor=request.user,
        application=applications_selectors.application_get(community, application_id),
        reason=payload.reason,
    )
    return _detail_out(community, application_id)
