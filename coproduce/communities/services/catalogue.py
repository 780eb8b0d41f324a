"""A community's catalogue (its categories, which exchanges keeps, and its neighbourhoods)
changed: renew its stamp, so that every process reads the lists again
(`Community.catalogue_stamp`; exchanges.selectors.listings.categories_kept)."""

from __future__ import annotations

from ..models import Community


def catalogue_row_changed(row) -> None:
    """After a Neighbourhood or a Category is saved or deleted (their save() and delete() call
    this; a bulk write calls `Community.catalogue_changed` itself). A default category (no
    community) renews every community's stamp."""
    field = type(row)._meta.get_field("community")
    loaded = row.community if field.is_cached(row) else None
    Community.catalogue_changed(row.community_id, loaded)
