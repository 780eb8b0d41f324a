"""The coordinators' API: broker queue, introductions, messages to pass on, closing concerns;
and writing for a member through the messages API. Coordinators only (403 members, 404
outsiders); refused requests store nothing."""

from __future__ import annotations

import pytest

from coproduce.exchanges.models import ExchangeReference
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import references as references_services
from coproduce.messaging.models import Conversation, Introduction, Message, PassOn
from coproduce.messaging.services import blocks as blocks_services
from coproduce.messaging.services import conversations as conversations_services
from tests.exchanges.test_exchanges import record
from tests.messaging.conftest import join, post

from .conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"


@pytest.fixture
def helper(community):
    return join(community, "helper@riverside.example", "Hal Helper", phone="07700 900777")


@pytest.fixture
def offline(community):
    return join(community, None, "Ode Offline", phone="01632 960001", is_offline=True)


def number(person, community) -> int:
    return person.memberships.get(community=community).number


def send(client, url, data, headers):
    return client.post(url, data=data, content_type="application/json", headers=headers)


def state():
    return (Conversation.objects.count(), Message.objects.count(), Introduction.objects.count())


def test_it_serves_the_broker_queue_to_coordinators(client, community, coordinator, member):
    request = post(community, member, title="Help setting up a new laptop", days_ago=10)
    join(community, "quiet@riverside.example", "Quinn Quiet", days_ago=40)
    response = client.get(f"{BASE}/broker-queue", headers=bearer(coordinator))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["days"] == 7
    assert body["unanswered_requests"]["total"] == 1
    item = body["unanswered_requests"]["items"][0]
    assert item["listing_id"] == request.pk and item["owner"]["member_number"] == number(
        member, community
    )
    assert "Quinn Quiet" in [
        i["member"]["display_name"] for i in body["new_members_without_exchange"]["items"]
    ]


@pytest.mark.parametrize("who, status", [("member", 403), ("outsider", 404), ("other_member", 404)])
def test_it_keeps_others_out(client, community, coordinator, member, helper, who, status, request):
    headers = bearer(request.getfixturevalue(who))
    assert_error(client.get(f"{BASE}/broker-queue", headers=headers), status)
    assert_error(client.get(f"{BASE}/introductions", headers=headers), status)
    assert_error(client.get(f"{BASE}/messages-to-pass-on", headers=headers), status)
    assert_error(client.get(f"{BASE}/concerns", headers=headers), status)
    before = state()
    assert_error(
        send(
            client,
            f"{BASE}/introductions",
            {"first": number(member, community), "second": number(helper, community), "note": "Hi"},
            headers,
        ),
        status,
    )
    assert state() == before


