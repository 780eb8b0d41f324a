from __future__ import annotations

from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class Error(Schema):
    error: ErrorBody
