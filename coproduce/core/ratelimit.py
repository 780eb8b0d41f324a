"""How often something may be done, counted in the shared cache.

The cache is the database in production (settings.CACHES), so every process and app server
counts the same hits. Rates are written as allauth writes its own (`ACCOUNT_RATE_LIMITS`):
`"5/10m/ip,3/d/key"` is at most 5 in ten minutes from one client address and 3 a day for one key
(an email address, say). Each rate keeps the times of its recent hits (a sliding window)."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from .errors import ApplicationError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])/(ip|key)$")
LOCK_SECONDS = 5
LOCK_WAIT_SECONDS = 1.0


class RateLimited(ApplicationError):
    """Too many attempts. `retry_after` is the number of seconds until one more is allowed."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str  # "ip" or "key"

    def __str__(self) -> str:
        return f"{self.amount}/{self.seconds}s/{self.per}"


def parse_rates(text: str) -> list[Rate]:
    """'5/10m/ip,3/d/key' -> rates. Raises ValueError for anything else (settings fail loudly)."""
    rates = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        found = _RATE.match(part)
        if found is None:
            raise ValueError(f"{part!r} is not a rate like 5/10m/ip or 3/d/key")
        amount, count, unit, per = found.groups()
        rates.append(Rate(int(amount), int(count or 1) * UNITS[unit], per))
    return rates


def client_key(ip: str) -> str:
    """An IPv6 client is counted by its /64 network: one machine has a whole network of them."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return str(address)


def _cache_key(action: str, rate: Rate, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()
    return f"coproduce:rl:{action}:{rate}:{digest}"


@contextmanager
def _locked(key: str) -> Iterator[bool]:
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not cache.add(lock, True, timeout=LOCK_SECONDS):
        if time.monotonic() > deadline:
            yield False
            return
        time.sleep(0.02)
    try:
        yield True
    finally:
        cache.delete(lock)


def consume(action: str, rates: list[Rate], *, ip: str = "", key: str = "", message: str) -> None:
    """Count one hit of `action` against each rate whose subject is given (the client address
    for `ip` rates, `key` for `key` rates). When any rate is used up nothing is counted and
    RateLimited is raised with `message` and the wait. Busy counters count as used up: under
    a flood it is better to refuse a few too many than to let a burst through."""
    subjects = {"ip": client_key(ip) if ip else "", "key": key.strip().lower()}
    counters = sorted(
        (_cache_key(action, rate, subjects[rate.per]), rate)
        for rate in rates
        if subjects.get(rate.per)
    )
    if not counters:
        return
    now = time.time()
    with ExitStack() as stack:
        # Locks in one order, so two requests sharing counters cannot wait on each other.
        if not all(stack.enter_context(_locked(cache_key)) for cache_key, _rate in counters):
            raise RateLimited(message, retry_after=1)
        histories = {}
        wait = 0.0
        for cache_key, rate in counters:
            recent = [t for t in cache.get(cache_key, []) if t > now - rate.seconds]
            histories[cache_key] = recent
            if len(recent) >= rate.amount:
                # The oldest hit that must age out before one more fits.
                wait = max(wait, sorted(recent)[-rate.amount] + rate.seconds - now)
        if wait > 0:
            raise RateLimited(message, retry_after=math.ceil(wait))
        for cache_key, rate in counters:
            cache.set(cache_key, [*histories[cache_key], now], timeout=rate.seconds)
