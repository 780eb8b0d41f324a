"""Pictures on listings, read without their bytes except where the bytes are served
(services/images.py adds and removes them)."""

from __future__ import annotations

from coproduce.core.errors import NotFound

from ..access import access_listing
from ..models import Listing, ListingImage

_WITHOUT_BYTES = ("data", "thumbnail")


def images_of(listing: Listing) -> list[ListingImage]:
    """A listing's pictures in order, without their bytes."""
    return list(
        ListingImage.objects.filter(listing=listing)
        .defer(*_WITHOUT_BYTES)
        .order_by("position", "id")
    )


def images_for(listing_ids) -> dict[int, list[ListingImage]]:
    """The pictures of many listings in one query (without their bytes), by listing id."""
    found: dict[int, list[ListingImage]] = {}
    ids = list(listing_ids)
    if not ids:
        return found
    for image in (
        ListingImage.objects.filter(listing_id__in=ids)
        .defer(*_WITHOUT_BYTES)
        .order_by("listing_id", "position", "id")
    ):
        found.setdefault(image.listing_id, []).append(image)
    return found


def image_get(listing: Listing, image_id: int) -> ListingImage:
    """One picture of a listing, without its bytes. Raises NotFound."""
    try:
        return ListingImage.objects.defer(*_WITHOUT_BYTES).get(pk=image_id, listing=listing)
    except (ListingImage.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such picture.") from None


def image_for(
    viewer, listing: Listing, image_id: int, *, thumbnail: bool = False
) -> tuple[bytes, str]:
    """The bytes and content type of a picture, for a viewer who may see the listing (the
    caller found the listing through `selectors.listing_get`, which checks that too). Raises
    NotFound."""
    access_listing(viewer, listing)
    field = "thumbnail" if thumbnail else "data"
    row = (
        ListingImage.objects.filter(pk=image_id, listing=listing)
        .values_list(field, "content_type")
        .first()
    )
    if row is None:
        raise NotFound("No such picture.")
    return bytes(row[0]), row[1]
