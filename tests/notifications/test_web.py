"""The notification centre, the header count and the email choices on the website."""

from __future__ import annotations

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.communities.selectors.communities import local_today
from coproduce.core.models import AuditEvent
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.messaging.services import conversations as conversations_services
from coproduce.notifications.models import Notification, Preference
from coproduce.notifications.selectors import notifications as notifications_selectors
from coproduce.notifications.services import notifications as notifications_services
from coproduce.notifications.services import preferences as preferences_services
from tests.web.conftest import text

HEADER = '>Notifications ({}<span class="visually-hidden"> unread</span>)</a>'


def test_it_lists_notifications_newest_first_with_unread_ones_said_in_words(client, member):
    notifications_services.notify(
        person=member, kind="x", title="Older one", body="<script>alert(1)</script>", url="/home/"
    )
    newer = notifications_services.notify(person=member, kind="x", title="Newer one")
    notifications_services.mark_read(person=member, ids=[newer.pk])
    client.force_login(member)
    response = client.get(reverse("web:notifications"))
    assert response.status_code == 200
    page = text(response)
    assert page.index("Newer one") < page.index("Older one")
    assert (
        HEADER.format(1) in response.content.decode()
    )  # the link's name: "Notifications (1 unread)"
    assert "You have 1 unread notification." in page
    assert "Unread Older one" in page and "Unread Newer one" not in page
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert body.count("<h1") == 1
    assert "Mark all as read" in page


def test_it_shows_the_count_in_the_header_with_one_query(client, member):
    client.force_login(member)
    client.get(reverse("web:home"))
    notifications_services.notify(person=member, kind="x", title="One")
    notifications_services.notify(person=member, kind="x", title="Two")
    assert HEADER.format(2) in client.get(reverse("web:home")).content.decode()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("web:notifications"))
    counts = [
        q["sql"]
        for q in queries
        if "notifications_notification" in q["sql"] and "COUNT" in q["sql"].upper()
    ]
    assert len(counts) == 1  # the header and the page share one count


def test_it_marks_all_or_one_as_read(client, member, agency_staff):
    first = notifications_services.notify(person=member, kind="x", title="First")
    notifications_services.notify(person=member, kind="x", title="Second")
    theirs = notifications_services.notify(person=agency_staff, kind="x", title="Theirs")
    client.force_login(member)
    response = client.post(reverse("web:notifications_read"), {"ids": [str(first.pk)]})
    assert response.status_code == 302
    assert notifications_selectors.unread_count(member) == 1
    response = client.post(reverse("web:notifications_read"), {"all": "1"}, follow=True)
    assert "Marked as read." in text(response) and "Notifications (" not in text(response)
    assert notifications_selectors.unread_count(member) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_refuses_someone_elses_or_unknown_ids_and_marks_nothing(client, member, agency_staff):
    mine = notifications_services.notify(person=member, kind="x", title="Mine")
    theirs = notifications_services.notify(person=agency_staff, kind="x", title="Theirs")
    client.force_login(member)
    for ids in ([str(mine.pk), str(theirs.pk)], ["999999"], ["abc"], []):
        response = client.post(reverse("web:notifications_read"), {"ids": ids})
        assert response.status_code == 400, ids
        assert "There is a problem" in text(response)
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_opening_one_marks_it_read_and_goes_only_to_a_page_of_this_site(
    client, member, agency_staff
):
    linked = notifications_services.notify(person=member, kind="x", title="Linked", url="/home/")
    plain = notifications_services.notify(person=member, kind="x", title="Plain")
    Notification.objects.filter(pk=plain.pk).update(
        url="//evil.example/"
    )  # as if stored by some other way
    theirs = notifications_services.notify(
        person=agency_staff, kind="x", title="Theirs", url="/home/"
    )
    client.force_login(member)
    response = client.get(reverse("web:notification_open", args=[linked.pk]))
    assert response.status_code == 302 and response["Location"] == "/home/"
    response = client.get(reverse("web:notification_open", args=[plain.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:notifications")
    assert notifications_selectors.unread_count(member) == 0
    assert client.get(reverse("web:notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_needs_sign_in(client, member):
    for name in ("web:notifications", "web:notification_preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("web:notifications_read"), {"all": "1"}).status_code == 302


def test_it_changes_email_choices_from_the_account_page(client, member):
    client.force_login(member)
    page = text(client.get(reverse("web:account")))
    assert "Notifications and emails" in page and "Save email choices" in page
    response = client.post(
        reverse("web:notification_preferences"), {"notify-email_mode": "digest"}, follow=True
    )
    assert "Your email choices have been saved." in text(response)
    preference = Preference.objects.get(person=member)
    assert (preference.email_mode, preference.weekly_digest) == ("digest", True)
    assert AuditEvent.objects.filter(action="notifications.preferences", actor=member).count() == 1


def test_it_refuses_an_unknown_email_choice_and_changes_nothing(client, member):
    client.force_login(member)
    for data in ({"notify-email_mode": "sometimes"}, {}):
        response = client.post(reverse("web:notification_preferences"), data)
        assert response.status_code == 400
        assert "There is a problem" in text(response)
    assert not Preference.objects.exists()
    assert not AuditEvent.objects.filter(action="notifications.preferences").exists()


def test_a_new_message_lands_in_the_notification_centre_without_contact_details(
    client, community, member, agency_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversations_services.conversation_start(
            actor=member, community=community, recipient=agency_staff, body="Hello, 07700 900001?"
        )
    notification = Notification.objects.get(person=agency_staff)
    assert notification.kind == "message" and notification.community == community
    assert notification.url == reverse(
        "web:conversation_detail", args=[community.slug, conversation.pk]
    )
    [email] = mail.outbox
    for detail in (member.email, "07700 900001", "1 River Row"):
        assert detail not in email.body and detail not in email.alternatives[0][0]
    client.force_login(agency_staff)
    page = text(client.get(reverse("web:notifications")))
    assert "New message from Mo Member (Riverside)" in page


def test_recorded_hours_land_in_the_notification_centre_by_preference(
    community, member, agency_staff, django_capture_on_commit_callbacks
):
    preferences_services.preference_set(actor=agency_staff, person=agency_staff, email_mode="none")
    with django_capture_on_commit_callbacks(execute=True):
        exchange = exchanges_services.exchange_record(
            actor=member,
            community=community,
            idempotency_key="n-1",
            providers=[member],
            recipients=[agency_staff],
            minutes=90,
            effective_on=local_today(community),
            category="Gardening",
        )
    notification = Notification.objects.get(person=agency_staff)
    assert notification.kind == "exchange_recorded"
    assert notification.url == f"/c/{community.slug}/exchanges/{exchange.pk}/"
    assert notification.email_state == "skipped" and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    assert Notification.objects.get(person=member).kind == "exchange_confirmed"
    assert [m.to for m in mail.outbox] == [[member.email]]
