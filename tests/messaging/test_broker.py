"""The broker queue: requests unanswered after the community's days, gifts never used, new
members without an exchange; what takes a request off the list; a fixed number of queries."""

from __future__ import annotations

import pytest

from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.exchanges.services import listings as listings_services
from coproduce.messaging.selectors import broker
from coproduce.messaging.services import conversations as conversations_services
from coproduce.messaging.services import introductions as introductions_services

from .conftest import exchange, join, post

pytestmark = pytest.mark.django_db


def titles(queue) -> list[str]:
    return [listing.title for listing in queue.requests]


def test_it_lists_requests_nobody_answered_after_the_rulebook_days(community, member):
    post(community, member, title="Old laptop request", days_ago=10)
    post(community, member, title="Fresh request", days_ago=2)
    post(community, member, kind="offer", title="An old offer", days_ago=30)
    queue = broker.broker_queue(community)
    assert queue.days == 7
    assert titles(queue) == ["Old laptop request"] and queue.counts["requests"] == 1
    assert queue.requests[0].owner_number == member.memberships.get().number
    communities_services.rulebook_change(
        actor=None, community=community, changes={"broker_unanswered_days": 1}, reason="Sooner."
    )
    assert titles(broker.broker_queue(community)) == ["Old laptop request", "Fresh request"]


def test_it_takes_a_request_off_when_someone_else_writes_about_it(community, member, helper):
    request = post(community, member, days_ago=10)
    conversations_services.conversation_start(
        actor=member,
        community=community,
        recipient=helper,
        listing=request,
        body="Anyone? I wrote first.",
    )
    assert titles(broker.broker_queue(community)) == [request.title]  # only the owner has written
    conversation = conversations_services.conversation_start(
        actor=helper, community=community, recipient=member, listing=request, body="I can help."
    )
    assert conversation.pk
    assert titles(broker.broker_queue(community)) == []


def test_it_takes_a_request_off_when_an_exchange_links_to_it(community, member, helper):
    request = post(community, member, days_ago=10)
    exchange(community, helper, member, confirm=False, listing_id=request.pk)
    assert titles(broker.broker_queue(community)) == []


def test_it_takes_a_request_off_once_a_coordinator_introduced_someone(
    community, coordinator, member, helper
):
    request = post(community, member, days_ago=10)
    introductions_services.introduction_make(
        actor=coordinator,
        community=community,
        first=member,
        second=helper,
        listing=request,
        note="Hal fixes laptops.",
    )
    assert titles(broker.broker_queue(community)) == []


def test_it_leaves_out_closed_requests_and_people_who_left(community, coordinator, member, helper):
    closed = post(community, member, title="Closed", days_ago=10)
    listings_services.listing_close(actor=member, listing=closed)
    post(community, helper, title="From someone who left", days_ago=10)
    offboarding_services.member_offboard(
        actor=coordinator, membership=helper.memberships.get(), reason="Moved away."
    )
    assert titles(broker.broker_queue(community)) == []


def test_it_lists_gifts_never_used(community, member, helper):
    giver = join(community, "giver@riverside.example", "Gia Giver", days_ago=20)
    profiles_services.gift_profile_update(actor=giver, person=giver, gifts=[("hands", "Gardening")])
    offerer = join(community, "offerer@riverside.example", "Oli Offerer", days_ago=20)
    post(community, offerer, kind="offer", title="Bike repairs", category="bike-repair")
    used = join(community, "used@riverside.example", "Uma Used", days_ago=20)
    post(community, used, kind="offer", title="Dog walking", category="pet-care")
    exchange(community, used, member)
    recent = join(community, "recent@riverside.example", "Ray Recent", days_ago=2)
    profiles_services.gift_profile_update(actor=recent, person=recent, gifts=[("head", "Maths")])
    queue = broker.broker_queue(community)
    rows = {m.person.full_name: m for m in queue.unused}
    assert set(rows) == {"Gia Giver", "Oli Offerer"}
    assert rows["Oli Offerer"].offer_title == "Bike repairs" and rows["Gia Giver"].has_gift
    assert queue.counts["unused"] == 2


def test_it_lists_new_members_with_no_exchange_after_30_days(community, member, helper):
    quiet = join(community, "quiet@riverside.example", "Quinn Quiet", days_ago=40)
    busy = join(community, "busy@riverside.example", "Bea Busy", days_ago=40)
    exchange(community, busy, member, confirm=False)
    join(community, "new@riverside.example", "Nell New", days_ago=10)
    queue = broker.broker_queue(community)
    assert [m.person for m in queue.newcomers] == [quiet]
    assert queue.counts["newcomers"] == 1


def test_it_reads_a_fixed_number_of_queries(community, member, django_assert_num_queries):
    def rows(start, count):
        for i in range(start, start + count):
            person = join(community, f"p{i}@riverside.example", f"Person {i}", days_ago=45)
            post(community, person, title=f"Request {i}", days_ago=10)
            post(community, person, kind="offer", title=f"Offer {i}", category="gardening")

    rows(0, 2)
    with django_assert_num_queries(8):
        small = broker.broker_queue(community)
    rows(2, 8)
    with django_assert_num_queries(8):
        large = broker.broker_queue(community)
    assert len(small.requests) == 2 and len(large.requests) == 10
    assert len(large.unused) == 10 and len(large.newcomers) == 10
