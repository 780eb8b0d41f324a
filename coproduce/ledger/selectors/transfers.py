"""Reads of transfers."""

from __future__ import annotations

from coproduce.core.errors import NotFound

from ..models import AnyCommunity, Transfer


def transfer_get(community: AnyCommunity, transfer_id: int) -> Transfer:
    try:
        return Transfer.objects.prefetch_related("postings__account").get(
            community=community, pk=transfer_id
        )
    except (Transfer.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such transfer.") from None


def transfer_detail(community: AnyCommunity, transfer_id: int) -> Transfer:
    """A transfer with its legs and accounts, who made it, and what reversed it (if anything).
    Raises NotFound."""
    try:
        return (
            Transfer.objects.select_related("actor", "on_behalf_of", "reversal")
            .prefetch_related("postings__account")
            .get(community=community, pk=transfer_id)
        )
    except (Transfer.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such transfer.") from None
