"""notify, the email job, the sweep, marking read and email choices."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from coproduce.core.errors import PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.notifications.models import EmailMode, Notification, Preference
from coproduce.notifications.selectors import notifications as notifications_selectors
from coproduce.notifications.selectors import preferences as preferences_selectors
from coproduce.notifications.services import emails as emails_services
from coproduce.notifications.services import notifications as notifications_services
from coproduce.notifications.services import preferences as preferences_services
from tests.conftest import make_person


def tell(person, django_capture_on_commit_callbacks, **kw):
    kw.setdefault("kind", "exchange_recorded")
    kw.setdefault("title", "Please confirm 1h30 (Riverside)")
    kw.setdefault("body", "Mo Member recorded 1h30 for Gardening.")
    kw.setdefault("url", "/c/riverside/exchanges/1/")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notifications_services.notify(person=person, **kw)
    notification.refresh_from_db()
    return notification


def test_it_stores_the_notification_and_emails_it_to_someone_who_wants_each_one(
    member, community, django_capture_on_commit_callbacks
):
    notification = tell(member, django_capture_on_commit_callbacks, community=community)
    assert notification.person == member and notification.read_at is None
    assert notification.email_state == "sent" and notification.emailed_at is not None
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [member.email]
    assert email.subject == "Please confirm 1h30 (Riverside)"
    assert "Mo Member recorded 1h30 for Gardening." in email.body
    assert f"{settings.SITE_URL}/c/riverside/exchanges/1/" in email.body
    html, mime = email.alternatives[0]
    assert (
        mime == "text/html"
        and f'href="{settings.SITE_URL}/c/riverside/exchanges/1/"' in html
        and "<h1" in html
    )
    assert notifications_selectors.unread_count(member) == 1


@pytest.mark.parametrize("mode", [EmailMode.DIGEST, EmailMode.NONE])
def test_it_only_shows_it_on_the_site_for_other_choices(
    member, mode, django_capture_on_commit_callbacks
):
    preferences_services.preference_set(actor=member, person=member, email_mode=mode)
    notification = tell(member, django_capture_on_commit_callbacks)
    assert notification.email_state == "skipped"
    assert mail.outbox == []
    assert notifications_selectors.unread_count(member) == 1


@pytest.mark.parametrize("extra", [{"email": None}, {"is_offline": True}])
def test_it_skips_the_email_for_someone_without_an_address(
    db, extra, django_capture_on_commit_callbacks
):
    person = make_person(extra.pop("email", "ode@example.org"), "Ode Offline", **extra)
    notification = tell(person, django_capture_on_commit_callbacks)
    assert notification.email_state == "skipped"
    assert mail.outbox == []


def test_it_sends_nothing_when_the_callers_transaction_is_rolled_back(
    member, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notifications_services.notify(person=member, kind="x", title="Never happened")
        raise RuntimeError
    assert not Notification.objects.exists() and mail.outbox == []


def test_it_escapes_what_people_wrote_in_the_html_email(member, django_capture_on_commit_callbacks):
    tell(
        member,
        django_capture_on_commit_callbacks,
        title="From <b>Eve</b>",
        body='<script>alert("x")</script> & <img src=x onerror=alert(1)>',
    )
    email = mail.outbox[0]
    html = email.alternatives[0][0]
    assert "<script>" not in html and "<img" not in html and "<b>Eve" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Eve&lt;/b&gt;" in html
    # The plain text is plain: shown as written, not turned into entities.
    assert '<script>alert("x")</script> & <img' in email.body


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/a b", "/\\evil.example"],
)
def test_it_refuses_links_to_other_sites_and_stores_nothing(member, url):
    with pytest.raises(ValidationFailed) as refused:
        notifications_services.notify(person=member, kind="x", title="Hello", url=url)
    assert "url" in refused.value.fields
    assert not Notification.objects.exists()


def test_it_records_a_failed_email_and_keeps_the_notification(
    member, django_capture_on_commit_callbacks
):
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("mail server down")
    ):
        notification = tell(member, django_capture_on_commit_callbacks)
    assert notification.email_state == "failed"
    assert notifications_selectors.unread_count(member) == 1
    # A failed one is not tried again by the sweep (never twice).
    assert (
        emails_services.notifications_email_sweep(now=timezone.now() + dt.timedelta(hours=1)) == 0
    )
    assert mail.outbox == []


def test_the_sweep_sends_what_a_lost_job_did_not_and_never_twice(member, agency_staff):
    # Made outside the callers' commit hooks: as if the job was lost between commit and enqueue.
    first = notifications_services.notify(person=member, kind="x", title="One")
    second = notifications_services.notify(person=agency_staff, kind="x", title="Two")
    assert mail.outbox == []
    assert emails_services.notifications_email_sweep() == 0  # too fresh: its own job may still come
    later = timezone.now() + dt.timedelta(minutes=5)
    assert emails_services.notifications_email_sweep(now=later) == 2
    assert emails_services.notifications_email_sweep(now=later) == 0
    # The job arriving late, and a second worker, find it already sent.
    assert emails_services.notification_email_send(first.pk) == ""
    assert emails_services.notification_email_send(second.pk) == ""
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, agency_staff.email])


def test_it_never_sends_when_another_worker_claimed_it_first(member):
    notification = notifications_services.notify(person=member, kind="x", title="One")

    def meanwhile(person):
        # Another worker sends it between this one's read and its conditional UPDATE.
        Notification.objects.filter(pk=notification.pk).update(email_state="sent")
        return Preference(person=person)

    with mock.patch("coproduce.notifications.services.emails._preference", side_effect=meanwhile):
        assert emails_services.notification_email_send(notification.pk) == ""
    assert mail.outbox == []


def test_it_marks_some_or_all_as_read(member, agency_staff):
    mine = [notifications_services.notify(person=member, kind="x", title=f"N{i}") for i in range(3)]
    theirs = notifications_services.notify(person=agency_staff, kind="x", title="Theirs")
    assert notifications_services.mark_read(person=member, ids=[mine[0].pk]) == 1
    assert notifications_selectors.unread_count(member) == 2
    assert notifications_services.mark_read(person=member, ids=[mine[0].pk]) == 0  # already read
    assert notifications_services.mark_read(person=member, all=True) == 2
    assert notifications_selectors.unread_count(member) == 0
    assert notifications_selectors.unread_count(agency_staff) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_refuses_ids_that_are_not_yours_and_marks_none(member, agency_staff):
    mine = notifications_services.notify(person=member, kind="x", title="Mine")
    theirs = notifications_services.notify(person=agency_staff, kind="x", title="Theirs")
    for ids in ([mine.pk, theirs.pk], [mine.pk, 999999], []):
        with pytest.raises(ValidationFailed) as refused:
            notifications_services.mark_read(person=member, ids=ids)
        assert "ids" in refused.value.fields
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_it_changes_email_choices_with_an_audit_row(member):
    assert (
        preferences_selectors.preference_for(member).email_mode == EmailMode.EACH
    )  # the default, no row yet
    preference = preferences_services.preference_set(
        actor=member, person=member, email_mode="each", weekly_digest=False
    )
    assert (preference.email_mode, preference.weekly_digest) == ("each", False)
    event = AuditEvent.objects.get(action="notifications.preferences")
    assert event.actor_id == member.pk and event.changes == {"weekly_digest": [True, False]}
    # "Only the digest" turns it on; "none" turns it off.
    assert (
        preferences_services.preference_set(
            actor=member, person=member, email_mode="digest"
        ).weekly_digest
        is True
    )
    assert (
        preferences_services.preference_set(
            actor=member, person=member, email_mode="none"
        ).weekly_digest
        is False
    )
    # Nothing changed, nothing audited.
    preferences_services.preference_set(actor=member, person=member, email_mode="none")
    assert AuditEvent.objects.filter(action="notifications.preferences").count() == 3


def test_it_refuses_bad_email_choices_and_changes_nothing(member, agency_staff):
    preferences_services.preference_set(actor=member, person=member, email_mode="digest")
    for bad in ({"email_mode": "sometimes"}, {"email_mode": ""}, {"weekly_digest": "yes"}):
        with pytest.raises(ValidationFailed):
            preferences_services.preference_set(actor=member, person=member, **bad)
    with pytest.raises(PermissionDenied):
        preferences_services.preference_set(actor=agency_staff, person=member, email_mode="none")
    assert Preference.objects.get(person=member).email_mode == "digest"
    assert AuditEvent.objects.filter(action="notifications.preferences").count() == 1


def test_it_pages_a_persons_notifications_newest_first(member, agency_staff):
    made = [notifications_services.notify(person=member, kind="x", title=f"N{i}") for i in range(5)]
    notifications_services.notify(person=agency_staff, kind="x", title="Not mine")
    first, older = notifications_selectors.notification_page(member, limit=2)
    assert [n.title for n in first] == ["N4", "N3"] and older == made[3].pk
    second, older = notifications_selectors.notification_page(member, before_id=older, limit=2)
    assert [n.title for n in second] == ["N2", "N1"]
    last, older = notifications_selectors.notification_page(member, before_id=older, limit=2)
    assert [n.title for n in last] == ["N0"] and older is None
    other = Notification.objects.get(title="Not mine")
    assert notifications_selectors.notification_page(member, before_id=other.pk)[0] == []


def test_it_stores_demo_history_quietly(member, django_capture_on_commit_callbacks):
    with notifications_services.quietly():
        notification = tell(member, django_capture_on_commit_callbacks)
    assert notification.read_at is not None and notification.email_state == "skipped"
    assert mail.outbox == [] and notifications_selectors.unread_count(member) == 0
    assert (
        tell(member, django_capture_on_commit_callbacks).email_state == "sent"
    )  # and back to normal after


def test_the_unread_count_is_the_orms_count(member, community, django_capture_on_commit_callbacks):
    """unread_count writes its COUNT out in SQL: it must count what the ORM counts, in the
    whole install and in one community, whatever has been read."""
    from coproduce.communities.models import Community

    other = Community.objects.create(name="Elsewhere", slug="elsewhere", member_prefix="ELS")
    for n in range(5):
        place = community if n % 2 else other
        tell(member, django_capture_on_commit_callbacks, community=place, title=f"Notice {n}")
    someone = make_person("someone@example.org", "Someone Else")
    tell(someone, django_capture_on_commit_callbacks, community=community)
    first = Notification.objects.filter(person=member).order_by("id").first()
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    mine = Notification.objects.filter(person=member, read_at__isnull=True)
    assert notifications_selectors.unread_count(member) == mine.count() == 4
    for place in (community, other):
        assert (
            notifications_selectors.unread_count(member, community_id=place.pk)
            == mine.filter(community=place).count()
            > 0
        )
