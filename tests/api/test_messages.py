"""The messages API: conversations, replies, reports and blocks, with the same contract rules as
the rest (error format, 404 for outsiders, nothing stored when refused)."""

from __future__ import annotations

import pytest

from coproduce.communities.services import memberships as memberships_services
from coproduce.messaging.models import Block, Conversation, Message, Report
from coproduce.messaging.services import conversations as conversations_services
from tests.conftest import make_person

from .conftest import assert_error, bearer

BASE = "/api/v1/communities/riverside"


@pytest.fixture
def helper(community):
    person = make_person("helper@riverside.example", "Hal Helper", phone="07700 900777")
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


def number(person, community) -> int:
    return person.memberships.get(community=community).number


def send(client, url, data, headers):
    return client.post(url, data=data, content_type="application/json", headers=headers)


def state():
    return (
        Conversation.objects.count(),
        Message.objects.count(),
        Report.objects.count(),
        Block.objects.count(),
    )


def test_it_starts_and_lists_conversations(client, community, member, helper):
    headers = bearer(member)
    response = send(
        client,
        f"{BASE}/conversations",
        {"to": number(helper, community), "body": "<b>Hello</b>"},
        headers,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert [m["body"] for m in created["messages"]] == ["<b>Hello</b>"]
    assert "phone" not in response.content.decode() and "07700" not in response.content.decode()
    listed = client.get(f"{BASE}/conversations", headers=headers).json()["items"]
    assert [(c["id"], c["other"]["display_name"], c["last_body"]) for c in listed] == [
        (created["id"], "Hal Helper", "<b>Hello</b>")
    ]
    reply = send(
        client, f"{BASE}/conversations/{created['id']}/messages", {"body": "Hi Mo"}, bearer(helper)
    )
    assert reply.status_code == 201
    detail = client.get(f"{BASE}/conversations/{created['id']}", headers=headers).json()
    assert [m["body"] for m in detail["messages"]] == ["<b>Hello</b>", "Hi Mo"]


def test_it_refuses_writing_to_a_member_who_blocked_you(client, community, member, helper):
    blocked = client.post(f"{BASE}/blocks/{number(member, community)}", headers=bearer(helper))
    assert blocked.status_code == 200 and blocked.json()["blocked"] is True
    before = state()
    response = send(
        client,
        f"{BASE}/conversations",
        {"to": number(helper, community), "body": "Hello"},
        bearer(member),
    )
    assert_error(response, 403, "blocked")
    assert state() == before
    assert (
        client.delete(
            f"{BASE}/blocks/{number(member, community)}", headers=bearer(helper)
        ).status_code
        == 204
    )
    assert (
        send(
            client,
            f"{BASE}/conversations",
            {"to": number(helper, community), "body": "Hello"},
            bearer(member),
        ).status_code
        == 201
    )


def test_it_refuses_oneself_and_bad_bodies(client, community, member, helper):
    headers = bearer(member)
    before = state()
    assert_error(
        send(
            client,
            f"{BASE}/conversations",
            {"to": number(member, community), "body": "Me"},
            headers,
        ),
        422,
        "self",
    )
    assert_error(
        send(
            client,
            f"{BASE}/conversations",
            {"to": number(helper, community), "body": "x\x00"},
            headers,
        ),
        422,
    )
    assert_error(
        send(
            client,
            f"{BASE}/conversations",
            {"to": number(helper, community), "body": "x" * 4001},
            headers,
        ),
        422,
    )
    assert state() == before


def test_it_hides_conversations_from_outsiders_and_coordinators(
    client, community, member, helper, coordinator, other_member, outsider
):
    conversation = conversations_services.conversation_start(
        actor=helper, community=community, recipient=member, body="Hi"
    )
    message = conversation.messages.get()
    before = state()
    for person in (coordinator, other_member, outsider):
        headers = bearer(person)
        assert_error(client.get(f"{BASE}/conversations/{conversation.pk}", headers=headers), 404)
        assert_error(
            send(
                client, f"{BASE}/conversations/{conversation.pk}/messages", {"body": "x"}, headers
            ),
            404,
        )
        assert_error(
            send(client, f"{BASE}/messages/{message.pk}/report", {"reason": "x"}, headers), 404
        )
    for person in (other_member, outsider):
        assert_error(client.get(f"{BASE}/conversations", headers=bearer(person)), 404)
    assert state() == before


def test_it_lets_coordinators_read_a_reported_conversation(
    client, community, member, helper, coordinator
):
    conversation = conversations_services.conversation_start(
        actor=helper, community=community, recipient=member, body="Rude"
    )
    message = conversation.messages.get()
    response = send(
        client, f"{BASE}/messages/{message.pk}/report", {"reason": "Rude"}, bearer(member)
    )
    assert response.status_code == 201
    detail = client.get(f"{BASE}/conversations/{conversation.pk}", headers=bearer(coordinator))
    assert detail.status_code == 200
    assert [m["body"] for m in detail.json()["messages"]] == ["Rude"]
