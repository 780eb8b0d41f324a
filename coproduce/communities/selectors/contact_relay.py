"""Messages waiting for a coordinator to pass on."""

from __future__ import annotations

from django.db.models import QuerySet

from coproduce.core.errors import NotFound

from ..models import Community, ContactRelay


def relays_waiting(community: Community) -> QuerySet[ContactRelay]:
    return ContactRelay.objects.filter(
        community=community, via="coordinator", passed_on_at__isnull=True
    ).select_related("sender", "recipient")


def relay_get(community: Community, relay_id: int) -> ContactRelay:
    try:
        return ContactRelay.objects.select_related("recipient").get(
            community=community, pk=relay_id
        )
    except ContactRelay.DoesNotExist:
        raise NotFound("No such message.") from None
