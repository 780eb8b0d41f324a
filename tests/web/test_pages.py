"""Every page, opened by someone allowed to see it: one plain title, one h1, labelled inputs,
table headers with a scope, nothing the Content-Security-Policy would block."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.exchanges.models import Category
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import listings as listings_services

from .conftest import confirmed, recorded, supported_application


@pytest.fixture
def world(community, coordinator, member, agency_staff):
    application = supported_application(
        community, coordinator, full_name="Pat Newcomer", email="pat@example.org"
    )
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind="id_seen",
        result="passed",
        checked_on=dt.date.today(),
        expires_on=dt.date.today() + dt.timedelta(days=5),
    )
    profiles_services.gift_profile_update(
        actor=member, person=member, gifts=[("hands", "Gardening")]
    )
    communities_services.rulebook_change(
        actor=coordinator, community=community, changes={"auto_confirm_days": 7}, reason="Vote"
    )
    number = member.memberships.get().number
    posted = confirmed(
        community, member, member, agency_staff, minutes=120, title="Painting the fence"
    )
    waiting = recorded(
        community,
        agency_staff,
        agency_staff,
        member,
        title="Lift to the shops",
        expenses=[{"amount": "2.40", "currency": "GBP", "note": "Parking"}],
    )
    disputed = answers_services.exchange_dispute(
        actor=member,
        exchange=recorded(community, member, member, agency_staff, title="Ironing"),
        reason="Too long",
    )
    gardening = Category.objects.get(community=None, slug="gardening")
    listing = listings_services.listing_create(
        actor=agency_staff,
        community=community,
        kind="offer",
        title="Help in the garden",
        category=gardening.pk,
        availability=["mon-am"],
        tags=["weeding"],
        neighbourhood="Old Docks",
    )
    mine = listings_services.listing_create(
        actor=member,
        community=community,
        kind="request",
        title="Help with a new phone",
        category=gardening.pk,
    )
    return {
        "application": application,
        "number": number,
        "posted": posted,
        "waiting": waiting,
        "disputed": disputed,
        "listing": listing,
        "mine": mine,
    }


def pages(community, world):
    slug, number, app = community.slug, world["number"], world["application"].pk
    return [
        ("anonymous", reverse("web:index")),
        ("anonymous", reverse("web:apply", args=[slug])),
        ("anonymous", reverse("web:apply_done", args=[slug])),
        ("anonymous", reverse("account_login")),
        ("member", reverse("web:home")),
        ("member", reverse("web:account")),
        ("member", reverse("web:leave", args=[slug])),
        ("member", reverse("web:profile_details")),
        ("member", reverse("web:profile_gifts")),
        ("member", reverse("web:profile_privacy")),
        ("member", reverse("web:community", args=[slug])),
        ("member", reverse("web:rulebook", args=[slug])),
        ("member", reverse("web:member_directory", args=[slug])),
        ("member", reverse("web:member_detail", args=[slug, number])),
        ("member", reverse("web:member_card", args=[slug, number])),
        ("member", reverse("account_change_password")),
        ("member", reverse("web:exchange_record", args=[slug])),
        ("member", reverse("web:exchanges_to_confirm", args=[slug])),
        ("member", reverse("web:exchange_list", args=[slug])),
        ("member", reverse("web:exchange_detail", args=[slug, world["waiting"].pk])),
        ("member", reverse("web:exchange_detail", args=[slug, world["posted"].pk])),
        ("member", reverse("web:listing_search", args=[slug])),
        (
            "member",
            reverse("web:listing_search", args=[slug]) + "?q=garden&kind=offer&available=mon-am",
        ),
        ("member", reverse("web:listing_create", args=[slug])),
        ("member", reverse("web:listings_mine", args=[slug])),
        ("member", reverse("web:listing_detail", args=[slug, world["listing"].pk])),
        ("member", reverse("web:listing_detail", args=[slug, world["mine"].pk])),
        ("member", reverse("web:listing_edit", args=[slug, world["mine"].pk])),
        ("member", reverse("web:statement", args=[slug])),
        ("member", reverse("web:member_statement", args=[slug, number])),
        ("member", reverse("web:fund", args=[slug])),
        ("coordinator", reverse("web:rulebook", args=[slug])),
        ("coordinator", reverse("web:member_detail", args=[slug, number])),
        ("coordinator", reverse("web:member_offboard", args=[slug, number])),
        ("coordinator", reverse("web:coordinator_dashboard", args=[slug])),
        ("coordinator", reverse("web:member_search", args=[slug]) + "?q=Mo"),
        ("coordinator", reverse("web:application_list", args=[slug]) + "?status=approved"),
        ("coordinator", reverse("web:application_detail", args=[slug, app])),
        ("coordinator", reverse("mfa_index")),
        ("coordinator", reverse("web:exchange_broker", args=[slug])),
        ("coordinator", reverse("web:exchange_slip", args=[slug])),
        ("coordinator", reverse("web:exchange_disputes", args=[slug])),
        ("coordinator", reverse("web:exchange_detail", args=[slug, world["posted"].pk])),
        ("coordinator", reverse("web:exchange_detail", args=[slug, world["disputed"].pk])),
        ("coordinator", reverse("web:member_statement", args=[slug, number])),
        ("coordinator", reverse("web:fund", args=[slug])),
        ("coordinator", reverse("web:category_add", args=[slug])),
        ("coordinator", reverse("web:listing_detail", args=[slug, world["listing"].pk])),
    ]


def assert_accessible(response, url):
    body = response.content.decode()
    title = re.search(r"<title>\s*(.*?)\s*·", body, re.S)
    assert title and title.group(1).strip() not in ("", "coproduce"), url
    assert len(re.findall(r"<h1[\s>]", body)) == 1, url
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", body)]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)
    assert all("scope=" in th for th in re.findall(r"<th[\s>][^>]*>?", body)), url
    assert " style=" not in body and "<style" not in body, url
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", body), url
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', body))
    ids = re.findall(r'\bid="([^"]+)"', body)
    assert len(ids) == len(set(ids)), (url, sorted({i for i in ids if ids.count(i) > 1}))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", body):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        field_id = re.search(r'\bid="([^"]+)"', tag)
        assert field_id and field_id.group(1) in labelled, (url, tag)


def test_it_renders_every_page_accessibly(client, community, world, request):
    for who, url in pages(community, world):
        client.logout()
        if who != "anonymous":
            client.force_login(request.getfixturevalue(who))
        response = client.get(url)
        assert response.status_code == 200, url
        assert_accessible(response, url)


def test_it_renders_refused_forms_accessibly(client, community, world, member, coordinator):
    """Forms shown again with their errors: the summary, the fields and the page still hold
    together."""
    slug, waiting, posted = community.slug, world["waiting"], world["posted"]
    client.force_login(member)
    for url, data in [
        (
            reverse("web:exchange_record", args=[slug]),
            {"person_1": "Nobody", "time_hours": "-1", "expense_note": "x"},
        ),
        (reverse("web:exchange_decline", args=[slug, waiting.pk]), {}),
        (reverse("web:fund_donate", args=[slug]), {"donate-time_hours": "0"}),
        (reverse("web:listing_create", args=[slug]), {"category": "999999", "mode": "at_home"}),
        (
            reverse("web:listing_edit", args=[slug, world["mine"].pk]),
            {"title": "x" * 200, "expires_on": "2000-01-01"},
        ),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert "There is a problem" in response.content.decode(), url
        assert_accessible(response, url)
    search = (
        reverse("web:listing_search", args=[slug]) + "?after=broken&category=999999&available=never"
    )
    response = client.get(search)
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert_accessible(response, search)
    client.force_login(coordinator)
    for url, data in [
        (reverse("web:exchange_slip", args=[slug]), {"giver": "RIV-9999"}),
        (reverse("web:exchange_reverse", args=[slug, posted.pk]), {}),
        (reverse("web:fund_grant", args=[slug]), {"grant-member": "Mo"}),
        (reverse("web:category_add", args=[slug]), {"group": "nope"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert_accessible(response, url)
