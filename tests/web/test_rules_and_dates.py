"""Riverside's pages: the rules list says what the floor means and names check levels,
the coordinators' applications table is a labelled region with each check on its own, and the
notification centre writes every date one way."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from coproduce.communities.selectors.rules import VETTING_LEVELS
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.notifications.models import Notification
from coproduce.notifications.services import notifications

from .conftest import submit_application, text


def test_it_says_the_floor_lets_members_owe_hours(client, community, member):
    client.force_login(member)
    page = text(client.get(reverse("web:community", args=[community.slug])))
    assert "go into debit" in page and "go into credit" not in page


def test_it_names_the_check_levels_in_the_rules(client, community, member):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"vetting_group_activity": 1, "vetting_one_to_one": 1},
        reason="Everyone shows ID",
    )
    client.force_login(member)
    page = text(client.get(reverse("web:community", args=[community.slug])))
    assert f"Check level for group activities {VETTING_LEVELS[1]} " in page
    assert f"Check level for one-to-one help {VETTING_LEVELS[1]} " in page
    assert f"Check level for home visits {VETTING_LEVELS[2]} " in page
    # The rulebook's history names them too.
    history = text(client.get(reverse("web:rulebook", args=[community.slug])))
    assert f"{VETTING_LEVELS[0]} {VETTING_LEVELS[1]}" in history


def test_it_lists_each_check_of_an_application_on_its_own(client, community, coordinator):
    application = submit_application(community)
    for kind in ("id_seen", "background_check"):
        vetting_services.check_record(
            actor=coordinator,
            community=community,
            person=application.person,
            kind=kind,
            result="passed",
            checked_on=dt.date.today(),
        )
    client.force_login(coordinator)
    body = client.get(reverse("web:coordinator_dashboard", args=[community.slug])).content.decode()
    assert (
        '<div class="table-wrap" tabindex="0" role="region" aria-labelledby="applications">' in body
    )
    cell = re.search(r'<td[^>]*><ul class="plain">(.*?)</ul></td>', body, re.S)
    assert cell is not None
    assert len(re.findall(r"<li>.*?</li>", cell.group(1))) == 2


def test_it_writes_every_notification_date_one_way(client, member):
    read = notifications.notify(person=member, kind="x", title="Read one")
    notifications.notify(person=member, kind="x", title="Unread one")
    notifications.mark_read(person=member, ids=[read.pk])
    Notification.objects.filter(person=member).update(
        created_at=dt.datetime(2026, 9, 3, 9, 5, tzinfo=dt.UTC)
    )
    Notification.objects.filter(pk=read.pk).update(
        read_at=dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC)
    )
    client.force_login(member)
    page = text(client.get(reverse("web:notifications")))
    assert page.count("3 September 2026, 10:05") == 2  # London summer time
    assert "Read on 4 November 2026" in page
    assert not re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", page)
