"""A reference behind its emailed link."""

from __future__ import annotations

from coproduce.core.errors import NotFound
from coproduce.core.tokens import secret_hash

from ..models import Reference


def reference_by_token(token: str) -> Reference:
    try:
        return Reference.objects.select_related("application", "community").get(
            token_hash=secret_hash(token)
        )
    except Reference.DoesNotExist:
        raise NotFound(
            "This reference link is not valid. Please check the address in the email."
        ) from None
