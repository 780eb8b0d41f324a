"""Issue 4's story, in the browser on the demo, as a new user would try it: a member posts a
request for help with a computer, sees three suitable offers with their reasons, messages one
helper without ever seeing their phone number, the helper answers, and after the help she records
the hours from the conversation; the coordinator sees the request in the unanswered queue first
and sees it leave once it is answered."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coproduce.communities.models import Person
from coproduce.exchanges.models import Exchange, ExchangeStatus, Listing
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ops.demo.communities import DEMO_PASSWORD

from .conftest import check_page, problems, sign_in

pytestmark = pytest.mark.browser

TITLE = "Help with my computer"


@pytest.fixture
def whole_demo(demo_site):
    """What `coproduce demo` builds: people, a year of exchanges, listings and conversations."""
    from django.apps import apps

    from coproduce.exchanges.models import Category
    from coproduce.ops.demo import exchanges as exchanges_demo
    from coproduce.ops.demo import messaging as messaging_demo

    if not Category.objects.exists():
        # An earlier browser test's flush emptied the taxonomy that a data migration loads.
        importlib.import_module("coproduce.exchanges.migrations.0003_default_categories").load(
            apps, None
        )
    exchanges_demo.build_history()
    exchanges_demo.build_listings()
    messaging_demo.build_conversations()
    return demo_site


def needs_a_person(page) -> str:
    page.goto("/c/riverside/coordinate/needs/")
    return page.get_by_role("main").inner_text()


def test_a_member_finds_help_with_a_computer_and_the_coordinator_sees_it_answered(
    new_page, whole_demo
):
    maya = new_page(width=360)  # on a phone
    sign_in(maya, "member@riverside.example", DEMO_PASSWORD)

    # She posts the request from the listings page.
    maya.goto("/c/riverside/listings/")
    maya.get_by_role("main").get_by_role(
        "link", name=re.compile(r"^Post an offer or a request")
    ).first.click()
    maya.get_by_label("Asking for help").check()
    maya.get_by_label(re.compile(r"^Title")).fill(TITLE)
    maya.get_by_label(re.compile(r"^Description")).fill(
        "My laptop has gone very slow and my email stopped working. Could someone show me what to "
        "do?"
    )
    maya.get_by_label(re.compile(r"^Category")).select_option(label="Computer help")
    maya.get_by_role("button", name="Post it").click()
    expect(maya.get_by_role("heading", level=1)).to_contain_text(TITLE)
    request = Listing.objects.get(title=TITLE)

    # Three suitable offers, each with its reasons in plain words.
    offers = maya.locator("h2:has-text('Offers that may fit') + ol > li")
    expect(offers.first).to_be_visible()
    assert offers.count() >= 3
    first_three = [offers.nth(i).inner_text() for i in range(3)]
    ids = [
        int(
            re.search(
                r"/listings/(\d+)/", offers.nth(i).get_by_role("link").first.get_attribute("href")
            ).group(1)
        )
        for i in range(3)
    ]
    suggested = Listing.objects.filter(pk__in=ids).select_related("category")
    assert {(o.kind, o.category.group) for o in suggested} == {("offer", "digital")}, first_three
    assert all(
        re.search(
            r"computer help|related|similar|km away|both in|remotely|exchanges? completed", text
        )
        for text in first_three
    ), first_three
    report = check_page(maya, 200)
    assert not problems([report]), problems([report])

    # A week passes with no answer: the coordinator's queue shows it.
    Listing.objects.filter(pk=request.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    coordinator = new_page()
    sign_in(coordinator, "coordinator@riverside.example", DEMO_PASSWORD)
    assert TITLE in needs_a_person(coordinator)

    # She messages the helper of the first offer about her request.
    helper_link = offers.first.get_by_role("link", name=re.compile(r"^Send a message"))
    helper_link.click()
    maya.get_by_label(re.compile(r"^(Your message|Message)")).fill(
        "Hello, I saw your offer. Could you look at my laptop one afternoon this week?"
    )
    maya.get_by_role("button", name=re.compile(r"^Send")).click()
    expect(maya.get_by_role("status")).to_contain_text("Sent")
    conversation_url = maya.url
    helper_name = (
        maya.get_by_role("heading", level=1).inner_text().removeprefix("Messages with ").strip()
    )
    helper = next(p for p in Person.objects.filter(phone__gt="") if p.display_name == helper_name)
    for page_text in (maya.get_by_role("main").inner_text(),):
        assert helper.phone not in page_text
        assert helper.phone.replace(" ", "") not in page_text.replace(" ", "")

    # The helper answers (signed in as themselves: a demo member with a login, or set one here).
    helper.set_password(DEMO_PASSWORD)
    helper.save(update_fields=["password"])
    answerer = new_page()
    sign_in(answerer, helper.email or helper.username, DEMO_PASSWORD)
    answerer.goto(conversation_url)
    answerer.get_by_label(re.compile(r"^(Your message|Message|Reply)")).fill(
        "Yes, Thursday at 2pm at the library?"
    )
    answerer.get_by_role("button", name=re.compile(r"^Send")).click()
    expect(answerer.get_by_role("status")).to_contain_text("Sent")
    assert maya.get_by_role("main").inner_text() is not None

    # Answered: it leaves the unanswered queue.
    assert TITLE not in needs_a_person(coordinator)

    # After the help she records the hours from the conversation.
    maya.goto(conversation_url)
    maya.get_by_role("link", name=re.compile(r"^Record hours with")).click()
    expect(maya.get_by_role("heading", level=1)).to_have_text("Record hours")
    expect(maya.get_by_label("I received help")).to_be_checked()
    maya.get_by_label(re.compile(r"^Hours")).fill("1")
    maya.get_by_label(re.compile(r"^Minutes")).fill("30")
    maya.get_by_role("button", name="Record the hours").click()
    expect(maya.get_by_role("status")).to_contain_text("Recorded.")
    exchange = Exchange.objects.get(listing_id=request.pk)
    assert (exchange.minutes, exchange.status, exchange.category) == (
        90,
        ExchangeStatus.RECORDED,
        "Computer help",
    )
    assert set(exchange.participants.values_list("person_id", flat=True)) == {
        helper.pk,
        request.owner_id,
    }
    assert ledger_audit().clean
