"""Client-supplied idempotency keys for writes that move hours.

`idempotent(scope, key, request, run)` runs `run()` once per (scope, key):
- same key, same request: the original result (or the original failure, raised again);
- same key, different request: Conflict;
- a failed attempt stays failed: its ApplicationError is stored and raised on every retry.
`run` is called inside the transaction `idempotent` opens; the success record is written in the
same transaction, so a result and its record commit together or not at all: a retry after the
process was killed at any point finds either nothing done (and does it) or the record (and
answers with the original result). Every write that moves hours goes through it (or `once`, for
services a web form also calls without a key).

The record is read and written with plain SQL: this runs around every transfer, and composing
the ORM queries cost more than running them (docs/benchmarks.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

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
            "An idempotency key is required for writes that move hours.",
            code="idempotency_key_required",
            fields={"idempotency_key": ["Required."]},
        )
    if len(key) > KEY_MAX or not key.isprintable():
        raise ValidationFailed(
            f"The idempotency key must be at most {KEY_MAX} printable characters.",
            fields={"idempotency_key": ["Not a valid key."]},
        )
    return key


class _Recorded(NamedTuple):
    request_hash: str
    outcome: str
    result: dict[str, Any]


def _recorded(scope: str, key: str) -> _Recorded | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT request_hash, outcome, result FROM core_idempotencyrecord WHERE scope = %s AND "
            '"key" = %s',
            [scope, key],
        )
        row = cursor.fetchone()
    # A JSONField comes back from a cursor as text on both databases.
    return None if row is None else _Recorded(row[0], row[1], json.loads(row[2]))


def _record(scope: str, key: str, digest: str, outcome: str, result: dict[str, Any]) -> None:
    """Insert the key's record; IntegrityError when another request recorded it first."""
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO core_idempotencyrecord (scope, "key", request_hash, outcome, result, '
            "created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [
                scope,
                key,
                digest,
                outcome,
                json.dumps(result),
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )


def _replay(record: _Recorded, digest: str, load: Callable[[dict[str, Any]], T]) -> T:
    if record.request_hash != digest:
        raise Conflict(
            "This idempotency key was already used for a different request.",
            code="idempotency_key_reused",
        )
    if record.outcome == IdempotencyRecord.Outcome.FAILED:
        error = record.result
        raised = ApplicationError(
            error["message"], code=error["code"], fields=error.get("fields") or {}
        )
        raised.status = error.get("status", 409)
        raise raised
    return load(record.result)


def idempotent(
    *,
    scope: str,
    key: str,
    request: Any,
    run: Callable[[], tuple[T, dict[str, Any]]],
    load: Callable[[dict[str, Any]], T],
) -> T:
    """`run` returns (result, stored form); `load` rebuilds the result from the stored form.
    Must be called outside any transaction (it opens the durable one)."""
    key = check_key(key)
    digest = request_hash(request)
    existing = _recorded(scope, key)
    if existing is not None:
        return _replay(existing, digest, load)
    try:
        with transaction.atomic(durable=True):
            result, stored = run()
            _record(scope, key, digest, IdempotencyRecord.Outcome.SUCCEEDED, stored)
        return result
    except IntegrityError:
        # Another request with the same key committed first (or a constraint failed in run);
        # answer as a replay when the key is now recorded.
        existing = _recorded(scope, key)
        if existing is not None:
            return _replay(existing, digest, load)
        raise
    except ApplicationError as error:
        try:
            with transaction.atomic(durable=True):
                _record(
                    scope,
                    key,
                    digest,
                    IdempotencyRecord.Outcome.FAILED,
                    {
                        "code": error.code,
                        "message": error.message,
                        "fields": error.fields,
                        "status": error.status,
                    },
                )
        except IntegrityError:
            existing = _recorded(scope, key)
            if existing is not None:
                return _replay(existing, digest, load)
        raise


def once(
    *,
    scope: str,
    key: str | None,
    request: Any,
    run: Callable[[], tuple[T, dict[str, Any]]],
    load: Callable[[dict[str, Any]], T],
) -> T:
    """A write that may come with a client's key: `idempotent` when it does; otherwise `run()`
    in a durable transaction of its own (a web form whose double submit is refused by the
    service itself, a periodic job). Either way the write and its key's record commit together,
    so a retry after a crash at any point answers as the first attempt did."""
    if key is None:
        with transaction.atomic(durable=True):
            return run()[0]
    return idempotent(scope=scope, key=key, request=request, run=run, load=load)
