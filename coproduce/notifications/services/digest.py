"""The weekly digest: once a week each person who wants it is emailed the new offers and
requests that fit them, across all their communities, and finds the same list in their
notification centre. Nobody is emailed when nothing fits.

Safe to run twice at once: a person's turn is claimed by moving their `last_digest_at` with a
conditional UPDATE (compare-and-set on the old value) before anything is sent, so nobody gets
two digests in a week. The price is that a digest whose email fails is not retried that week;
its notification says "failed".

What fits a person comes from the exchanges app, which hands its selector over when Django starts
(`digest_source_set`, called from exchanges/apps.py), so notifications never imports exchanges:
every app notifies, and notifications depends on none of them. What the person's communities are
deciding (votes open, proposals gone forward, decisions made) comes the same way from governance
(`digest_news_set`, governance/apps.py)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ..models import EmailMode, Notification, Preference
from ..selectors.digest import DIGEST_EVERY, people_due
from .emails import email_send
from .notifications import FAILED, SENT, emailable

logger = logging.getLogger(__name__)

PER_COMMUNITY = 10

# (person, *, since, per_community) -> [(community, [listing, ...]), ...]: the new listings that
# fit the person, by community (exchanges.selectors.listings.listings_for_digest).
DigestSource = Callable[..., list[tuple[Any, list]]]
_source: list[DigestSource] = []


def digest_source_set(source: DigestSource) -> None:
    """Where the digest finds the listings that fit a person (set once, at start-up)."""
    _source[:] = [source]


# (person, *, since) -> [(community, [(line, path), ...]), ...]: what the person's communities are
# deciding (governance.selectors.digest.governance_news): votes open, proposals gone forward for
# discussion, decisions made since the last digest.
NewsSource = Callable[..., list[tuple[Any, list[tuple[str, str]]]]]
_news: list[NewsSource] = []


def digest_news_set(source: NewsSource) -> None:
    """Where the digest finds what a person's communities are deciding (set once, at start-up)."""
    _news[:] = [source]


def _claim(person, now: dt.datetime) -> tuple[bool, dt.datetime | None]:
    """Take this person's turn: (claimed, when their last digest went)."""
    preference = Preference.objects.filter(person=person).first()
    if preference is None:
        try:
            with transaction.atomic():
                Preference.objects.create(person=person, last_digest_at=now)
        except IntegrityError:
            return False, None  # another worker made it first, and so took the turn
        return True, None
    if not preference.weekly_digest or preference.email_mode == EmailMode.NONE:
        return False, None
    last = preference.last_digest_at
    if last is not None and last > now - DIGEST_EVERY:
        return False, None
    claimed = Preference.objects.filter(pk=preference.pk, last_digest_at=last).update(
        last_digest_at=now
    )
    return bool(claimed), last


def _text(sections: list[tuple[Any, list]]) -> str:
    lines = []
    for community, listings in sections:
        lines.append(f"{community.name}:")
        lines += [f"- {listing.get_kind_display()}: {listing.title}" for listing in listings]
    return "\n".join(lines)


def _news_text(news: list[tuple[Any, list[tuple[str, str]]]]) -> str:
    lines = []
    for community, items in news:
        lines.append(f"Deciding in {community.name}:")
        lines += [f"- {line}" for line, _path in items]
    return "\n".join(lines)


def digest_send(person, *, now: dt.datetime | None = None) -> bool:
    """One person's digest, if it is their turn and something fits; returns whether one was
    sent. Also writes the "Your weekly digest" notification (already emailed, so the email job
    leaves it alone)."""
    now = now or timezone.now()
    if not emailable(person):
        return False
    claimed, last = _claim(person, now)
    if not claimed:
        return False
    # Since the last digest (a run a little late loses nothing), at most two weeks back.
    since = max(last, now - 2 * DIGEST_EVERY) if last else now - DIGEST_EVERY
    sections = _source[0](person, since=since, per_community=PER_COMMUNITY) if _source else []
    news = _news[0](person, since=since) if _news else []
    if not sections and not news:
        return False
    count = sum(len(listings) for _community, listings in sections)
    title = (
        f"Your weekly digest: {count} new {'listing fits' if count == 1 else 'listings fit'} you"
        if count
        else "Your weekly digest: what your community is deciding"
    )
    # The text lists every one; the link goes to the offers and requests of the first community.
    notification = Notification.objects.create(
        person=person,
        kind="digest",
        title=title,
        body="\n".join(part for part in (_text(sections), _news_text(news)) if part),
        url=reverse("web:listing_search", args=[sections[0][0].slug])
        if sections
        else news[0][1][0][1],
        email_state=SENT,
        emailed_at=now,
    )
    links = [
        (
            community,
            [
                (listing, reverse("web:listing_detail", args=[community.slug, listing.pk]))
                for listing in found
            ],
        )
        for community, found in sections
    ]
    try:
        email_send(
            to=person.email,
            subject=title,
            template="digest",
            context={
                "person": person,
                "sections": links,
                "news": news,
                "count": count,
                "title": title,
            },
        )
    except Exception:  # noqa: BLE001 - recorded on its notification; next week's goes as usual
        logger.exception("could not email the weekly digest to person %s", person.pk)
        Notification.objects.filter(pk=notification.pk).update(email_state=FAILED)
        return False
    return True


def digests_send(*, now: dt.datetime | None = None) -> int:
    """The periodic job: the digest of everyone whose turn it is (a bounded batch per run; the
    rest go on the next run). Returns how many digests were emailed."""
    now = now or timezone.now()
    return sum(1 for person in people_due(now) if digest_send(person, now=now))
