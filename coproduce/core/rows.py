"""Model instances from a statement written out once per process, for the few reads that every
request makes (the signed-in person's memberships and roles).

Why: for those small reads the ORM spent several times as long building and compiling the
statement as the database spent answering it, on every page and API call (docs/benchmarks.md,
"Render cost of five pages"). `Columns` names a model's columns for such a statement and turns
a row's values back into an instance exactly as a queryset does (the backend's and the field's
converters, then `Model.from_db`), so what callers get is what the ORM would have given them.
Use it only where a test compares the result with the ORM's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model

M = TypeVar("M", bound=Model)


class Columns(Generic[M]):
    """Every concrete column of `model` under the table alias `alias`, for one database."""

    def __init__(self, model: type[M], alias: str, *, using: str = "default") -> None:
        connection = connections[using]
        quote = connection.ops.quote_name
        self.model = model
        self.using = using
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self.sql = ", ".join(f"{quote(alias)}.{quote(str(field.column))}" for field in self.fields)
        self.converters = []
        for field in self.fields:
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            self.converters.append((column, found))
        self._connection = connection

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, values: Sequence[Any]) -> M:
        """An instance from this model's part of a row, converted as a queryset converts."""
        converted = []
        for value, (column, found) in zip(values, self.converters, strict=True):
            for converter in found:
                value = converter(value, column, self._connection)
            converted.append(value)
        return self.model.from_db(self.using, self.attnames, converted)
