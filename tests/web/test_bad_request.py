"""A form body the server cannot read (multipart without its boundary, too many fields) is the
site's own 400 page, never a 500, with DEBUG on and off, and nothing is saved."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from coproduce.communities.models import Application
from coproduce.exchanges.models import ListingImage
from coproduce.exchanges.services import listings as listings_services

NO_BOUNDARY = "multipart/form-data"


def _browser(person=None) -> tuple[Client, dict]:
    """A client that checks CSRF as a browser's request would be checked, with its token."""
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if person is not None:
        browser.force_login(person)
    browser.get("/api/v1/docs")  # sets the CSRF cookie, as any page with a form would
    return browser, {"X-CSRFToken": browser.cookies["csrftoken"].value}


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
def test_it_answers_a_multipart_body_without_a_boundary_with_a_400_page(community, member, debug):
    listing = listings_services.listing_create(
        actor=member, community=community, kind="offer", title="Weeding", category="gardening"
    )
    member_browser, member_token = _browser(member)
    visitor, visitor_token = _browser()
    pages = [
        (member_browser, member_token, f"/c/riverside/listings/{listing.pk}/images/"),
        (member_browser, member_token, "/profile/details/"),
        (member_browser, member_token, "/c/riverside/listings/new/"),
        (visitor, visitor_token, "/c/riverside/apply/"),
        (visitor, visitor_token, "/accounts/login/"),
    ]
    with override_settings(DEBUG=debug):
        for browser, token, url in pages:
            response = browser.post(
                url, data=b"--x\r\nbroken", content_type=NO_BOUNDARY, headers=token
            )
            assert response.status_code == 400, (url, response.content[:300])
            assert b"The form could not be read" in response.content, url
    assert not ListingImage.objects.exists()
    assert not Application.objects.exists()
    member.refresh_from_db()
    assert member.full_name == "Mo Member"


def test_it_answers_too_many_fields_with_a_400_page(community):
    visitor, token = _browser()
    fields = {f"f{i}": "1" for i in range(30)}
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10):
        response = visitor.post("/c/riverside/apply/", data=fields, headers=token)
    assert response.status_code == 400
    assert b"The form could not be read" in response.content
    assert not Application.objects.exists()
