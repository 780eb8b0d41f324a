"""Phase-1 compatibility shim: `coproduction.calendars` is now `selectors/calendars.py`. New code
imports those; the importer rewrite deletes this module."""

# phase-1 compatibility: removed by the importer rewrite
from .selectors.calendars import (  # noqa: F401
    FEED_LIMIT,
    FEED_PAST,
    PRODID,
    agency_calendar,
    agency_calendar_url,
    agency_for_feed,
    calendar_of,
    feed_token,
    member_calendar,
    member_calendar_url,
    person_for_feed,
    role_calendar,
    role_calendar_url,
    role_for_feed,
)
