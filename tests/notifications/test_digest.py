"""The weekly digest: new listings that fit a person, across their communities, once a week."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.exchanges.services import listings as listings_services
from coproduce.notifications.models import Notification, Preference
from coproduce.notifications.selectors import digest as digest_selectors
from coproduce.notifications.services import digest as digest_services
from coproduce.notifications.services import emails as emails_services
from coproduce.notifications.services import preferences as preferences_services
from tests.conftest import make_person


def post(community, owner, kind, title, category, **kw):
    return listings_services.listing_create(
        actor=owner, community=community, kind=kind, title=title, category=category, **kw
    )


@pytest.fixture
def helper(member):
    """Mo can fix computers (gift profile) and wants their lawn mowed (their own request)."""
    profiles_services.gift_profile_update(
        actor=member, person=member, gifts=[("hands", "Fixing computers")]
    )
    return member


def test_it_emails_new_listings_that_fit_across_all_communities(
    community, other_community, helper, agency_staff, other_member, coordinator
):
    memberships_services.membership_add(actor=None, community=other_community, person=helper)
    post(community, helper, "request", "Someone to mow my lawn", "lawn-mowing")
    fits_gift = post(
        community, agency_staff, "request", "Help with my computer, it is slow", "computer-help"
    )
    fits_need = post(community, coordinator, "offer", "I mow lawns on Saturdays", "lawn-mowing")
    elsewhere = post(
        other_community, other_member, "request", "My computer will not start", "computer-help"
    )
    post(community, agency_staff, "offer", "Dog walking", "pet-care")  # fits nothing of Mo's
    post(community, agency_staff, "request", "Walk my dog", "pet-care")  # nor this
    post(community, helper, "offer", "I fix computers", "computer-help")  # Mo's own

    # Mo; Asha (Mo's offer answers her computer request); Cora (Mo's lawn request fits her offer).
    assert digest_services.digests_send() == 3
    emails = {m.to[0]: m for m in mail.outbox}
    assert set(emails) == {helper.email, agency_staff.email, coordinator.email}
    assert "I fix computers" in emails[agency_staff.email].body
    assert "Someone to mow my lawn" in emails[coordinator.email].body
    email = emails[helper.email]
    assert email.subject == "Your weekly digest: 3 new listings fit you"
    for listing in (fits_gift, fits_need, elsewhere):
        assert listing.title in email.body
        assert f"/c/{listing.community.slug}/listings/{listing.pk}/" in email.body
    assert (
        "Dog walking" not in email.body
        and "Walk my dog" not in email.body
        and "I fix computers" not in email.body
    )
    assert email.body.index("Hillside") < email.body.index("Riverside")
    html = email.alternatives[0][0]
    assert "<h2" in html and fits_gift.title in html
    for detail in (agency_staff.email, coordinator.email, other_member.email, "07700 900001"):
        assert detail not in email.body and detail not in html
    notification = Notification.objects.get(person=helper, kind="digest")
    assert notification.title == email.subject and notification.email_state == "sent"
    assert fits_gift.title in notification.body
    assert Preference.objects.get(person=helper).last_digest_at is not None
    # The sweep leaves it alone: it has been emailed.
    assert (
        emails_services.notifications_email_sweep(now=timezone.now() + dt.timedelta(hours=1)) == 0
    )
    assert len(mail.outbox) == 3


def test_it_sends_no_email_when_nothing_fits_and_waits_a_week(community, helper, agency_staff):
    post(community, agency_staff, "offer", "Dog walking", "pet-care")
    assert digest_services.digests_send() == 0
    assert mail.outbox == [] and not Notification.objects.exists()
    assert (
        Preference.objects.get(person=helper).last_digest_at is not None
    )  # looked, so not again this week


def test_it_sends_once_a_week_with_only_what_is_new(community, helper, agency_staff):
    first = post(community, agency_staff, "request", "Computer help please", "computer-help")
    now = timezone.now()
    assert digest_services.digests_send(now=now) == 1
    second = post(community, agency_staff, "request", "Printer and computer setup", "computer-help")
    assert digest_services.digests_send(now=now + dt.timedelta(days=3)) == 0  # not a week yet
    assert digest_services.digests_send(now=now + dt.timedelta(days=3)) == 0
    assert digest_services.digests_send(now=now + dt.timedelta(days=7, minutes=1)) == 1
    assert len(mail.outbox) == 2
    assert first.title in mail.outbox[0].body
    assert second.title in mail.outbox[1].body and first.title not in mail.outbox[1].body


def test_it_respects_the_persons_choices(community, helper, agency_staff):
    post(community, agency_staff, "request", "Computer help please", "computer-help")
    preferences_services.preference_set(
        actor=helper, person=helper, email_mode="each", weekly_digest=False
    )
    assert digest_services.digests_send() == 0
    preferences_services.preference_set(actor=helper, person=helper, email_mode="none")
    assert digest_services.digests_send() == 0
    assert mail.outbox == []
    preferences_services.preference_set(actor=helper, person=helper, email_mode="digest")
    assert digest_services.digests_send() == 1


def test_a_second_worker_never_sends_it_again(community, helper, agency_staff):
    post(community, agency_staff, "request", "Computer help please", "computer-help")
    now = timezone.now()
    preferences_services.preference_set(
        actor=agency_staff, person=agency_staff, weekly_digest=False
    )
    due = digest_selectors.people_due(now)
    assert [p.pk for p in due] == [helper.pk]
    assert digest_services.digest_send(due[0], now=now) is True
    # A worker that read the same list a moment ago loses the compare-and-set.
    assert digest_services.digest_send(due[0], now=now) is False
    assert len(mail.outbox) == 1


def test_it_escapes_listing_titles_in_the_html(community, helper, agency_staff):
    post(
        community,
        agency_staff,
        "request",
        "<b>Urgent</b> computer <script>x</script>",
        "computer-help",
    )
    digest_services.digests_send()
    html = mail.outbox[0].alternatives[0][0]
    assert (
        "<b>Urgent" not in html and "<script>" not in html and "&lt;b&gt;Urgent&lt;/b&gt;" in html
    )


def _people_with_something_to_read(community, agency_staff, count: int, start: int) -> None:
    for i in range(start, start + count):
        person = make_person(f"reader{i}@example.org", f"Reader {i}")
        memberships_services.membership_add(actor=None, community=community, person=person)
        profiles_services.gift_profile_update(
            actor=person, person=person, gifts=[("hands", "Fixing computers")]
        )


def _queries_for_a_run() -> int:
    with CaptureQueriesContext(connection) as queries:
        digest_services.digests_send()
    return len(queries)


def test_it_reads_a_fixed_number_of_queries_per_person(community, agency_staff):
    preferences_services.preference_set(
        actor=agency_staff, person=agency_staff, weekly_digest=False
    )
    post(community, agency_staff, "request", "Computer help please", "computer-help")
    post(community, agency_staff, "request", "Laptop and computer setup", "computer-help")
    _people_with_something_to_read(community, agency_staff, 1, 0)
    one = _queries_for_a_run()
    _people_with_something_to_read(community, agency_staff, 3, 10)
    three = _queries_for_a_run()
    _people_with_something_to_read(community, agency_staff, 5, 20)
    five = _queries_for_a_run()
    assert len(mail.outbox) == 1 + 3 + 5
    per_person = (three - one) // 2
    assert (three - one) == 2 * per_person and (five - three) == 2 * per_person
    assert per_person <= 10, per_person  # 9, and what the communities are deciding (governance)
