"""The coordinators' "Needs a person" page and the introduction form: what is listed, who may
see it, a fixed number of queries, suggestions from the matching, and refusals that store
nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.messaging.models import Conversation, Introduction, Message
from coproduce.messaging.services import blocks as blocks_services
from tests.messaging.conftest import join, post

from .conftest import text


@pytest.fixture
def helper(community):
    return join(community, "helper@riverside.example", "Hal Helper", phone="07700 900777")


def queue_url(community):
    return reverse("web:broker_queue", args=[community.slug])


def introduce_url(community):
    return reverse("web:introduction_new", args=[community.slug])


def state():
    return (Conversation.objects.count(), Message.objects.count(), Introduction.objects.count())


def test_it_lists_what_needs_a_person_with_actions(
    client, community, coordinator, member, number_of
):
    request = post(community, member, title="Help setting up a new laptop", days_ago=10)
    quiet = join(community, "quiet@riverside.example", "Quinn Quiet", days_ago=40)
    client.force_login(coordinator)
    response = client.get(queue_url(community))
    assert response.status_code == 200
    page = text(response)
    assert (
        "Needs a person" in page and "Help setting up a new laptop" in page and "Mo Member" in page
    )
    assert "Requests unanswered (1)" in page and "Quinn Quiet" in page
    body = response.content.decode()
    assert f"{introduce_url(community)}?listing={request.pk}" in body
    assert f"{introduce_url(community)}?member={number_of(quiet, community)}" in body
    assert reverse("web:member_detail", args=[community.slug, number_of(member, community)]) in body
    dashboard = text(client.get(reverse("web:coordinator_dashboard", args=[community.slug])))
    assert "1 request unanswered" in dashboard and "0 this month, 0 in all" in dashboard


@pytest.mark.parametrize(
    "who, status",
    [("member", 403), ("agency_staff", 403), ("outsider", 404), ("other_member", 404)],
)
def test_it_keeps_others_out(client, community, coordinator, member, who, status, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(queue_url(community)).status_code == status
    assert client.get(introduce_url(community)).status_code == status
    assert client.get(reverse("web:introductions", args=[community.slug])).status_code == status


def test_it_reads_a_fixed_number_of_queries(
    client, community, coordinator, django_assert_num_queries
):
    def rows(start, count):
        for i in range(start, start + count):
            person = join(community, f"p{i}@riverside.example", f"Person {i}", days_ago=45)
            post(community, person, title=f"Request {i}", days_ago=10)
            post(community, person, kind="offer", title=f"Offer {i}", category="gardening")

    client.force_login(coordinator)
    rows(0, 2)
    client.get(queue_url(community))
    # session, person, memberships with roles (the community among them), unread
    # notifications; the queue's eight
    with django_assert_num_queries(12):
        client.get(queue_url(community))
    rows(2, 8)
    with django_assert_num_queries(12):
        response = client.get(queue_url(community))
    assert len(response.context["queue"].requests) == 10


def test_it_suggests_helpers_from_the_matching_offers(
    client, community, coordinator, member, helper, number_of
):
    request = post(
        community,
        member,
        title="Help setting up a new laptop",
        days_ago=10,
        description="Email and video calls please.",
    )
    post(
        community,
        helper,
        kind="offer",
        title="Help with laptops and email",
        description="Patient help with email and video calls.",
    )
    client.force_login(coordinator)
    response = client.get(introduce_url(community), {"listing": request.pk})
    assert response.status_code == 200
    page = text(response)
    code = f"RIV-{number_of(member, community):04d}"
    assert f'value="Mo Member ({code})"' in response.content.decode()
    assert "Hal Helper" in page and "Help with laptops and email" in page
    helper_code = f"Hal Helper (RIV-{number_of(helper, community):04d})"
    sent = client.post(
        introduce_url(community),
        {
            "first": f"Mo Member ({code})",
            "suggested": helper_code,
            "second": "",
            "listing": request.pk,
            "note": "Mo needs laptop help; Hal is good with laptops.",
        },
    )
    assert sent.status_code == 302 and sent["Location"] == queue_url(community)
    introduction = Introduction.objects.get()
    assert (introduction.first, introduction.second, introduction.listing) == (
        member,
        helper,
        request,
    )
    assert "Help setting up a new laptop" not in text(client.get(queue_url(community)))
    listing_page = text(client.get(reverse("web:introductions", args=[community.slug])))
    assert "1 this month, 1 in all" in listing_page and "Mo Member and Hal Helper" in listing_page


def test_it_prefills_a_member_from_the_queue(client, community, coordinator, member, number_of):
    client.force_login(coordinator)
    number = number_of(member, community)
    response = client.get(introduce_url(community), {"member": number})
    assert f'value="Mo Member (RIV-{number:04d})"' in response.content.decode()


def test_it_refuses_introducing_someone_to_themselves(
    client, community, coordinator, member, number_of
):
    client.force_login(coordinator)
    code = f"RIV-{number_of(member, community):04d}"
    before = state()
    response = client.post(
        introduce_url(community), {"first": code, "second": code, "note": "Hello"}
    )
    assert response.status_code == 400
    assert "nobody can be introduced to themselves" in text(response)
    assert state() == before


def test_it_refuses_a_blocked_pair_without_saying_who(
    client, community, coordinator, member, helper, number_of
):
    blocks_services.member_block(actor=helper, community=community, person=member)
    client.force_login(coordinator)
    before = state()
    response = client.post(
        introduce_url(community),
        {
            "first": str(number_of(member, community)),
            "second": str(number_of(helper, community)),
            "note": "Hello",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "not taking messages from each other" in page and "blocked" not in page.lower()
    assert state() == before


def test_it_needs_two_people_and_a_note(client, community, coordinator, member, number_of):
    client.force_login(coordinator)
    before = state()
    response = client.post(
        introduce_url(community),
        {"first": str(number_of(member, community)), "second": "", "note": ""},
    )
    assert response.status_code == 400
    page = text(response)
    assert "Say whom to introduce them to" in page and "Write a few words to both of them." in page
    assert state() == before


def test_it_refuses_members_who_post_the_form(client, community, member, helper, number_of):
    client.force_login(member)
    before = state()
    response = client.post(
        introduce_url(community),
        {
            "first": str(number_of(member, community)),
            "second": str(number_of(helper, community)),
            "note": "Hi",
        },
    )
    assert response.status_code == 403
    assert state() == before
