"""Listing pictures through the API: multipart upload, the pictures in the listing schema, getting
and removing them, bad input (nothing stored) and who may do what; renewing a listing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import ListingImage, ListingStatus
from coproduce.exchanges.services import images
from coproduce.exchanges.services import listings as listings_services
from coproduce.exchanges.services import reminders as reminders_services

from ..exchanges.images import decoded, gps_exif, picture
from .conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"


def make(community, owner, **values):
    values.setdefault("kind", "offer")
    values.setdefault("title", "Help with the garden")
    values.setdefault("category", "gardening")
    return listings_services.listing_create(actor=owner, community=community, **values)


def photo(data=None, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, picture() if data is None else data, content_type=content_type)


def upload(client, headers, listing, **fields):
    return client.post(f"{BASE}/listings/{listing.pk}/images", fields, headers=headers)


def nothing_stored():
    return (
        not ListingImage.objects.exists()
        and not AuditEvent.objects.filter(action="listing.image_add").exists()
    )


def test_it_uploads_a_picture_and_lists_it_on_the_listing(client, community, member, agency_staff):
    listing = make(community, member)
    response = upload(
        client,
        bearer(member),
        listing,
        alt_text="A tidy garden",
        image=photo(picture("JPEG", (2400, 1200), exif=gps_exif())),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    image = ListingImage.objects.get()
    assert body == {
        "id": image.pk,
        "url": f"{BASE}/listings/{listing.pk}/images/{image.pk}",
        "thumbnail_url": f"{BASE}/listings/{listing.pk}/images/{image.pk}?thumbnail=true",
        "width": 1200,
        "height": 600,
        "alt_text": "A tidy garden",
    }
    reader = bearer(agency_staff)
    detail = client.get(f"{BASE}/listings/{listing.pk}", headers=reader).json()
    assert detail["images"] == [body]
    hits = client.get(f"{BASE}/listings", headers=reader).json()["items"]
    assert hits[0]["images"] == [body]
    got = client.get(body["url"], headers=reader)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert got["Cache-Control"] == "private, max-age=86400"
    assert decoded(got.content).size == (1200, 600) and decoded(got.content).getexif() == {}
    thumb = client.get(body["thumbnail_url"], headers=reader)
    assert decoded(thumb.content).size == (320, 160)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (lambda: picture("PNG", (10, 10)) + b"\0" * images.MAX_UPLOAD_BYTES, "image_too_large"),
        (lambda: b"Not a photo, just text.\n" * 10, "not_an_image"),
        (lambda: picture("JPEG", (800, 600))[:3000], "not_an_image"),
    ],
)
def test_it_refuses_bad_files_and_stores_nothing(client, community, member, data, code):
    listing = make(community, member)
    response = upload(client, bearer(member), listing, image=photo(data(), "photo.jpg"))
    error = assert_error(response, 422, code)
    assert error["fields"]["image"]
    assert nothing_stored()


def test_it_refuses_a_missing_file_and_a_json_body(client, community, member):
    listing = make(community, member)
    headers = bearer(member)
    assert_error(upload(client, headers, listing, alt_text="no file"), 422)
    response = client.post(
        f"{BASE}/listings/{listing.pk}/images",
        {"image": "x"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code in (415, 422)
    assert_error(response, response.status_code)
    assert_error(upload(client, headers, listing, image=photo(), alt_text="x" * 201), 422)
    assert nothing_stored()


def test_it_refuses_a_fourth_picture(client, community, member):
    listing = make(community, member)
    headers = bearer(member)
    for _ in range(3):
        assert upload(client, headers, listing, image=photo()).status_code == 201
    error = assert_error(upload(client, headers, listing, image=photo()), 409, "too_many_images")
    assert "at most 3" in error["message"]
    assert ListingImage.objects.count() == 3


def test_it_lets_only_the_owner_and_coordinators_add_and_remove(
    client, community, member, agency_staff, coordinator, outsider, other_member
):
    listing = make(community, member)
    assert_error(upload(client, bearer(agency_staff), listing, image=photo()), 403, "not_owner")
    for stranger in (outsider, other_member):
        assert_error(upload(client, bearer(stranger), listing, image=photo()), 404)
    assert nothing_stored()
    image = images.listing_image_add(actor=member, listing=listing, upload=photo())
    url = f"{BASE}/listings/{listing.pk}/images/{image.pk}"
    for stranger in (outsider, other_member):
        assert_error(client.get(url, headers=bearer(stranger)), 404)
    assert_error(client.delete(url, headers=bearer(agency_staff)), 403, "not_owner")
    assert ListingImage.objects.count() == 1
    response = client.delete(url, headers=bearer(coordinator))
    assert response.status_code == 204 and not ListingImage.objects.exists()
    assert_error(client.delete(url, headers=bearer(coordinator)), 404)
    assert_error(client.get(url, headers=bearer(member)), 404)


def test_it_renews_a_listing(client, community, member, agency_staff):
    listing = make(community, member, expires_at=timezone.now() + dt.timedelta(days=3))
    reminders_services.listings_remind()
    listing.refresh_from_db()
    assert listing.reminded_at is not None
    assert_error(
        client.post(f"{BASE}/listings/{listing.pk}/renew", headers=bearer(agency_staff)),
        403,
        "not_owner",
    )
    response = client.post(f"{BASE}/listings/{listing.pk}/renew", headers=bearer(member))
    assert response.status_code == 200
    listing.refresh_from_db()
    assert listing.reminded_at is None
    assert listing.expires_at >= listings_services.add_months(timezone.now(), 3) - dt.timedelta(
        minutes=1
    )
    returned = dt.datetime.fromisoformat(response.json()["expires_at"])
    assert abs(returned - listing.expires_at) < dt.timedelta(milliseconds=1)
    listings_services.listing_close(actor=member, listing=listing)
    assert_error(
        client.post(f"{BASE}/listings/{listing.pk}/renew", headers=bearer(member)),
        409,
        "listing_closed",
    )
    listing.refresh_from_db()
    assert listing.status == ListingStatus.CLOSED
