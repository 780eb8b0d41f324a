"""Statements: a member's own, and any member's for coordinators; CSV; a fixed query count."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.services import answers as answers_services
from coproduce.web.middleware import ACTING_FOR_SESSION_KEY

from .conftest import confirmed, recorded, text


def url(community):
    return reverse("web:statement", args=[community.slug])


def member_url(community, person):
    return reverse(
        "web:member_statement",
        args=[community.slug, person.memberships.get(community=community).number],
    )


def test_it_shows_balance_totals_and_lines_with_running_balance(
    client, community, member, agency_staff
):
    confirmed(community, member, member, agency_staff, minutes=90, title="Gardening for Asha")
    confirmed(community, member, agency_staff, member, minutes=30, title="Shopping for Mo")
    client.force_login(member)
    response = client.get(url(community))
    page = text(response)
    assert "My statement" in page
    assert "Balance 1h00" in page
    assert (
        "Earned (help given, grants) 1h30" in page
        and "Spent (help received, at partners, donations) 0h30" in page
    )
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.S)[1:]
    assert len(rows) == 2
    assert "Shopping for Mo" in rows[0] and "−0h30" in rows[0] and "1h00" in rows[0]
    assert "Gardening for Asha" in rows[1] and "+1h30" in rows[1]
    assert "Asha Staff" in rows[0]
    assert (
        'href="{}"'.format(reverse("web:statement_csv", args=[community.slug]))
        in response.content.decode()
    )


def test_it_leaves_reversed_hours_out_of_the_totals(
    client, community, coordinator, member, agency_staff
):
    confirmed(community, member, member, agency_staff, minutes=30, title="Kept")
    reversed_exchange = confirmed(
        community, member, member, agency_staff, minutes=90, title="Undone"
    )
    answers_services.exchange_reverse(
        actor=coordinator, exchange=reversed_exchange, reason="Entered twice"
    )
    for person, earned, spent in ((member, "0h30", "0h00"), (agency_staff, "0h00", "0h30")):
        client.force_login(person)
        page = text(client.get(url(community)))
        assert (
            f"Earned (help given, grants) {earned}" in page
            and f"Spent (help received, at partners, donations) {spent}" in page
        )
        assert "Reversal Reason: Entered twice" in page and "Undone" in page


def test_it_links_each_line_to_its_exchange(client, community, member, agency_staff):
    exchange = confirmed(community, member, member, agency_staff)
    client.force_login(member)
    body = client.get(url(community)).content.decode()
    assert reverse("web:exchange_detail", args=[community.slug, exchange.pk]) in body


def test_it_says_when_there_is_nothing_yet(client, community, member):
    client.force_login(member)
    page = text(client.get(url(community)))
    assert "Balance 0h00" in page and "No entries yet." in page and "Download CSV" not in page
    assert client.get(reverse("web:statement_csv", args=[community.slug])).status_code == 404


def test_it_pages_older_lines_by_keyset(client, community, member, agency_staff, monkeypatch):
    monkeypatch.setattr("coproduce.web.views.ledger.PAGE_SIZE", 2)
    for i in range(5):
        confirmed(community, member, member, agency_staff, minutes=10 + i, title=f"Job {i}")
    client.force_login(member)
    first = client.get(url(community)).content.decode()
    assert "Job 4" in first and "Job 3" in first and "Job 2" not in first
    older = re.search(r'href="([^"]+\?before=\d+)">Older entries', first).group(1)
    second = client.get(older).content.decode()
    assert "Job 2" in second and "Job 1" in second and "Job 3" not in second
    assert "Newest entries" in second
    third = client.get(
        re.search(r'href="([^"]+\?before=\d+)">Older entries', second).group(1)
    ).content.decode()
    assert "Job 0" in third and "Older entries" not in third
    assert client.get(url(community) + "?before=nonsense").status_code == 200


def test_it_downloads_the_whole_statement_as_csv(client, community, member, agency_staff):
    confirmed(community, member, member, agency_staff, minutes=90)
    client.force_login(member)
    response = client.get(reverse("web:statement_csv", args=[community.slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["minutes"], r["balance_minutes"], r["with"]) for r in rows] == [
        ("90", "90", "Asha Staff")
    ]


def test_it_reads_a_fixed_number_of_queries(
    client, community, member, agency_staff, django_assert_num_queries
):
    confirmed(community, member, member, agency_staff, minutes=15, title="First")
    client.force_login(member)
    with django_assert_num_queries(QUERIES):
        client.get(url(community))
    for i in range(30):
        confirmed(
            community,
            member,
            member if i % 2 else agency_staff,
            agency_staff if i % 2 else member,
            minutes=15,
            title=f"Job {i}",
        )
    with django_assert_num_queries(QUERIES):
        response = client.get(url(community))
    assert text(response).count("Job ") == 30


# The totals are read from the account row, not summed from postings; +1 the header's unread count;
# +1 the hours waiting for confirmation (and +1 their people when some wait).
QUERIES = 8


def test_it_shows_a_coordinator_any_members_statement(
    client, community, coordinator, member, agency_staff
):
    confirmed(community, member, member, agency_staff)
    client.force_login(coordinator)
    detail = client.get(
        reverse("web:member_detail", args=[community.slug, member.memberships.get().number])
    )
    assert member_url(community, member) in detail.content.decode()
    page = text(client.get(member_url(community, member)))
    assert "Statement of Mo Member" in page and "Balance 1h30" in page
    csv_response = client.get(
        reverse("web:member_statement_csv", args=[community.slug, member.memberships.get().number])
    )
    assert csv_response.status_code == 200 and "Asha Staff" in csv_response.content.decode()


def test_it_lets_a_member_open_their_own_by_number(client, community, member):
    client.force_login(member)
    assert client.get(member_url(community, member)).status_code == 200


@pytest.mark.parametrize(
    "who, status", [("agency_staff", 403), ("outsider", 404), ("other_member", 404)]
)
def test_it_keeps_a_members_statement_private(client, community, member, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(member_url(community, member)).status_code == status
    assert (
        client.get(
            reverse(
                "web:member_statement_csv", args=[community.slug, member.memberships.get().number]
            )
        ).status_code
        == status
    )


@pytest.mark.parametrize("who, status", [("outsider", 404), ("other_member", 404)])
def test_it_hides_statements_from_outsiders(client, community, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(community)).status_code == status


def test_it_shows_the_member_a_coordinator_acts_for(
    client, community, coordinator, member, agency_staff
):
    confirmed(community, member, member, agency_staff)
    client.force_login(coordinator)
    client.post(reverse("web:acting_start", args=[community.slug, member.memberships.get().number]))
    assert client.session[ACTING_FOR_SESSION_KEY]
    page = text(client.get(url(community)))
    assert "Statement of Mo Member" in page and "Balance 1h30" in page


def test_it_shows_who_entered_a_line_for_whom(client, community, coordinator, member, agency_staff):
    exchange = recorded(community, agency_staff, agency_staff, member)
    answers_services.exchange_confirm(actor=coordinator, exchange=exchange, on_behalf_of=member)
    client.force_login(member)
    assert "by Cora Coordinator for Mo Member" in text(client.get(url(community)))


def test_it_shows_the_balance_on_the_member_home(
    client, community, member, agency_staff, other_community
):
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    confirmed(community, member, member, agency_staff, minutes=75)
    client.force_login(member)
    page = text(client.get(reverse("web:home")))
    assert "Balance 1h15" in page and "Balance 0h00" in page
    body = client.get(reverse("web:home")).content.decode()
    for name in ("web:statement", "web:exchange_list", "web:fund"):
        assert reverse(name, args=[community.slug]) in body


@pytest.mark.parametrize("before", ["99999999999999999999999", "-1", "0", "x"])
def test_it_ignores_a_nonsense_older_link(client, community, member, agency_staff, before):
    confirmed(community, member, member, agency_staff)
    client.force_login(member)
    response = client.get(url(community) + f"?before={before}")
    assert response.status_code == 200 and "Weeding the front garden" in text(response)


def test_it_shows_hours_waiting_for_confirmation_apart_from_the_balance(
    client, community, member, agency_staff, coordinator
):
    confirmed(community, member, member, agency_staff, minutes=60, title="Counted already")
    mine = recorded(community, member, member, agency_staff, minutes=90, title="Mowing for Asha")
    theirs = recorded(
        community, agency_staff, agency_staff, member, minutes=30, title="Shopping for Mo"
    )
    disputed = recorded(
        community, member, member, agency_staff, minutes=45, title="Painting the fence"
    )
    answers_services.exchange_dispute(
        actor=agency_staff, exchange=disputed, reason="It was half an hour."
    )
    client.force_login(member)
    response = client.get(url(community))
    page = text(response)
    body = response.content.decode()
    # The balance counts only what is confirmed.
    assert "Balance 1h00" in page
    assert (
        "Waiting for confirmation 2h15 to come in, 0h30 to go out (not in the balance yet)" in page
    )
    assert "Waiting for confirmation, not in the balance" in page
    waiting = page.split("Waiting for confirmation, not in the balance")[-1].split(
        "Entries, newest first"
    )[0]
    assert "These hours are not counted in your balance until they are confirmed." in waiting
    assert (
        "Mowing for Asha" in waiting
        and "+1h30" in waiting
        and "Waiting for Asha Staff to confirm" in waiting
    )
    assert (
        "Shopping for Mo" in waiting
        and "−0h30" in waiting
        and "Waiting for you to confirm" in waiting
    )
    assert (
        "Painting the fence" in waiting
        and "+0h45" in waiting
        and "Disputed: a coordinator is looking into it" in waiting
    )
    assert "Counted already" not in waiting
    for exchange in (mine, theirs, disputed):
        assert reverse("web:exchange_detail", args=[community.slug, exchange.pk]) in body
    assert reverse("web:exchanges_to_confirm", args=[community.slug]) in body
    # The entries below are only what was posted.
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]
    assert len(rows) == 1 and "Counted already" in rows[0]
    # A coordinator sees the same on the member's statement.
    client.force_login(coordinator)
    page = text(client.get(member_url(community, member)))
    assert "Mowing for Asha" in page and "Waiting for Mo Member to confirm" in page


def test_it_shows_a_group_recipients_share_of_waiting_hours(
    client, community, member, agency_staff, coordinator
):
    recorded(community, member, member, [agency_staff, coordinator], minutes=45, title="Quiz night")
    client.force_login(coordinator)
    page = text(client.get(url(community)))
    assert "Quiz night" in page
    share = page.split("Quiz night")[1][:80]
    assert "−0h22" in share or "−0h23" in share


def test_it_says_nothing_waits_when_nothing_does(client, community, member, agency_staff):
    confirmed(community, member, member, agency_staff)
    client.force_login(member)
    assert "Waiting for confirmation" not in text(client.get(url(community)))


def test_it_reads_a_fixed_number_of_queries_with_hours_waiting(
    client, community, member, agency_staff, django_assert_num_queries
):
    confirmed(community, member, member, agency_staff, minutes=15, title="Posted")
    recorded(community, member, member, agency_staff, minutes=15, title="Waiting 0")
    client.force_login(member)
    with django_assert_num_queries(QUERIES + 1):
        client.get(url(community))
    for i in range(1, 12):
        recorded(
            community,
            member,
            member if i % 2 else agency_staff,
            agency_staff if i % 2 else member,
            minutes=15,
            title=f"Waiting {i}",
        )
    with django_assert_num_queries(QUERIES + 1):
        response = client.get(url(community))
    assert text(response).count("Waiting ") >= 12
