"""Pictures on listings: adding and removing them.

An upload is accepted only if Pillow decodes it as a JPEG, PNG or WebP: the file name and the
content type the browser sends are ignored. It is refused when the file is too large or the
picture has an absurd number of pixels (a small file that would unpack into gigabytes), then
turned upright by its EXIF orientation, copied into a fresh image (so no EXIF, GPS, XMP, ICC or
comment travels with it), resized to fit 1200 px with a 320 px thumbnail, and stored as a new
JPEG in the database (see docs/features/listings.md: a database backup is then a backup of every
picture, and pictures are served only to people who may see the listing)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from coproduce.communities import access as community_access
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from ..access import access_listing
from ..models import MAX_LISTING_IMAGES, Listing, ListingImage, ListingStatus
from .listings import _clean_text, _lock_listing

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# 40 megapixels: more than any phone camera, far less than a decompression bomb.
MAX_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 1200
THUMBNAIL_SIDE = 320
ALT_TEXT_MAX = limits.LINE
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
STORED_CONTENT_TYPE = "image/jpeg"
JPEG_QUALITY = 85


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"image": [message]})


def _read(upload: Any) -> bytes:
    """The uploaded bytes, reading at most one byte past the limit. Accepts a Django
    UploadedFile, a file-like object or bytes."""
    if upload is None:
        raise _refuse("Choose a picture to upload.", "image_required")
    if isinstance(upload, (bytes, bytearray)):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > MAX_UPLOAD_BYTES:
            raise _too_large()
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large()
    if not data:
        raise _refuse("The file is empty. Choose a JPEG, PNG or WebP picture.", "not_an_image")
    return data


def _too_large() -> ValidationFailed:
    return _refuse(
        f"The picture is too large: at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
        "image_too_large",
    )


@dataclass
class ProcessedImage:
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def process_image(raw: bytes) -> ProcessedImage:
    """Decode, check, straighten, strip, resize and re-encode. Raises ValidationFailed
    (`not_an_image`, `image_too_large`)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    not_image = _refuse(
        "This file is not a picture we can use. Upload a JPEG, PNG or WebP photo.", "not_an_image"
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice the limit raises) about decompression bombs; our own
            # limit below is lower, so the warning is noise here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=list(ACCEPTED_FORMATS)) as opened:
                width, height = opened.size
                if width < 1 or height < 1:
                    raise not_image
                if width * height > MAX_PIXELS:
                    raise _refuse(
                        f"The picture has too many pixels ({width} × {height}); make it smaller "
                        "and try again.",
                        "image_too_large",
                    )
                opened.load()  # a truncated or corrupt file fails here
                upright = ImageOps.exif_transpose(opened)
    except ValidationFailed:
        raise
    except Image.DecompressionBombError:
        raise _refuse(
            "The picture has far too many pixels; make it smaller and try again.", "image_too_large"
        ) from None
    except UnidentifiedImageError:
        raise not_image from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(
            "The picture could not be read: the file may be damaged or cut short.", "not_an_image"
        ) from None

    # A fresh image holds only pixels: nothing of the original's metadata can be carried over.
    rgb = _flatten(upright)
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    full = clean.copy()
    full.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE), Image.Resampling.LANCZOS)
    small = clean.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedImage(
        data=_jpeg(full), thumbnail=_jpeg(small), width=full.width, height=full.height
    )


def _flatten(image):
    """RGB pixels; transparent parts (PNG, WebP) go on white."""
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _check_may_change(actor: Actor, listing: Listing) -> None:
    community_access.access_community(actor, listing.community)
    community_access.access_not_suspended(actor, listing.community)
    access_listing(actor, listing)
    if listing.owner_id != actor.pk and not community_access.is_coordinator(
        actor, listing.community
    ):
        raise PermissionDenied(
            "Only the member who posted it and the coordinators can change its pictures.",
            code="not_owner",
        )


def _too_many() -> Conflict:
    message = f"A listing can have at most {MAX_LISTING_IMAGES} pictures. Remove one first."
    return Conflict(message, code="too_many_images", fields={"image": [message]})


def listing_image_add(
    *, actor: Actor, listing: Listing, upload: Any, alt_text: str = ""
) -> ListingImage:
    """The owner or a coordinator adds a picture to an active listing. Raises NotFound,
    PermissionDenied (`not_owner`), Conflict (`too_many_images`, `listing_closed` /
    `listing_expired`), ValidationFailed (`image_required`, `image_too_large`, `not_an_image`,
    alt text)."""
    _check_may_change(actor, listing)
    errors: dict[str, list[str]] = {}
    alt_text = _clean_text(errors, "alt_text", alt_text or "", maximum=ALT_TEXT_MAX, required=False)
    if errors:
        raise ValidationFailed("Please correct the description of the picture.", fields=errors)
    if ListingImage.objects.filter(listing_id=listing.pk).count() >= MAX_LISTING_IMAGES:
        raise _too_many()  # said before the slow part; checked again under the lock
    # Decoding and resizing take a while: done before the transaction, never inside it.
    processed = process_image(_read(upload))
    with transaction.atomic(durable=True):
        locked = _lock_listing(listing)
        if locked.status != ListingStatus.ACTIVE:
            raise Conflict(
                f"This listing is {locked.get_status_display().lower()}; pictures can no longer be "
                "added.",
                code=f"listing_{locked.status}",
            )
        existing = ListingImage.objects.filter(listing=locked)
        if existing.count() >= MAX_LISTING_IMAGES:
            raise _too_many()
        last = existing.aggregate(last=Max("position"))["last"]
        image = ListingImage.objects.create(
            listing=locked,
            position=0 if last is None else last + 1,
            content_type=STORED_CONTENT_TYPE,
            data=processed.data,
            thumbnail=processed.thumbnail,
            width=processed.width,
            height=processed.height,
            alt_text=alt_text,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            on_behalf_of=locked.owner,
            action="listing.image_add",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.owner_id,
            changes={"image": [None, image.pk], "alt_text": [None, alt_text]},
        )
    return image


def listing_image_remove(*, actor: Actor, image: ListingImage) -> None:
    """The owner or a coordinator removes a picture (from a listing of any status). Raises
    NotFound, PermissionDenied (`not_owner`)."""
    listing = Listing.objects.select_related("community").get(pk=image.listing_id)
    _check_may_change(actor, listing)
    with transaction.atomic(durable=True):
        locked = _lock_listing(listing)
        deleted, _ = ListingImage.objects.filter(pk=image.pk, listing=locked).delete()
        if not deleted:
            raise NotFound("No such picture.")
        audit_record(
            actor=actor,
            on_behalf_of=locked.owner,
            action="listing.image_remove",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.owner_id,
            changes={"image": [image.pk, None]},
        )
