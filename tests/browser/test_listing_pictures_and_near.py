"""The pages added for listing pictures, neighbourhoods and arranging an exchange, walked as a
person would and checked like every other page (axe, 360 px, one h1)."""

from __future__ import annotations

import importlib
import re

import pytest
from playwright.sync_api import expect

from coproduce.exchanges.models import Exchange, ListingImage
from coproduce.ops.demo.communities import DEMO_PASSWORD
from coproduce.ops.demo.exchanges import build_listings

from ..exchanges.images import gps_exif, picture
from .conftest import check_page, problems, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def listings(demo_site):
    """The demo's listings (`coproduce demo` builds them; the browser tests' demo does not). The
    default categories come from a data migration, which an earlier transactional test's flush
    empties, so they are loaded again first when they are missing."""
    from django.apps import apps

    from coproduce.exchanges.models import Category

    if not Category.objects.filter(community=None).exists():
        importlib.import_module("coproduce.exchanges.migrations.0003_default_categories").load(
            apps, None
        )
    build_listings()


def test_it_adds_a_picture_and_searches_near_a_neighbourhood(new_page, listings, tmp_path):
    page = new_page()
    sign_in(page, "coordinator@riverside.example", DEMO_PASSWORD)
    reports = []
    page.goto("/c/riverside/coordinate/")
    page.get_by_role("link", name="Neighbourhoods members search near").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neighbourhoods")
    reports.append(check_page(page, 200))
    page.get_by_role("link", name="Change Millbrook").click()
    reports.append(check_page(page, 200))

    page.goto("/c/riverside/listings/")
    page.get_by_label("Near").select_option(label="Old Town")
    page.get_by_label(re.compile(r"^Within \(km\)")).fill("3")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_text(re.compile(r"km away")).first).to_be_visible()
    reports.append(check_page(page, 200))

    page.locator(".results h3 a").first.click()
    page.get_by_role("link", name="Add or remove pictures").click()
    photo = tmp_path / "garden.jpg"
    photo.write_bytes(picture("JPEG", (800, 600), exif=gps_exif(orientation=6)))
    page.locator("#id_image").set_input_files(str(photo))
    page.get_by_label(re.compile(r"^What does it show\?")).fill("A tidy front garden")
    page.get_by_role("button", name="Add the picture").click()
    expect(page.get_by_role("status")).to_contain_text("The picture has been added.")
    expect(page.get_by_role("img", name="A tidy front garden")).to_be_visible()
    assert ListingImage.objects.count() == 1
    reports.append(check_page(page, 200))
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("img", name="A tidy front garden")).to_be_visible()
    reports.append(check_page(page, 200))
    found = problems(reports)
    assert not found, "\n".join(found)


def test_it_records_hours_from_a_listing(new_page, listings):
    page = new_page()
    sign_in(page, "member@riverside.example", DEMO_PASSWORD)
    page.goto("/c/riverside/listings/?q=laptop")
    page.locator(".results h3 a").first.click()
    title = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("link", name=re.compile(r"^Record hours for this (offer|request)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record hours")
    expect(page.get_by_label("What was the help?")).to_have_value(title)
    report = check_page(page, 200)
    page.get_by_label("Hours", exact=True).fill("1")
    page.get_by_role("button", name="Record the hours").click()
    expect(page.get_by_role("link", name="The offer or request it was for")).to_be_visible()
    exchange = Exchange.objects.get(title=title)
    assert exchange.listing_id is not None and exchange.category == "Computer help"
    found = problems([report, check_page(page, 200)])
    assert not found, "\n".join(found)
