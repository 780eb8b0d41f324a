"""HTTP API v1. Routes translate HTTP to services and selectors; nothing else."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from coproduce.core.errors import ApplicationError

from .auth import AUTH

api = NinjaAPI(
    title="coproduce API",
    version="1",
    description=(
        "Communities, members, onboarding and gift profiles. Authenticate with a personal access token "
        "(`Authorization: Bearer cp_…`, created on your account page or with `coproduce token create`) or "
        "the browser session. Errors always have the form "
        '`{"error": {"code": "…", "message": "…", "fields": {"field": ["…"]}}}`. Lists are keyset-paginated: '
        "pass the `next_cursor` of one page as `cursor` to get the next."
    ),
    urls_namespace="api-v1",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return _error(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        key = ".".join(loc) or "__all__"
        fields.setdefault(key, []).append(err.get("msg", "Invalid value."))
    return _error(request, 422, "validation_failed", "The request is not valid.", fields)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(request, 401, "not_authenticated", "Sign in or send a valid token: Authorization: Bearer <token>.")


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "http_error", str(exc))


from . import routes  # noqa: E402,F401  - registers the routers on `api`
