"""The community's clock (selectors/communities.py): its zone, its "now" and its today, which
differ from the server's across a date line."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coproduce.communities.models import Community
from coproduce.communities.selectors import communities as communities_selectors

# 10:30 UTC on 1 March is 00:30 on 2 March on Kiritimati (UTC+14) and 23:30 on 28 February
# in Pago Pago (UTC-11).
INSTANT = dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC)


def _at(monkeypatch, instant: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: instant)


def test_it_gives_the_communitys_zone():
    zone = communities_selectors.community_zone(Community(timezone="Pacific/Kiritimati"))
    assert zone.key == "Pacific/Kiritimati"


def test_it_gives_today_on_each_side_of_the_date_line(monkeypatch):
    _at(monkeypatch, INSTANT)
    east = Community(timezone="Pacific/Kiritimati")
    west = Community(timezone="Pacific/Pago_Pago")
    assert communities_selectors.local_today(east) == dt.date(2026, 3, 2)
    assert communities_selectors.local_today(west) == dt.date(2026, 2, 28)
    assert communities_selectors.local_today(Community(timezone="UTC")) == dt.date(2026, 3, 1)


def test_it_shows_an_instant_on_the_communitys_clock(monkeypatch):
    _at(monkeypatch, INSTANT)
    west = Community(timezone="Pacific/Pago_Pago")
    now = communities_selectors.local_now(west)
    assert (now.date(), now.hour, now.minute) == (dt.date(2026, 2, 28), 23, 30)
    assert now == INSTANT
    later = communities_selectors.local_now(west, INSTANT + dt.timedelta(hours=1))
    assert (later.date(), later.hour) == (dt.date(2026, 3, 1), 0)
