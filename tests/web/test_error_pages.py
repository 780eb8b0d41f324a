"""The site's own 404 and 500 pages (never Django's debug page), and the favicon."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from .conftest import text


def test_it_shows_its_own_page_for_a_wrong_address(client, db):
    response = client.get("/c/riverside/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>We could not find that page</h1>" in page
    assert 'href="/static/coproduce/site.css"' in page and 'class="site-header"' in page
    assert "URLconf" not in page and "Django" not in page
    words = text(response)
    # Signed out: sign in and come back here, or see the communities.
    assert 'href="/accounts/login/?next=/c/riverside/no-such-page/"' in page
    assert "See the communities on this site" in words


def test_it_sends_a_signed_in_person_home_from_a_missing_listing(client, member):
    client.force_login(member)
    response = client.get("/c/riverside/listings/999999/")
    assert response.status_code == 404
    assert '<a href="/home/">Go to your home page</a>' in response.content.decode()
    assert "/accounts/login/?next=" not in response.content.decode()


@pytest.mark.urls("tests.web.error_urls")
def test_it_shows_its_own_page_for_a_server_error(db, django_assert_num_queries):
    client = Client(raise_request_exception=False)
    # The page needs nothing from the database: it must show when the database is what failed.
    with django_assert_num_queries(0):
        response = client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong on our side</h1>" in page
    assert 'href="/static/coproduce/site.css"' in page and 'class="site-header"' in page
    assert '<html lang="en-gb">' in page and "<title>" in page
    assert "RuntimeError" not in page and "a bug in a view" not in page and "Traceback" not in page


def test_it_answers_the_favicon_at_the_root(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age" in response["Cache-Control"]


def test_it_links_the_favicon_from_every_page(client, db):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/coproduce/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("coproduce/favicon.svg")  # served by whitenoise (the browser tests load it)
