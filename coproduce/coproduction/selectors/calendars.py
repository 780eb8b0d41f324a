"""iCalendar (RFC 5545) feeds of sessions, written with the `icalendar` package: one for each
agency, one for each role, and one for each member's own booked sessions.

Calendar apps cannot sign in, so every feed is a plain URL:
- an agency's and a role's feeds are public: sessions are published co-production opportunities,
  and a feed holds only what the session page shows anyone (role, agency, place, times, places
  left), never who signed up;
- a member's feed is a secret URL: a token signed with the site's secret key for this person in
  this community. It stops working when they leave the community (or when SECRET_KEY changes).

Each session is one VEVENT whose UID (`session-<id>@<host>`) stays the same across fetches, so
apps update an event in place; a cancelled session stays in the feed with STATUS:CANCELLED so
apps remove it from people's calendars. Times are written in UTC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound

from ..models import Agency, CoproductionRole, RoleStatus, Session, SessionStatus
from . import sessions as session_selectors

PRODID = "-//coproduce//Co-production sessions//EN"
FEED_PAST = dt.timedelta(
    days=90
)  # past sessions kept in a feed, so last week's stay in the calendar
FEED_LIMIT = 500
_SALT = "coproduce.coproduction.calendar"


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "coproduce"


# Selectors: where the feeds are -------------------------------------------------------------


def agency_calendar_url(agency: Agency) -> str:
    """The agency's public feed of sessions (an absolute URL)."""
    return _absolute(reverse("web:agency_calendar", args=[agency.community.slug, agency.slug]))


def role_calendar_url(role: CoproductionRole) -> str:
    """The role's public feed of sessions (an absolute URL)."""
    return _absolute(reverse("web:role_calendar", args=[role.community.slug, role.pk]))


def feed_token(person, community) -> str:
    return signing.Signer(salt=_SALT).sign(f"{person.pk}.{community.pk}").replace(":", ".")


def member_calendar_url(person, community) -> str:
    """The person's own secret feed of the sessions they are booked on in the community."""
    return _absolute(
        reverse("web:member_calendar", args=[community.slug, feed_token(person, community)])
    )


def person_for_feed(community, token: str):
    """The member a feed token was made for. Raises NotFound for a bad token or a person who is
    no longer a member."""
    value, _, signature = token.rpartition(".")
    try:
        person_id, community_id = (
            int(part)
            for part in signing.Signer(salt=_SALT).unsign(f"{value}:{signature}").split(".")
        )
    except (signing.BadSignature, ValueError):
        raise NotFound("No such calendar.") from None
    person = (
        get_user_model().objects.filter(pk=person_id).first()
        if community_id == community.pk
        else None
    )
    if person is None or community_access.membership_of(person, community) is None:
        raise NotFound("No such calendar.")
    return person


# Selectors: the feeds -----------------------------------------------------------------------


def _event(session: Session, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"session-{session.pk}@{_host()}")
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(dt.UTC))
    event.add("dtend", session.ends_at.astimezone(dt.UTC))
    event.add("summary", f"{session.role.title} ({session.agency.name})")
    event.add("location", session.place)
    lines = [session.role.description, "", f"With {session.agency.name}."]
    if session.status == SessionStatus.SCHEDULED:
        lines.append(f"Places left: {session.places_left} of {session.capacity}.")
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
    event.add(
        "url", _absolute(reverse("web:session_detail", args=[session.community.slug, session.pk]))
    )
    return event


def calendar_of(sessions: Iterable[Session], *, name: str) -> bytes:
    """A VCALENDAR with one VEVENT a session, as bytes (CRLF line ends, folded lines)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for session in sessions:
        calendar.add_component(_event(session, stamp))
    return calendar.to_ical()


def _since() -> dt.datetime:
    return timezone.now() - FEED_PAST


def agency_calendar(agency: Agency) -> bytes:
    found = session_selectors.sessions_list(agency.community, agency=agency, start=_since())[
        :FEED_LIMIT
    ]
    return calendar_of(found, name=f"{agency.name}: sessions")


def role_calendar(role: CoproductionRole) -> bytes:
    found = session_selectors.sessions_list(role.community, role=role, start=_since())[:FEED_LIMIT]
    return calendar_of(found, name=f"{role.title} ({role.agency.name})")


def member_calendar(community, person) -> bytes:
    found = session_selectors.booked_sessions_of(community, person, since=_since())
    return calendar_of(found, name=f"My sessions in {community.name}")


def agency_for_feed(community, agency_slug: str) -> Agency:
    found = (
        Agency.objects.select_related("community")
        .filter(community=community, slug=agency_slug)
        .first()
    )
    if found is None:
        raise NotFound("No such agency.")
    return found


def role_for_feed(community, role_id: int) -> CoproductionRole:
    found = (
        CoproductionRole.objects.select_related("community", "agency")
        .filter(community=community, pk=role_id)
        .exclude(status=RoleStatus.DRAFT)
        .first()
    )
    if found is None:
        raise NotFound("No such role.")
    return found
