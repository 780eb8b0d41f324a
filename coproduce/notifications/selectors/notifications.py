"""Reading a person's notifications. A person reads only their own."""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Q, QuerySet, Subquery

from ..models import Notification

PAGE_SIZE = 30


def unread_count(person, *, community_id: int | None = None) -> int:
    """How many of the person's notifications are unread: one COUNT on an index. Written out
    in SQL (the names from the model): every signed-in page asks it for the header, and the
    ORM took 20 times as long to build the statement as the database took to answer it
    (docs/benchmarks.md, "Render cost of five pages"); tests/notifications compare it with the
    ORM's count."""
    sql = _unread_sql(connection.vendor, community_id is not None)
    params = [person.pk] if community_id is None else [person.pk, community_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@functools.cache
def _unread_sql(vendor: str, in_community: bool) -> str:
    meta, quote = Notification._meta, connection.ops.quote_name
    columns = {field.name: str(field.column) for field in meta.concrete_fields}
    person, read_at, community = (
        quote(columns[name]) for name in ("person", "read_at", "community")
    )
    sql = (
        f"SELECT COUNT(*) FROM {quote(meta.db_table)} WHERE {person} = %s"  # noqa: S608
        f" AND {read_at} IS NULL"
    )
    return sql + f" AND {community} = %s" if in_community else sql


def notifications_of(
    person, *, unread_only: bool = False, community_id: int | None = None
) -> QuerySet[Notification]:
    """The person's notifications, newest first (for keyset pagination on created_at, id)."""
    found = Notification.objects.filter(person=person).select_related("community")
    if unread_only:
        found = found.filter(read_at__isnull=True)
    if community_id is not None:
        found = found.filter(community_id=community_id)
    return found.order_by("-created_at", "-id")


def notification_url(person, notification_id: int) -> str:
    """Where one of the person's notifications leads ("" when it is not theirs or has no link)."""
    return (
        Notification.objects.filter(person=person, pk=notification_id)
        .values_list("url", flat=True)
        .first()
        or ""
    )


def notification_page(
    person, *, before_id: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Notification], int | None]:
    """One page of the person's notifications, newest first, older than notification `before_id`
    (one of theirs; any other id gives an empty page); and the id to pass for the next page, or
    None. One query."""
    found = notifications_of(person)
    if before_id is not None:
        mark = Notification.objects.filter(pk=before_id, person=person).values("created_at")
        if_known = Q(created_at__lt=Subquery(mark)) | Q(created_at=Subquery(mark), id__lt=before_id)
        found = found.filter(if_known)
    rows = list(found[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more and rows else None)
