"""The hash chain per community: how a transfer's hash is made from the one before it and its
own fields and legs. The write path (services/postings.py) hashes each new transfer; the audit
(selectors/audit.py) recomputes every hash, so tampering with a stored row shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from ..models import Transfer

GENESIS_HASH = "0" * 64


def transfer_digest(
    prev_hash: str, fields: dict[str, Any], legs: list[tuple[int, int, bool]]
) -> str:
    body = json.dumps(
        {**fields, "legs": sorted(legs)}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def _utc(value: dt.datetime | None) -> str | None:
    # Stored times come back in UTC; hash them that way, whatever zone they were given in.
    return value.astimezone(dt.UTC).isoformat() if value else None


def chain_fields(transfer: Transfer) -> dict[str, Any]:
    return {
        "community": transfer.community_id,
        "sequence": transfer.sequence,
        "key": transfer.idempotency_key,
        "reason": transfer.reason,
        "status": transfer.status,
        "resolves": transfer.resolves_id,
        "reverses": transfer.reverses_id,
        "expires_at": _utc(transfer.expires_at),
        "memo": transfer.memo,
        "related": [transfer.related_type, transfer.related_id],
        "actor": transfer.actor_id,
        "on_behalf_of": transfer.on_behalf_of_id,
        "effective_at": _utc(transfer.effective_at),
        "created_at": _utc(transfer.created_at),
    }
