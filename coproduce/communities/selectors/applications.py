"""Applications: the coordinators' queue and review, and a held application behind its
confirmation link."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from coproduce.core.errors import NotFound
from coproduce.core.tokens import secret_hash

from ..models import (
    Application,
    ApplicationStatus,
    Check,
    Community,
    CoordinatorNote,
    Reference,
    ReferenceOutcome,
    ReferenceStatus,
    UnconfirmedApplication,
)
from .communities import rules_for
from .rules import VETTING_LEVELS
from .vetting import checks_for, vetting_level


def applications_for(
    community: Community, *, status: str | None = ApplicationStatus.PENDING
) -> QuerySet[Application]:
    qs = Application.objects.filter(community=community).select_related("person")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "id")


def application_get(community: Community, application_id: int) -> Application:
    try:
        return (
            Application.objects.select_related("person", "community", "decided_by", "membership")
            .prefetch_related("references", "notes__author")
            .get(community=community, pk=application_id)
        )
    except (Application.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such application.") from None


def unconfirmed_application_by_token(token: str) -> UnconfirmedApplication:
    """The held application behind an emailed confirmation link. Raises NotFound (unknown, or
    deleted after expiring)."""
    try:
        return UnconfirmedApplication.objects.select_related("community").get(
            token_hash=secret_hash(token)
        )
    except UnconfirmedApplication.DoesNotExist:
        raise NotFound(
            "This confirmation link is not valid, or it has expired. Please apply again."
        ) from None


def application_queue(
    community: Community, *, status: str = ApplicationStatus.PENDING
) -> list[Application]:
    """Applications with what a coordinator scans for: reference counts and the applicant's
    checks in this community (`person.community_checks`)."""
    qs = (
        Application.objects.filter(community=community, status=status)
        .select_related("person", "decided_by")
        .annotate(
            references_requested=Count(
                "references", filter=~Q(references__status=ReferenceStatus.CANCELLED)
            ),
            references_supporting=Count(
                "references",
                filter=Q(
                    references__status=ReferenceStatus.ANSWERED,
                    references__outcome=ReferenceOutcome.SUPPORTS,
                ),
            ),
        )
        .prefetch_related(
            Prefetch(
                "person__checks",
                queryset=Check.objects.filter(community=community).order_by(
                    "kind", "-checked_on", "-id"
                ),
                to_attr="community_checks",
            )
        )
    )
    if status == ApplicationStatus.PENDING:
        return list(qs.order_by("submitted_at", "id"))
    return list(qs.order_by("-decided_at", "-id"))


@dataclass
class ApplicationReview:
    application: Application
    references: list[Reference]
    notes: list[CoordinatorNote]
    checks: list[Check]
    vetting_label: str
    references_required: int
    references_supporting: int


def application_review(community: Community, application_id: int) -> ApplicationReview:
    """An application with everything a coordinator weighs before deciding. Raises NotFound."""
    application = application_get(community, application_id)
    references = list(application.references.all())
    level = vetting_level(community, application.person)
    return ApplicationReview(
        application=application,
        references=references,
        notes=list(application.notes.all()),
        checks=list(checks_for(community, application.person).order_by("-checked_on", "-id")),
        vetting_label=VETTING_LEVELS[level],
        references_required=rules_for(community)["references_required"],
        references_supporting=sum(
            1
            for r in references
            if r.status == ReferenceStatus.ANSWERED and r.outcome == ReferenceOutcome.SUPPORTS
        ),
    )
