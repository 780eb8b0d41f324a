"""The Pictures section of a listing's change page, the pictures on the listing page and in search
results, and the view that serves them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import ListingImage
from coproduce.exchanges.services import images
from coproduce.exchanges.services import listings as listings_services

from ..exchanges.images import decoded, gps_exif, picture
from .conftest import text


def posted(community, owner, **kw):
    values = {"kind": "offer", "title": "Help in the garden", "category": "gardening"}
    values.update(kw)
    return listings_services.listing_create(actor=owner, community=community, **values)


def add_url(community, listing):
    return reverse("web:listing_image_add", args=[community.slug, listing.pk])


def photo(data=None, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, picture() if data is None else data, content_type=content_type)


def test_it_shows_a_pictures_section_on_the_change_page(client, community, member):
    listing = posted(community, member)
    client.force_login(member)
    response = client.get(reverse("web:listing_edit", args=[community.slug, listing.pk]))
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body and 'id="pictures"' in body
    assert '<label for="id_image">Picture' in body
    assert "JPEG, PNG or WebP photo of at most 5 MB" in text(response)
    assert 'accept="image/jpeg,image/png,image/webp"' in body


def test_it_adds_a_picture_and_shows_it_with_its_alt_text(client, community, member, agency_staff):
    listing = posted(community, member)
    client.force_login(member)
    response = client.post(
        add_url(community, listing),
        {
            "image": photo(picture("JPEG", (400, 200), exif=gps_exif(orientation=6))),
            "alt_text": "A tidy <b>front</b> garden",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/listings/{listing.pk}/edit/#pictures")
    image = ListingImage.objects.get()
    assert decoded(bytes(image.data)).getexif() == {} and (image.width, image.height) == (200, 400)
    client.force_login(agency_staff)
    page = client.get(
        reverse("web:listing_detail", args=[community.slug, listing.pk])
    ).content.decode()
    url = reverse("web:listing_image", args=[community.slug, listing.pk, image.pk])
    assert f'src="{url}"' in page and 'width="200" height="400"' in page
    assert 'alt="A tidy &lt;b&gt;front&lt;/b&gt; garden"' in page  # plain text, escaped
    search = client.get(reverse("web:listing_search", args=[community.slug])).content.decode()
    thumb = reverse("web:listing_image_thumbnail", args=[community.slug, listing.pk, image.pk])
    assert f'src="{thumb}"' in search and 'alt="A tidy &lt;b&gt;front&lt;/b&gt; garden"' in search


def test_it_serves_pictures_with_their_type_and_private_caching(
    client, community, member, agency_staff
):
    listing = posted(community, member)
    image = images.listing_image_add(actor=member, listing=listing, upload=photo())
    client.force_login(agency_staff)
    for name, size in (
        ("web:listing_image", (400, 300)),
        ("web:listing_image_thumbnail", (320, 240)),
    ):
        response = client.get(reverse(name, args=[community.slug, listing.pk, image.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=86400"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert decoded(response.content).size == size


def test_it_hides_pictures_from_people_who_may_not_see_the_listing(
    client, community, member, outsider, other_member
):
    listing = posted(community, member)
    image = images.listing_image_add(actor=member, listing=listing, upload=photo())
    url = reverse("web:listing_image", args=[community.slug, listing.pk, image.pk])
    assert client.get(url).status_code == 302  # to sign in
    for person in (outsider, other_member):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.force_login(member)
    other = posted(community, member, title="Another")
    assert (
        client.get(
            reverse("web:listing_image", args=[community.slug, other.pk, image.pk])
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: photo(picture("PNG", (10, 10)) + b"\0" * images.MAX_UPLOAD_BYTES),
            "too large: at most 5 MB",
        ),
        (lambda: photo(b"Not a photo at all.\n" * 10, "notes.jpg"), "not a picture we can use"),
        (lambda: photo(picture("JPEG", (800, 600))[:3000]), "damaged or cut short"),
        (lambda: None, "Choose a picture to upload."),
    ],
)
def test_it_refuses_bad_uploads_on_the_field_and_stores_nothing(
    client, community, member, upload, message
):
    listing = posted(community, member)
    client.force_login(member)
    file = upload()
    response = client.post(
        add_url(community, listing), {"alt_text": "x", **({"image": file} if file else {})}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page and 'href="#id_image"' in page
    assert 'id="id_image_error"' in page and message in text(response)
    assert not ListingImage.objects.exists()
    assert not AuditEvent.objects.filter(action="listing.image_add").exists()


def test_it_refuses_a_fourth_picture_and_then_offers_no_upload(client, community, member):
    listing = posted(community, member)
    for _ in range(3):
        images.listing_image_add(actor=member, listing=listing, upload=photo())
    client.force_login(member)
    response = client.post(add_url(community, listing), {"image": photo()})
    assert response.status_code == 400
    assert "A listing can have at most 3 pictures" in text(response)
    assert ListingImage.objects.count() == 3
    page = client.get(reverse("web:listing_edit", args=[community.slug, listing.pk]))
    assert (
        "as many pictures as it can have" in text(page)
        and 'name="image"' not in page.content.decode()
    )


def test_it_lets_only_the_owner_and_coordinators_change_pictures(
    client, community, member, agency_staff, coordinator
):
    listing = posted(community, member)
    image = images.listing_image_add(actor=member, listing=listing, upload=photo())
    remove = reverse("web:listing_image_remove", args=[community.slug, listing.pk, image.pk])
    client.force_login(agency_staff)
    assert client.post(add_url(community, listing), {"image": photo()}).status_code == 403
    assert client.post(remove).status_code == 403
    assert ListingImage.objects.count() == 1
    client.force_login(coordinator)
    response = client.post(remove)
    assert response.status_code == 302 and not ListingImage.objects.exists()
    assert client.post(remove).status_code == 404


def test_it_offers_the_pictures_link_to_the_owner(client, community, member):
    listing = posted(community, member)
    client.force_login(member)
    page = text(client.get(reverse("web:listing_detail", args=[community.slug, listing.pk])))
    assert "Add or remove pictures" in page
