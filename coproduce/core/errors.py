"""The one application error family. Services raise these; the web layer turns them into form
errors or messages, the API into `{"error": {"code", "message", "fields"}}` with `status`."""

from __future__ import annotations

from typing import Any


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The one error envelope, `{"error": {"code", "message", "fields"}}`: the API's error answers
    and the web's error pages under /api/ are built with it."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class ApplicationError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.fields)


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_failed"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class PermissionDenied(ApplicationError):
    status = 403
    code = "forbidden"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
