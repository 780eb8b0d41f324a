"""Pictures on listings: what is accepted, what is stripped, and who may add and remove them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import MAX_LISTING_IMAGES, ListingImage
from coproduce.exchanges.selectors import images as images_selectors
from coproduce.exchanges.services import images as images_services
from coproduce.exchanges.services import listings as listings_services

from .images import decoded, gps_exif, picture


def post(community, actor, **values):
    values.setdefault("kind", "offer")
    values.setdefault("title", "Help with the garden")
    values.setdefault("category", "gardening")
    return listings_services.listing_create(actor=actor, community=community, **values)


def upload(
    data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_it_accepts_jpeg_png_and_webp_and_stores_a_jpeg(community, member, fmt):
    listing = post(community, member)
    image = images_services.listing_image_add(
        actor=member,
        listing=listing,
        upload=upload(picture(fmt), "x.bin", ""),
        alt_text="A tidy front garden",
    )
    stored = ListingImage.objects.get()
    assert stored.pk == image.pk and stored.content_type == "image/jpeg"
    assert (
        decoded(bytes(stored.data)).format == "JPEG"
        and decoded(bytes(stored.thumbnail)).format == "JPEG"
    )
    assert (stored.width, stored.height) == (400, 300) and stored.alt_text == "A tidy front garden"
    assert stored.uploaded_by == member
    event = AuditEvent.objects.get(action="listing.image_add")
    assert event.actor_id == member.pk and event.changes["image"] == [None, image.pk]


def test_it_strips_exif_gps_and_turns_the_picture_upright(community, member):
    listing = post(community, member)
    original = picture(
        "JPEG", (400, 200), exif=gps_exif(orientation=6), comment=b"taken at 1 River Row"
    )
    assert decoded(original).getexif().get_ifd(0x8825)  # the test picture does carry a location
    images_services.listing_image_add(actor=member, listing=listing, upload=upload(original))
    stored = ListingImage.objects.get()
    for data in (bytes(stored.data), bytes(stored.thumbnail)):
        result = decoded(data)
        assert dict(result.getexif()) == {}
        assert (
            "exif" not in result.info
            and "comment" not in result.info
            and "icc_profile" not in result.info
        )
        assert b"PhoneCo" not in data and b"River Row" not in data
    # Orientation 6 means "turn 90° clockwise": the stored picture is upright, so taller than wide.
    assert (stored.width, stored.height) == (200, 400)


def test_it_resizes_to_fit_1200_and_makes_a_320_thumbnail(community, member):
    listing = post(community, member)
    images_services.listing_image_add(
        actor=member, listing=listing, upload=upload(picture("PNG", (3000, 1500)))
    )
    stored = ListingImage.objects.get()
    assert (stored.width, stored.height) == (1200, 600)
    assert decoded(bytes(stored.data)).size == (1200, 600)
    assert decoded(bytes(stored.thumbnail)).size == (320, 160)


def test_it_puts_transparent_parts_on_white(community, member):
    listing = post(community, member)
    images_services.listing_image_add(
        actor=member,
        listing=listing,
        upload=upload(picture("PNG", (50, 50), (0, 0, 0, 0), mode="RGBA")),
    )
    assert decoded(bytes(ListingImage.objects.get().data)).convert("RGB").getpixel((25, 25)) >= (
        250,
        250,
        250,
    )


def _refused(community, member, data, code, *, name="photo.jpg"):
    listing = post(community, member)
    with pytest.raises(ValidationFailed) as refused:
        images_services.listing_image_add(actor=member, listing=listing, upload=upload(data, name))
    assert refused.value.code == code and refused.value.fields["image"]
    assert not ListingImage.objects.exists()
    assert not AuditEvent.objects.filter(action="listing.image_add").exists()
    return refused.value


def test_it_refuses_a_file_over_the_size_limit(community, member):
    big = picture("PNG", (10, 10)) + b"\0" * images_services.MAX_UPLOAD_BYTES
    error = _refused(community, member, big, "image_too_large")
    assert "5 MB" in error.message


def test_it_refuses_a_text_file_renamed_jpg(community, member):
    error = _refused(
        community, member, b"Just some notes, not a photo.\n" * 20, "not_an_image", name="notes.jpg"
    )
    assert "JPEG, PNG or WebP" in error.message


def test_it_refuses_a_truncated_picture(community, member):
    whole = picture("JPEG", (800, 600))
    error = _refused(community, member, whole[: len(whole) // 2], "not_an_image")
    assert "damaged or cut short" in error.message


def test_it_refuses_other_formats_even_if_they_are_pictures(community, member):
    _refused(community, member, picture("GIF", (40, 40), mode="P", colour=1), "not_an_image")
    _refused(community, member, picture("BMP", (40, 40)), "not_an_image")


def test_it_refuses_a_decompression_bomb(community, member):
    # A small file that unpacks into 10,000 × 5,000 pixels, over the 40-megapixel limit.
    bomb = picture("PNG", (10_000, 5_000), mode="1", colour=0, optimize=True)
    assert len(bomb) < images_services.MAX_UPLOAD_BYTES
    error = _refused(community, member, bomb, "image_too_large")
    assert "pixels" in error.message


def test_it_refuses_an_empty_or_missing_file(community, member):
    _refused(community, member, b"", "not_an_image")
    listing = post(community, member)
    with pytest.raises(ValidationFailed) as refused:
        images_services.listing_image_add(actor=member, listing=listing, upload=None)
    assert refused.value.code == "image_required"


def test_it_refuses_a_fourth_picture(community, member):
    listing = post(community, member)
    for _ in range(MAX_LISTING_IMAGES):
        images_services.listing_image_add(actor=member, listing=listing, upload=upload(picture()))
    with pytest.raises(Conflict) as refused:
        images_services.listing_image_add(actor=member, listing=listing, upload=upload(picture()))
    assert refused.value.code == "too_many_images" and "at most 3" in refused.value.message
    assert ListingImage.objects.count() == MAX_LISTING_IMAGES
    assert list(ListingImage.objects.order_by("id").values_list("position", flat=True)) == [0, 1, 2]


def test_it_lets_only_the_owner_and_coordinators_add_and_remove(
    community, member, agency_staff, coordinator, outsider, other_member
):
    listing = post(community, member)
    with pytest.raises(PermissionDenied) as refused:
        images_services.listing_image_add(
            actor=agency_staff, listing=listing, upload=upload(picture())
        )
    assert refused.value.code == "not_owner"
    for stranger in (outsider, other_member):
        with pytest.raises(NotFound):
            images_services.listing_image_add(
                actor=stranger, listing=listing, upload=upload(picture())
            )
    assert not ListingImage.objects.exists()
    image = images_services.listing_image_add(
        actor=coordinator, listing=listing, upload=upload(picture())
    )
    event = AuditEvent.objects.get(action="listing.image_add")
    assert event.actor_id == coordinator.pk and event.on_behalf_of_id == member.pk
    with pytest.raises(PermissionDenied):
        images_services.listing_image_remove(actor=agency_staff, image=image)
    assert ListingImage.objects.count() == 1
    images_services.listing_image_remove(actor=member, image=image)
    assert not ListingImage.objects.exists()
    assert AuditEvent.objects.filter(action="listing.image_remove", actor_id=member.pk).count() == 1


def test_it_refuses_pictures_on_a_closed_listing_and_bad_alt_text(community, member):
    listing = post(community, member)
    with pytest.raises(ValidationFailed) as refused:
        images_services.listing_image_add(
            actor=member, listing=listing, upload=upload(picture()), alt_text="x" * 201
        )
    assert "alt_text" in refused.value.fields
    with pytest.raises(ValidationFailed):
        images_services.listing_image_add(
            actor=member, listing=listing, upload=upload(picture()), alt_text="bad\x00text"
        )
    listings_services.listing_close(actor=member, listing=listing)
    with pytest.raises(Conflict) as closed:
        images_services.listing_image_add(actor=member, listing=listing, upload=upload(picture()))
    assert closed.value.code == "listing_closed"
    assert not ListingImage.objects.exists()


def test_it_keeps_alt_text_as_plain_text(community, member):
    listing = post(community, member)
    images_services.listing_image_add(
        actor=member,
        listing=listing,
        upload=upload(picture()),
        alt_text='<img src=x onerror="alert(1)">',
    )
    assert (
        ListingImage.objects.get().alt_text == '<img src=x onerror="alert(1)">'
    )  # escaped when shown


def test_it_reads_pictures_only_for_people_who_may_see_the_listing(
    community, member, outsider, other_member
):
    listing = post(community, member)
    image = images_services.listing_image_add(
        actor=member, listing=listing, upload=upload(picture())
    )
    data, content_type = images_selectors.image_for(member, listing, image.pk)
    assert content_type == "image/jpeg" and decoded(data).size == (400, 300)
    thumb, _ = images_selectors.image_for(member, listing, image.pk, thumbnail=True)
    assert decoded(thumb).size == (320, 240)
    for stranger in (outsider, other_member):
        with pytest.raises(NotFound):
            images_selectors.image_for(stranger, listing, image.pk)
    other = post(community, member, title="Another")
    with pytest.raises(NotFound):
        images_selectors.image_for(member, other, image.pk)
    found = images_selectors.images_for([listing.pk, other.pk])
    assert [i.pk for i in found[listing.pk]] == [image.pk] and other.pk not in found


def test_it_reads_from_a_file_object_too(community, member):
    listing = post(community, member)
    images_services.listing_image_add(
        actor=member, listing=listing, upload=io.BytesIO(picture("WEBP"))
    )
    assert Image.open(io.BytesIO(bytes(ListingImage.objects.get().data))).format == "JPEG"
