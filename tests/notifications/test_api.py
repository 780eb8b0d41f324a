"""GET /api/v1/me/notifications, POST /api/v1/me/notifications/read and
GET/PUT /api/v1/me/notification-preferences."""

from __future__ import annotations

from coproduce.communities.services import memberships as memberships_services
from coproduce.core.models import AuditEvent
from coproduce.notifications.models import Notification, Preference
from coproduce.notifications.selectors import notifications as notifications_selectors
from coproduce.notifications.services import notifications as notifications_services
from tests.api.conftest import assert_error, bearer

LIST = "/api/v1/me/notifications"
READ = "/api/v1/me/notifications/read"
PREFERENCES = "/api/v1/me/notification-preferences"


def post(client, url, data, headers):
    return client.post(url, data=data, content_type="application/json", headers=headers)


def put(client, url, data, headers):
    return client.put(url, data=data, content_type="application/json", headers=headers)


def test_it_lists_my_notifications_newest_first_in_pages(client, community, member, agency_staff):
    for i in range(5):
        notifications_services.notify(
            person=member,
            kind="x",
            title=f"N{i}",
            community=community if i % 2 else None,
            url="/home/" if i == 4 else "",
        )
    notifications_services.notify(person=agency_staff, kind="x", title="Not mine")
    headers = bearer(member)
    body = client.get(f"{LIST}?limit=2", headers=headers).json()
    assert [n["title"] for n in body["items"]] == ["N4", "N3"]
    assert body["unread_count"] == 5
    assert body["items"][0]["url"] == "/home/" and body["items"][0]["read"] is False
    assert body["items"][1]["community"] == "riverside" and body["items"][0]["community"] is None
    titles = [n["title"] for n in body["items"]]
    while body["next_cursor"]:
        body = client.get(f"{LIST}?limit=2&cursor={body['next_cursor']}", headers=headers).json()
        titles += [n["title"] for n in body["items"]]
    assert titles == ["N4", "N3", "N2", "N1", "N0"]


def test_it_filters_unread_ones_and_marks_them_read(client, member):
    made = [notifications_services.notify(person=member, kind="x", title=f"N{i}") for i in range(3)]
    headers = bearer(member)
    response = post(client, READ, {"ids": [made[0].pk]}, headers)
    assert response.status_code == 200, response.content
    assert response.json() == {"marked": 1, "unread_count": 2}
    body = client.get(f"{LIST}?unread=true", headers=headers).json()
    assert [n["title"] for n in body["items"]] == ["N2", "N1"]
    assert post(client, READ, {"all": True}, headers).json() == {"marked": 2, "unread_count": 0}
    assert client.get(f"{LIST}?unread=true", headers=headers).json()["items"] == []


def test_it_refuses_ids_that_are_not_mine_and_marks_nothing(client, member, agency_staff):
    mine = notifications_services.notify(person=member, kind="x", title="Mine")
    theirs = notifications_services.notify(person=agency_staff, kind="x", title="Theirs")
    headers = bearer(member)
    error = assert_error(
        post(client, READ, {"ids": [mine.pk, theirs.pk]}, headers), 422, "unknown_notifications"
    )
    assert "ids" in error["fields"]
    assert_error(post(client, READ, {"ids": [999999]}, headers), 422)
    for bad in (
        {},
        {"ids": []},
        {"ids": ["x"]},
        {"ids": [0]},
        {"all": "perhaps"},
        {"ids": list(range(1, 300))},
    ):
        assert_error(post(client, READ, bad, headers), 422)
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_a_communitys_token_sees_and_marks_only_that_communitys(
    client, community, other_community, member
):
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    here = notifications_services.notify(person=member, kind="x", title="Here", community=community)
    there = notifications_services.notify(
        person=member, kind="x", title="There", community=other_community
    )
    headers = bearer(member, community=community)
    body = client.get(LIST, headers=headers).json()
    assert [n["title"] for n in body["items"]] == ["Here"] and body["unread_count"] == 1
    assert_error(post(client, READ, {"ids": [there.pk]}, headers), 422)
    assert post(client, READ, {"all": True}, headers).json() == {"marked": 1, "unread_count": 0}
    there.refresh_from_db()
    here.refresh_from_db()
    assert there.read_at is None and here.read_at is not None
    assert_error(put(client, PREFERENCES, {"email_mode": "none"}, headers), 403, "token_scope")


def test_it_shows_and_changes_my_email_choices(client, member):
    headers = bearer(member)
    assert client.get(PREFERENCES, headers=headers).json() == {
        "email_mode": "each",
        "weekly_digest": True,
        "last_digest_at": None,
    }
    response = put(client, PREFERENCES, {"weekly_digest": False}, headers)
    assert response.status_code == 200, response.content
    assert response.json()["weekly_digest"] is False and response.json()["email_mode"] == "each"
    assert (
        put(client, PREFERENCES, {"email_mode": "digest"}, headers).json()["weekly_digest"] is True
    )
    assert AuditEvent.objects.filter(action="notifications.preferences").count() == 2


def test_it_refuses_bad_email_choices_and_changes_nothing(client, member):
    headers = bearer(member)
    put(client, PREFERENCES, {"email_mode": "none"}, headers)
    for bad in (
        {"email_mode": "sometimes"},
        {"email_mode": 3},
        {"email_mode": ""},
        {"weekly_digest": "maybe"},
    ):
        error = assert_error(put(client, PREFERENCES, bad, headers), 422, "validation_failed")
        assert set(error["fields"]) <= {"email_mode", "weekly_digest"}, error
    assert Preference.objects.get(person=member).email_mode == "none"
    assert AuditEvent.objects.filter(action="notifications.preferences").count() == 1


def test_it_needs_a_sign_in(client, member):
    assert_error(client.get(LIST), 401)
    assert_error(client.post(READ, data={"all": True}, content_type="application/json"), 401)
    assert_error(client.get(PREFERENCES), 401)
    assert notifications_selectors.unread_count(member) == 0
