"""Client-supplied idempotency keys for writes that move hours.

`idempotent(scope, key, request, run)` runs `run()` once per (scope, key):
- same key, same request: the original result (or the original failure, raised again);
- same key, different request: Conflict;
- a failed attempt stays failed: its ApplicationError is stored and raised on every retry.
`run` is called inside the caller's transaction; the success record is written in the same
transaction, so a result and its record commit together or not at all."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from .errors import ApplicationError, Conflict, ValidationFailed
from .models import IdempotencyRecord

T = TypeVar("T")
KEY_MAX = 120


def request_hash(request: Any) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not key:
        raise ValidationFailed(
            "An idempotency key is required for writes that move hours.", code="idempotency_key_required",
            fields={"idempotency_key": ["Required."]},
        )
    if len(key) > KEY_MAX or not key.isprintable():
        raise ValidationFailed(
            f"The idempotency key must be at most {KEY_MAX} printable characters.",
            fields={"idempotency_key": ["Not a valid key."]},
        )
    return key


def _replay(record: IdempotencyRecord, digest: str, load: Callable[[dict], T]) -> T:
    if record.request_hash != digest:
        raise Conflict(
            "This idempotency key was already used for a different request.", code="idempotency_key_reused"
        )
    if record.outcome == IdempotencyRecord.Outcome.FAILED:
        error = record.result
        raised = ApplicationError(error["message"], code=error["code"], fields=error.get("fields") or {})
        raised.status = error.get("status", 409)
        raise raised
    return load(record.result)


def idempotent(
    *,
    scope: str,
    key: str,
    request: Any,
    run: Callable[[], tuple[T, dict]],
    load: Callable[[dict], T],
) -> T:
    """`run` returns (result, stored form); `load` rebuilds the result from the stored form.
    Must be called outside any transaction (it opens the durable one)."""
    key = check_key(key)
    digest = request_hash(request)
    existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if existing is not None:
        return _replay(existing, digest, load)
    try:
        with transaction.atomic(durable=True):
            result, stored = run()
            IdempotencyRecord.objects.create(
                scope=scope, key=key, request_hash=digest, outcome=IdempotencyRecord.Outcome.SUCCEEDED, result=stored
            )
        return result
    except IntegrityError:
        # Another request with the same key committed first (or a constraint failed in run);
        # answer as a replay when the key is now recorded.
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is not None:
            return _replay(existing, digest, load)
        raise
    except ApplicationError as error:
        try:
            with transaction.atomic(durable=True):
                IdempotencyRecord.objects.create(
                    scope=scope, key=key, request_hash=digest, outcome=IdempotencyRecord.Outcome.FAILED,
                    result={"code": error.code, "message": error.message, "fields": error.fields,
                            "status": error.status},
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is not None:
                return _replay(existing, digest, load)
        raise
