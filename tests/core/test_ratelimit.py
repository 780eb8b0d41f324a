"""Rate limits in the shared cache (core/ratelimit.py): the window slides, every rate counts,
a refusal counts nothing, and the production database cache works the same as memory."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

from coproduce.core import ratelimit
from coproduce.core.ratelimit import RateLimited, consume, parse_rates

DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "coproduce_cache",
    }
}


def test_it_reads_rates_and_refuses_nonsense():
    assert parse_rates("5/10m/ip, 3/d/key") == [
        ratelimit.Rate(5, 600, "ip"),
        ratelimit.Rate(3, 86400, "key"),
    ]
    for bad in ("5/10m", "five/m/ip", "5/10w/ip", "5/m/user"):
        with pytest.raises(ValueError, match="is not a rate"):
            parse_rates(bad)


def test_it_slides_the_window_and_says_how_long_to_wait():
    rates = parse_rates("2/m/ip")
    with mock.patch("time.time", return_value=1000.0):
        consume("test", rates, ip="192.0.2.1", message="Slow down.")
    with mock.patch("time.time", return_value=1030.0):
        consume("test", rates, ip="192.0.2.1", message="Slow down.")
        with pytest.raises(RateLimited) as refused:
            consume("test", rates, ip="192.0.2.1", message="Slow down.")
    assert (refused.value.status, refused.value.code, refused.value.retry_after) == (
        429,
        "rate_limited",
        30,
    )
    with mock.patch("time.time", return_value=1061.0):  # the first hit has aged out
        consume("test", rates, ip="192.0.2.1", message="Slow down.")
    consume("test", rates, ip="192.0.2.2", message="Slow down.")  # another client has its own count


def test_it_counts_nothing_when_one_rate_refuses():
    rates = parse_rates("10/m/ip,1/m/key")
    consume("test", rates, ip="192.0.2.1", key="a@example.org", message="No.")
    for _ in range(5):
        with pytest.raises(RateLimited):
            consume("test", rates, ip="192.0.2.1", key="A@example.org", message="No.")
    # The refused ones did not use up the client's allowance.
    for i in range(9):
        consume("test", rates, ip="192.0.2.1", key=f"b{i}@example.org", message="No.")
    with pytest.raises(RateLimited):
        consume("test", rates, ip="192.0.2.1", key="c@example.org", message="No.")


@pytest.mark.django_db
def test_it_works_on_the_database_cache_every_process_shares():
    with override_settings(CACHES=DATABASE_CACHE):
        call_command(
            "createcachetable", verbosity=0
        )  # the migration makes it where this cache is configured
        rates = parse_rates("2/h/key")
        consume("test", rates, key="x@example.org", message="No.")
        consume("test", rates, key="x@example.org", message="No.")
        with pytest.raises(RateLimited):
            consume("test", rates, key="x@example.org", message="No.")
        caches["default"].clear()
