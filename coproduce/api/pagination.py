"""Keyset pagination: `?limit=&cursor=`; the cursor is opaque (the last row's key)."""

from __future__ import annotations

import base64
import json
from typing import Any

from coproduce.core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("The cursor is not valid; use the next_cursor from the last page.",
                               fields={"cursor": ["Not a valid cursor."]}) from None


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", fields={"limit": ["Out of range."]})
    return limit
