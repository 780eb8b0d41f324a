"""Keyset pagination: `?limit=&cursor=` → `{"items": [...], "next_cursor": str | null}`.

The cursor is opaque to clients: the sort key of the last row of the page, base64-encoded JSON.
A page is found with `WHERE key > cursor ORDER BY key LIMIT n + 1`, so pages stay fast and
stable however deep a client walks, and rows added meanwhile are neither skipped nor repeated."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from ninja import Schema
from pydantic import Field

from coproduce.core import limits, pagination
from coproduce.core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = getattr(settings, "API_PAGE_SIZE_MAX", 200)
MAX_INT = 2**63 - 1


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    cursor: str | None = Field(
        None,
        max_length=limits.CURSOR,
        description="The `next_cursor` of the previous page; leave out for the first page.",
    )


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "The cursor is not valid; use the next_cursor from the last page.",
        fields={"cursor": ["Not a valid cursor."]},
    )


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise _bad_cursor() from None


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


# Converters from a cursor's JSON value back to a typed sort key; each raises on anything odd.


def key_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -MAX_INT <= value <= MAX_INT:
        raise ValueError
    return value


def key_str(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > 400:
        raise ValueError
    value.encode("utf-8")
    return value


def key_datetime(value: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(key_str(value))
    if timezone.is_naive(parsed):
        raise ValueError
    return parsed


def key_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(key_str(value))


def _dump(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def parse_key(cursor: str | None, kinds: Sequence[Callable[[Any], Any]]) -> list[Any] | None:
    """The typed sort key in a cursor, or None for the first page. Raises ValidationFailed."""
    if not cursor:
        return None
    raw = decode_cursor(cursor)
    if not isinstance(raw, list) or len(raw) != len(kinds):
        raise _bad_cursor()
    try:
        return [kind(value) for kind, value in zip(kinds, raw, strict=True)]
    except (ValueError, TypeError, UnicodeError):
        raise _bad_cursor() from None


def keyset_page(
    queryset: QuerySet,
    *,
    fields: Sequence[str],
    kinds: Sequence[Callable[[Any], Any]],
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of `queryset` ordered by `fields` (all ascending or all descending; the last
    field must be unique). Returns the rows and the cursor of the next page, or None."""
    after = parse_key(cursor, kinds)
    rows = pagination.rows_after(
        queryset, fields=fields, after=after, limit=limit + 1, descending=descending
    )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([_dump(_value(last, name)) for name in fields])


def _value(obj: Any, name: str) -> Any:
    for part in name.split("__"):
        obj = getattr(obj, part)
    return obj
