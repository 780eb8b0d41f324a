"""A community's named neighbourhoods."""

from __future__ import annotations

import functools

from django.db.models import Q
from django.utils.text import slugify

from coproduce.core.errors import NotFound

from ..models import Community, Neighbourhood


def neighbourhoods_of(community: Community | int) -> list[Neighbourhood]:
    """The community's (or the community id's) named neighbourhoods with their rough centres,
    by name."""
    return list(Neighbourhood.objects.filter(community=community).order_by("name", "id"))


def neighbourhoods_kept(community: Community) -> tuple[Neighbourhood, ...]:
    """`neighbourhoods_of`, kept in this process's memory under the community's catalogue stamp
    (renewed by every change to a neighbourhood), as `exchanges.selectors.listings.
    categories_kept` keeps the categories. Read only."""
    return _neighbourhoods_kept(community.pk, community.catalogue_stamp)


@functools.lru_cache(maxsize=512)
def _neighbourhoods_kept(community_id: int, stamp: str) -> tuple[Neighbourhood, ...]:
    return tuple(neighbourhoods_of(community_id))


def neighbourhood_get(community: Community, neighbourhood_id: int) -> Neighbourhood:
    try:
        return Neighbourhood.objects.get(pk=neighbourhood_id, community=community)
    except (Neighbourhood.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such neighbourhood.") from None


def neighbourhood_named(community: Community, text: str) -> Neighbourhood | None:
    """The neighbourhood of this community that `text` names: its slug, or its name in any case
    (so "St Anne's", "st anne's" and "st-annes" all find St Anne's). None if none does."""
    text = (text or "").strip()
    if not text:
        return None
    return (
        Neighbourhood.objects.filter(community=community)
        .filter(Q(slug=text.lower()) | Q(slug=slugify(text)) | Q(name__iexact=text))
        .order_by("id")
        .first()
    )
