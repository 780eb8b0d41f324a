"""The iCalendar feeds (RFC 5545), parsed back with the icalendar package."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from icalendar import Calendar

from coproduce.communities.services import offboarding as offboarding_services
from coproduce.coproduction.models import Session
from coproduce.coproduction.selectors import calendars
from coproduce.coproduction.services import sessions


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def _parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def _events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def test_the_agency_feed_is_valid_rfc_5545(client, agency, role, session, member):
    role.description = "Sit with people in the waiting room; " * 10  # long enough to need folding
    role.save()
    sessions.signup_create(actor=member, session=session)
    body = _get(client, reverse("web:agency_calendar", args=["riverside", agency.slug])).content
    # CRLF line ends everywhere, and no content line longer than 75 octets.
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # folded
    calendar = _parse(body)
    assert calendar["VERSION"] == "2.0" and "coproduce" in str(calendar["PRODID"])
    (event,) = _events(calendar)
    for name in (
        "UID",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "LOCATION",
        "DESCRIPTION",
        "URL",
        "STATUS",
    ):
        assert name in event, name
    assert event.decoded("DTSTART") == session.starts_at and event.decoded(
        "DTSTART"
    ).utcoffset() == dt.timedelta(0)
    assert event["DTSTART"].to_ical().endswith(b"Z") and event["DTEND"].to_ical().endswith(b"Z")
    assert event.decoded("DTEND") == session.ends_at
    assert str(event["LOCATION"]) == session.place
    assert "Peer supporter" in str(event["SUMMARY"])
    assert str(event["URL"]).endswith(f"/c/riverside/sessions/{session.pk}/")
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "Places left: 2 of 3" in str(event["DESCRIPTION"])
    # Nobody's name is in a public feed.
    assert (
        b"Mo Member" not in body and member.email.encode() not in body and b"ATTENDEE" not in body
    )


def test_uids_are_stable_across_fetches_and_cancelled_sessions_say_so(
    client, agency_admin, role, session
):
    url = reverse("web:role_calendar", args=["riverside", role.pk])
    first = _events(_parse(_get(client, url).content))[0]["UID"]
    sessions.session_cancel(actor=agency_admin, session=session)
    again = _events(_parse(_get(client, url).content))[0]
    assert again["UID"] == first and str(first).startswith(f"session-{session.pk}@")
    assert str(again["STATUS"]) == "CANCELLED"


def test_the_role_feed_has_only_that_roles_sessions(client, agency_admin, agency, role, session):
    other = type(role).objects.create(
        community=role.community,
        agency=agency,
        title="Welcome host",
        description="Greet people.",
        commitment="Mornings",
        status="published",
    )
    start = session.starts_at + dt.timedelta(days=1)
    sessions.session_create(
        actor=agency_admin,
        role=other,
        place="Front desk",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=2,
    )
    role_feed = _events(
        _parse(_get(client, reverse("web:role_calendar", args=["riverside", role.pk])).content)
    )
    agency_feed = _events(
        _parse(
            _get(client, reverse("web:agency_calendar", args=["riverside", agency.slug])).content
        )
    )
    assert len(role_feed) == 1 and len(agency_feed) == 2


def test_the_member_feed_has_their_booked_sessions_only(
    client, community, agency_admin, role, session, member
):
    waiting_session = Session.objects.create(
        community=community,
        agency=role.agency,
        role=role,
        place="Elsewhere",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        capacity=1,
        places_taken=1,
    )
    sessions.signup_create(actor=member, session=session)
    assert sessions.signup_create(actor=member, session=waiting_session).status == "waiting"
    url = calendars.member_calendar_url(member, community)
    events = _events(_parse(_get(client, url).content))
    assert [str(e["UID"]).split("@")[0] for e in events] == [f"session-{session.pk}"]


def test_a_forged_or_foreign_member_token_finds_nothing(
    client, community, other_community, member, other_member
):
    token = calendars.feed_token(member, community)
    assert (
        client.get(
            reverse("web:member_calendar", args=["riverside", token[:-2] + "xx"])
        ).status_code
        == 404
    )
    assert client.get(reverse("web:member_calendar", args=["hillside", token])).status_code == 404
    foreign = calendars.feed_token(other_member, other_community)
    assert (
        client.get(reverse("web:member_calendar", args=["riverside", foreign])).status_code == 404
    )


def test_a_member_who_leaves_loses_their_feed(
    client, community, coordinator, member, membership_of
):
    url = calendars.member_calendar_url(member, community)
    _get(client, url)
    offboarding_services.member_offboard(
        actor=coordinator,
        membership=membership_of(member, community),
        reason="Moved away",
        pseudonymise=False,
    )
    assert client.get(url).status_code == 404


def test_draft_roles_have_no_feed(client, role):
    role.status = "draft"
    role.save()
    assert client.get(reverse("web:role_calendar", args=["riverside", role.pk])).status_code == 404


def test_the_calendar_urls(agency, role, member, community):
    assert calendars.agency_calendar_url(agency).endswith(
        f"/c/riverside/agencies/{agency.slug}/sessions.ics"
    )
    assert calendars.role_calendar_url(role).endswith(f"/c/riverside/roles/{role.pk}/sessions.ics")
    assert calendars.member_calendar_url(member, community).startswith("http")