def test_it_introduces_two_members_and_lists_it(client, community, coordinator, member, helper):
    request = post(community, member, days_ago=10)
    headers = bearer(coordinator)
    response = send(
        client,
        f"{BASE}/introductions",
        {
            "first": f"RIV-{number(member, community):04d}",
            "second": number(helper, community),
            "listing_id": request.pk,
            "note": "Hal is good with laptops.",
        },
        headers,
    )
    assert response.status_code == 201, response.content
    made = response.json()
    assert (
        made["first"]["display_name"] == "Mo Member"
        and made["second"]["display_name"] == "Hal Helper"
    )
    assert (
        made["made_by"]["display_name"] == "Cora Coordinator" and made["listing_id"] == request.pk
    )
    listed = client.get(f"{BASE}/introductions", headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [made["id"]]
    assert (listed["made_this_month"], listed["made_in_all"]) == (1, 1)
    queue = client.get(f"{BASE}/broker-queue", headers=headers).json()
    assert queue["unanswered_requests"]["total"] == 0
    detail = client.get(
        f"{BASE}/conversations/{made['conversation_id']}", headers=bearer(member)
    ).json()
    assert detail["messages"][0]["introduction"] is True
    assert detail["messages"][0]["sender"]["display_name"] == "Cora Coordinator"


def test_it_refuses_bad_introductions_and_stores_nothing(
    client, community, coordinator, member, helper
):
    headers = bearer(coordinator)
    blocks_services.member_block(actor=helper, community=community, person=member)
    before = state()
    same = send(
        client,
        f"{BASE}/introductions",
        {"first": number(member, community), "second": number(member, community), "note": "Hi"},
        headers,
    )
    assert_error(same, 422, "self")
    blocked = send(
        client,
        f"{BASE}/introductions",
        {"first": number(member, community), "second": number(helper, community), "note": "Hi"},
        headers,
    )
    error = assert_error(blocked, 403, "blocked")
    assert "Hal" not in error["message"] and "Mo" not in error["message"]
    unknown = send(
        client,
        f"{BASE}/introductions",
        {"first": number(member, community), "second": 9999, "note": "Hi"},
        headers,
    )
    assert_error(unknown, 422, "unknown_member")
    empty = send(
        client,
        f"{BASE}/introductions",
        {"first": number(member, community), "second": number(coordinator, community), "note": ""},
        headers,
    )
    assert_error(empty, 422)
    assert state() == before


def test_it_passes_a_message_on_once(client, community, coordinator, member, offline):
    message = conversations_services.conversation_start(
        actor=member, community=community, recipient=offline, body="Walk on Friday?"
    ).messages.get()
    headers = bearer(coordinator)
    listed = client.get(f"{BASE}/messages-to-pass-on", headers=headers).json()
    assert [(m["id"], m["body"]) for m in listed["items"]] == [(message.pk, "Walk on Friday?")]
    assert listed["items"][0]["readers"][0]["display_name"] == "Ode Offline"
    url = f"{BASE}/messages-to-pass-on/{message.pk}/passed-on"
    assert_error(send(client, url, {"how": ""}, headers), 422)
    done = send(client, url, {"how": "by phone"}, headers)
    assert done.status_code == 200, done.content
    assert done.json()["pass_on"] == "done" and done.json()["passed_on_how"] == "by phone"
    assert_error(send(client, url, {"how": "by letter"}, headers), 409, "already_passed_on")
    message.refresh_from_db()
    assert (message.pass_on, message.passed_on_how) == (PassOn.DONE, "by phone")
    assert client.get(f"{BASE}/messages-to-pass-on", headers=headers).json()["items"] == []
    assert (
        len(client.get(f"{BASE}/messages-to-pass-on?done=true", headers=headers).json()["items"])
        == 1
    )


def test_it_finds_no_private_message_to_pass_on(client, community, coordinator, member, helper):
    private = conversations_services.conversation_start(
        actor=member, community=community, recipient=helper, body="Private"
    ).messages.get()
    response = send(
        client,
        f"{BASE}/messages-to-pass-on/{private.pk}/passed-on",
        {"how": "by phone"},
        bearer(coordinator),
    )
    assert_error(response, 404)


def test_it_closes_a_concern_once(client, community, coordinator, member, agency_staff):
    exchange = record(community, member, member, agency_staff, key="api-concern")
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    concern = references_services.reference_leave(
        actor=member, exchange=exchange, subject=agency_staff, kind="concern", text="Rude."
    )
    headers = bearer(coordinator)
    assert [c["id"] for c in client.get(f"{BASE}/concerns", headers=headers).json()["items"]] == [
        concern.pk
    ]
    url = f"{BASE}/references/{concern.pk}/close"
    assert_error(send(client, url, {"outcome": ""}, headers), 422)
    assert_error(send(client, url, {"outcome": "Done"}, bearer(member)), 403)
    closed = send(client, url, {"outcome": "Spoke to both."}, headers)
    assert closed.status_code == 200, closed.content
    assert closed.json()["outcome"] == "Spoke to both." and closed.json()["closed_by"][
        "display_name"
    ] == ("Cora Coordinator")
    assert_error(send(client, url, {"outcome": "Again"}, headers), 409, "already_closed")
    assert ExchangeReference.objects.get(pk=concern.pk).concern_outcome == "Spoke to both."
    assert client.get(f"{BASE}/concerns", headers=headers).json()["items"] == []
    assert len(client.get(f"{BASE}/concerns?closed=true", headers=headers).json()["items"]) == 1


def test_it_writes_for_a_member_through_the_messages_api(
    client, community, coordinator, member, offline, helper
):
    headers = bearer(coordinator)
    response = send(
        client,
        f"{BASE}/conversations",
        {
            "to": number(member, community),
            "body": "Ode would like a lift.",
            "on_behalf_of": number(offline, community),
        },
        headers,
    )
    assert response.status_code == 201, response.content
    first = response.json()["messages"][0]
    assert first["sender"]["display_name"] == "Ode Offline"
    assert first["written_by"]["display_name"] == "Cora Coordinator"
    conversation_id = response.json()["id"]
    reply = send(
        client,
        f"{BASE}/conversations/{conversation_id}/messages",
        {"body": "Thanks!", "on_behalf_of": number(offline, community)},
        headers,
    )
    assert (
        reply.status_code == 201
        and reply.json()["written_by"]["display_name"] == "Cora Coordinator"
    )
    before = state()
    refused = send(
        client,
        f"{BASE}/conversations",
        {
            "to": number(member, community),
            "body": "Not allowed",
            "on_behalf_of": number(offline, community),
        },
        bearer(helper),
    )
    assert_error(refused, 403)
    assert state() == before
