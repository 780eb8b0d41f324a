"""Checks (ID seen, background check, training), which give a member their vetting level."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import NotFound, ValidationFailed

from ..models import Application, Check, CheckKind, CheckResult, Community, Membership, Person


def check_record(
    *,
    actor: Actor,
    community: Community,
    person: Person,
    kind: str,
    result: str,
    checked_on: dt.date,
    expires_on: dt.date | None = None,
    reference_number: str = "",
    note: str = "",
    on_behalf_of: Person | None = None,
) -> Check:
    """Record a check (ID seen, background check, training). A new check of a kind supersedes
    the older one. Raises ValidationFailed."""
    errors: dict[str, list[str]] = {}
    if kind not in CheckKind.values:
        errors["kind"] = ["Choose the kind of check."]
    if result not in CheckResult.values:
        errors["result"] = ["Choose the result."]
    today = timezone.localdate()
    if checked_on is None:
        errors["checked_on"] = ["Give the date of the check."]
    elif checked_on > today:
        errors["checked_on"] = ["The check date cannot be in the future."]
    if expires_on is not None and checked_on is not None and expires_on <= checked_on:
        errors["expires_on"] = ["The expiry date must be after the check date."]
    if errors:
        raise ValidationFailed("Please correct the check.", fields=errors)
    if not (
        Membership.objects.filter(community=community, person=person).exists()
        or Application.objects.filter(community=community, person=person).exists()
    ):
        raise NotFound("No such member or applicant.")
    with transaction.atomic(durable=True):
        check = Check.objects.create(
            community=community,
            person=person,
            kind=kind,
            result=result,
            checked_on=checked_on,
            expires_on=expires_on,
            reference_number=reference_number,
            note=note,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="check.record",
            subject=check,
            community_id=community.pk,
            person_id=person.pk,
            changes={
                "kind": [None, kind],
                "result": [None, result],
                "expires_on": [None, expires_on.isoformat() if expires_on else None],
            },
        )
    return check
