"""Django's database sessions (`django.contrib.sessions.backends.db`), with the one read every
signed-in request makes written out as a statement built once per process (settings.
SESSION_ENGINE names this module).

Why: the ORM took about ten times as long to build `Session.objects.get(session_key=…,
expire_date__gt=now)` as the database took to answer it, on every page and API call
(docs/benchmarks.md, "Render cost of five pages"). The same rows, the same test (the key, and
an expiry after now, compared as the database stores times), the same answer: a session that is
missing or expired loads as empty and loses its key, as Django's does. Writing, deleting and
clearing are Django's own. tests/core/test_sessions.py compares the two stores."""

from __future__ import annotations

import functools

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_read_sql(alias), [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=key, session_data=row[0])


@functools.cache
def _read_sql(alias: str) -> str:
    model = db.SessionStore.get_model_class()
    meta, quote = model._meta, connections[alias].ops.quote_name
    columns = {field.name: quote(str(field.column)) for field in meta.concrete_fields}
    return (
        f"SELECT {columns['session_data']} FROM {quote(meta.db_table)}"  # noqa: S608 - names
        f" WHERE {columns['session_key']} = %s AND {columns['expire_date']} > %s"
    )
