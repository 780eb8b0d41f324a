"""phase-1 compatibility: removed by the importer rewrite. Adding and removing pictures is
`exchanges/services/images.py`, reading them `exchanges/selectors/images.py`."""

from .models import MAX_LISTING_IMAGES
from .selectors.images import image_for, image_get, images_for, images_of
from .services.images import ALT_TEXT_MAX, MAX_UPLOAD_BYTES, listing_image_add, listing_image_remove

__all__ = [
    "ALT_TEXT_MAX", "MAX_LISTING_IMAGES", "MAX_UPLOAD_BYTES", "image_for", "image_get", "images_for", "images_of",
    "listing_image_add", "listing_image_remove",
]
