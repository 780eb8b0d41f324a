"""References for an application: a referee asked by email, and their answer through
the link."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.tokens import new_secret, secret_hash

from ..models import Application, Reference, ReferenceOutcome, ReferenceStatus
from .applications import _pending
from .common import _send_after_commit

REFERENCE_LINK_DAYS = 14


def reference_request(
    *,
    actor: Actor,
    application: Application,
    referee_name: str,
    referee_email: str,
    relationship: str = "",
) -> tuple[Reference, str]:
    """Ask a referee by email. Returns the reference and the secret link token (sent by email,
    shown nowhere else). Raises ValidationFailed, Conflict (application decided)."""
    referee_name = (referee_name or "").strip()
    referee_email = (referee_email or "").strip().lower()
    errors = {}
    if not referee_name:
        errors["referee_name"] = ["Give the referee's name."]
    if not referee_email or "@" not in referee_email:
        errors["referee_email"] = ["Give the referee's email address."]
    if errors:
        raise ValidationFailed("Please correct the referee's details.", fields=errors)
    token = new_secret()
    with transaction.atomic(durable=True):
        _pending(application)
        reference = Reference.objects.create(
            community=application.community,
            application=application,
            referee_name=referee_name,
            referee_email=referee_email,
            relationship=relationship,
            token_hash=secret_hash(token),
            requested_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=REFERENCE_LINK_DAYS),
        )
        audit_record(
            actor=actor,
            action="reference.request",
            subject=reference,
            community_id=application.community_id,
            person_id=application.person_id,
            changes={"status": [None, ReferenceStatus.REQUESTED]},
        )
    link = settings.SITE_URL + reverse("web:reference_answer", args=[token])
    _send_after_commit(
        f"A reference for {application.full_name}",
        f"Dear {referee_name},\n\n{application.full_name} has applied to join "
        f"{application.community.name}, a community time bank, and named you as a referee. Please "
        f"answer a few short questions here:\n\n{link}\n\nThe link works for {REFERENCE_LINK_DAYS} "
        "days.\n",
        [referee_email],
    )
    return reference, token


def reference_answer(*, token: str, outcome: str, answer: str) -> Reference:
    """The referee's answer, through the emailed link. Raises NotFound (unknown link),
    Conflict (expired, already answered, cancelled), ValidationFailed."""
    if outcome not in ReferenceOutcome.values:
        raise ValidationFailed(
            "Choose whether you support the application.", fields={"outcome": ["Choose one."]}
        )
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(
            "Please tell us a little about how you know the applicant.",
            fields={"answer": ["Required."]},
        )
    with transaction.atomic(durable=True):
        try:
            reference = Reference.objects.select_for_update().get(token_hash=secret_hash(token))
        except Reference.DoesNotExist:
            raise NotFound(
                "This reference link is not valid. Please check the address in the email."
            ) from None
        if reference.status == ReferenceStatus.ANSWERED:
            raise Conflict(
                "This reference has already been given. Thank you.", code="already_answered"
            )
        if reference.status == ReferenceStatus.CANCELLED:
            raise Conflict("This reference is no longer needed.", code="cancelled")
        if reference.is_expired():
            raise Conflict(
                "This reference link has expired. Please ask the coordinator for a new one.",
                code="link_expired",
            )
        reference.status = ReferenceStatus.ANSWERED
        reference.outcome = outcome
        reference.answer = answer
        reference.answered_at = timezone.now()
        reference.save(update_fields=["status", "outcome", "answer", "answered_at"])
        audit_record(
            actor=None,
            action="reference.answer",
            subject=reference,
            community_id=reference.community_id,
            person_id=reference.application.person_id,
            changes={
                "status": [ReferenceStatus.REQUESTED, ReferenceStatus.ANSWERED],
                "outcome": [None, outcome],
            },
        )
    return reference
