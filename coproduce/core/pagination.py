"""Keyset pagination of a queryset: the rows after a sort key, in that key's order.

The API's cursor pages (api/pagination.py) turn a cursor into a sort key and back; this module
is the query under them, so that the faces order and cut no queryset themselves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet


def _after(fields: Sequence[str], values: Sequence[Any], descending: bool) -> Q:
    """Rows strictly after `values` in (fields) order: (a > x) or (a = x and b > y) ..."""
    op = "lt" if descending else "gt"
    condition = Q()
    for i, name in enumerate(fields):
        step = Q(**{f"{fields[j]}": values[j] for j in range(i)}) & Q(
            **{f"{name}__{op}": values[i]}
        )
        condition |= step
    return condition


def rows_after(
    queryset: QuerySet[Any],
    *,
    fields: Sequence[str],
    after: Sequence[Any] | None,
    limit: int,
    descending: bool = False,
) -> list[Any]:
    """Up to `limit` rows of `queryset` ordered by `fields` (all ascending or all descending;
    the last field unique), strictly after the key `after` (from the start when None)."""
    ordered = queryset.order_by(*[("-" if descending else "") + name for name in fields])
    if after is not None:
        ordered = ordered.filter(_after(fields, after, descending))
    return list(ordered[:limit])
