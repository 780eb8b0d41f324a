"""Access before parsing, and every error from reading a request body in the one error format.

The caller's access to the community in the path is checked before the body is read, so someone
who is not a member learns nothing from a body the server cannot read (and the server does not
read it). A body that cannot be read (multipart without a boundary, too large, too many fields,
not JSON, the wrong type) is a 4xx in `{"error": {...}}`, with DEBUG on and off."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from coproduce.exchanges.models import ListingImage
from coproduce.exchanges.services import listings as listings_services

from .conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"
NO_BOUNDARY = "multipart/form-data"  # the content type without its boundary
DEBUG = pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])


@pytest.fixture
def listing(community, member):
    return listings_services.listing_create(
        actor=member, community=community, kind="offer", title="Weeding", category="gardening"
    )


@pytest.fixture
def api():
    """A client that answers like a server (500 instead of raising), so a crash shows as one."""
    return Client(raise_request_exception=False)


def images_url(listing) -> str:
    return f"{BASE}/listings/{listing.pk}/images"


@DEBUG
def test_it_refuses_a_body_it_cannot_read_from_someone_who_is_no_member_before_reading_it(
    api, community, listing, outsider, other_member, debug
):
    with override_settings(DEBUG=debug):
        for person in (outsider, other_member):
            response = api.post(
                images_url(listing),
                data=b"--x\r\n",
                content_type=NO_BOUNDARY,
                headers=bearer(person),
            )
            assert_error(response, 404, "not_found")
    assert not ListingImage.objects.exists()


@DEBUG
def test_it_refuses_someone_who_is_no_member_before_reading_the_body_with_a_browser_session(
    community, listing, outsider, debug
):
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(outsider)
    browser.get("/api/v1/docs")  # sets the CSRF cookie
    token = {"X-CSRFToken": browser.cookies["csrftoken"].value}
    with override_settings(DEBUG=debug):
        response = browser.post(
            images_url(listing), data=b"--x\r\n", content_type=NO_BOUNDARY, headers=token
        )
        assert_error(response, 404, "not_found")
        # The same for a JSON body that is not JSON, and for the wrong content type.
        response = browser.post(
            f"{BASE}/listings", data="{", content_type="application/json", headers=token
        )
        assert_error(response, 404, "not_found")
        response = browser.post(
            f"{BASE}/listings", data="a=b", content_type="text/plain", headers=token
        )
        assert_error(response, 404, "not_found")


@DEBUG
def test_it_answers_a_multipart_body_without_a_boundary_in_the_error_format(
    api, community, listing, member, debug
):
    with override_settings(DEBUG=debug):
        response = api.post(
            images_url(listing), data=b"--x\r\n", content_type=NO_BOUNDARY, headers=bearer(member)
        )
    assert_error(response, 400, "malformed_body")
    assert not ListingImage.objects.exists()


@DEBUG
def test_it_answers_a_multipart_body_without_a_boundary_through_a_session_in_the_error_format(
    community, listing, member, debug
):
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(member)
    browser.get("/api/v1/docs")
    with override_settings(DEBUG=debug):
        response = browser.post(
            images_url(listing),
            data=b"--x\r\n",
            content_type=NO_BOUNDARY,
            headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
        )
    assert_error(response, 400, "malformed_body")
    assert not ListingImage.objects.exists()


@DEBUG
def test_it_answers_a_body_larger_than_the_server_takes_in_the_error_format(
    api, community, member, counts, debug
):
    headers = bearer(member)
    before = counts()
    with override_settings(DEBUG=debug, DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = api.put(
            "/api/v1/me/privacy",
            data='{"email": "' + "x" * 2000 + '"}',
            content_type="application/json",
            headers=headers,
        )
    assert_error(response, 413, "body_too_large")
    assert counts() == before


@DEBUG
def test_it_answers_too_many_query_fields_in_the_error_format(api, community, member, debug):
    query = "&".join(f"f{i}=1" for i in range(30))
    with override_settings(DEBUG=debug, DATA_UPLOAD_MAX_NUMBER_FIELDS=10):
        response = api.get(f"{BASE}/listings?{query}", headers=bearer(member))
    assert_error(response, 400, "too_many_fields")


@DEBUG
def test_it_answers_too_many_form_fields_in_the_error_format(
    api, community, listing, member, debug
):
    fields = {f"f{i}": "1" for i in range(30)}
    with override_settings(DEBUG=debug, DATA_UPLOAD_MAX_NUMBER_FIELDS=10):
        response = api.post(images_url(listing), data=fields, headers=bearer(member))
    assert_error(response, 400, "too_many_fields")
    assert not ListingImage.objects.exists()


@DEBUG
def test_it_answers_unreadable_json_and_the_wrong_type_in_the_error_format(
    api, community, member, counts, debug
):
    headers = bearer(member)
    before = counts()
    with override_settings(DEBUG=debug):
        assert_error(
            api.post(
                f"{BASE}/listings", data="{", content_type="application/json", headers=headers
            ),
            400,
            "malformed_json",
        )
        assert_error(
            api.post(
                f"{BASE}/listings",
                data="title=Hi",
                content_type="application/x-www-form-urlencoded",
                headers=headers,
            ),
            415,
            "unsupported_media_type",
        )
    assert counts() == before


@DEBUG
def test_it_answers_a_body_it_cannot_read_sent_to_an_unknown_address_in_the_error_format(
    api, community, debug
):
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.get("/api/v1/docs")
    with override_settings(DEBUG=debug):
        response = browser.post(
            "/api/v1/nowhere",
            data=b"--x\r\n",
            content_type=NO_BOUNDARY,
            headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
        )
        assert_error(response, 404, "not_found")
        response = api.post("/api/v1/nowhere", data=b"--x\r\n", content_type=NO_BOUNDARY)
        assert_error(response, 404, "not_found")


def test_it_takes_the_csrf_token_of_a_session_write_from_the_header_only(
    community, listing, member
):
    """Looking for the token in a form body would read the body before access is checked."""
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(member)
    browser.get("/api/v1/docs")
    response = browser.post(
        images_url(listing),
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"].value, "alt_text": "A garden"},
    )
    assert_error(response, 403, "csrf_failed")
    assert not ListingImage.objects.exists()


def test_it_checks_a_coordinators_only_write_before_reading_its_body(
    api, community, member, counts
):
    headers = bearer(member)
    before = counts()
    response = api.post(
        f"{BASE}/categories", data="{", content_type="application/json", headers=headers
    )
    assert_error(response, 403, "coordinators_only")
    assert counts() == before


def test_it_checks_a_reference_link_before_reading_the_answer(api, community, counts):
    before = counts()
    response = api.post(
        "/api/v1/references/not-a-real-link/answer", data="{", content_type="application/json"
    )
    assert_error(response, 404, "not_found")
    assert counts() == before
