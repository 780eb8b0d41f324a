"""How amounts are shown. Amounts are integer minutes everywhere; hours only when displayed."""

from __future__ import annotations


def hours(minutes: int) -> str:
    """1h30 style, for display only."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60}h{minutes % 60:02d}"
