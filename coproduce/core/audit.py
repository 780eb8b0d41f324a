"""Writing audit rows. Services call `audit_record` inside their transaction, so the audit row
exists exactly when the change does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .actors import Actor
from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed."""
    return {
        k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
    }


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    subject: models.Model,
    community_id: int | None = None,
    on_behalf_of: Actor | None = None,
    person_id: int | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    actor_id = getattr(actor, "pk", None)
    behalf_id = getattr(on_behalf_of, "pk", None)
    return AuditEvent.objects.create(
        actor_id=actor_id,
        on_behalf_of_id=behalf_id if behalf_id != actor_id else None,
        community_id=community_id,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        person_id=person_id,
        action=action,
        changes=_plain(changes or {}),
        note=note,
    )
