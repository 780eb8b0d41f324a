"""HTTP API v1. Routes translate HTTP to services and selectors; nothing else.

Every answer that is not a success has the one error format, including the ones Django or ninja
would otherwise make themselves, with DEBUG on or off: unknown routes (404), wrong methods (405),
unreadable bodies (400: not JSON, multipart without a boundary, too many fields), bodies larger
than the server takes (413), wrong content types (415), failed shape checks (422)."""

from __future__ import annotations

import functools

from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from coproduce.core.errors import ApplicationError, error_body
from coproduce.core.ratelimit import RateLimited

from .auth import AUTH
from .parser import StrictJsonParser
from .routes import (
    agencies,
    applications,
    assessments,
    budgets,
    communities,
    coordination,
    decisions,
    disputes,
    exchanges,
    ledger,
    listings,
    me,
    members,
    messaging,
    notifications,
    partners,
    proposals,
    references,
    referrals,
    register,
    sanctions,
    sessions,
    sign_in,
)
from .schemas import IDEMPOTENCY_HEADER


def _not_found_response() -> JsonResponse:
    return JsonResponse(
        error_body("not_found", "Not found. The API is described at /api/v1/docs."), status=404
    )


def _plain_errors(view):
    """Answers Django-level outcomes of a ninja URL (405 from the method dispatch, 404 raised
    outside an operation) in the error format."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _not_found_response()
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            replacement = JsonResponse(
                error_body("method_not_allowed", f"This address accepts only: {allowed}."),
                status=405,
            )
            replacement["Allow"] = allowed
            return replacement
        return response

    return wrapped


# csrf_exempt: nothing here reads the body, and Django's CSRF check would (looking for a form token)
@csrf_exempt
def unknown_route(request, *args, **kwargs):
    return _not_found_response()


class Docs(Swagger):
    """ninja's Swagger UI (served from ninja's own static files, so it works offline and under our
    CSP) in a page with a language and a viewport. No validator badge: it would load an image
    from swagger.io."""

    template = "api/swagger.html"


class CoproduceAPI(NinjaAPI):
    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            pattern.callback = _plain_errors(pattern.callback)
        # Anything else under /api/v1/ is a JSON 404, also when DEBUG shows HTML pages elsewhere.
        urls.append(re_path(r"^.*$", unknown_route, name="unknown-route"))
        return urls


api = CoproduceAPI(
    title="coproduce API",
    version="1",
    description=(
        "Communities, members, onboarding, gift profiles, listings (offers and requests), messages "
        "between members, exchanges and the hours ledger, and your notifications. Authenticate "
        "with a personal access token (`Authorization: Bearer cp_…`, created on your account page, "
        "with `POST /api/v1/me/tokens` or with `coproduce token create`) or the browser session "
        "(writes then need the `X-CSRFToken` header). A token made for one community works only "
        "for that community.\n\nErrors always have the form "
        '`{"error": {"code": "…", "message": "…", "fields": {"field": ["…"]}}}`. '
        "Request bodies are JSON (`Content-Type: application/json`), except listing pictures, "
        "which are uploaded as `multipart/form-data`.\n\nLists are keyset-paginated: pass the "
        "`next_cursor` of one page as `cursor` to get the next; `next_cursor` is null on the last "
        "page.\n\nHours are integer minutes (90 is 1h30). Every write about exchanges, transfers "
        "and the fund needs an `Idempotency-Key` header: a value you choose, new for each write, "
        "sent again unchanged when you retry. A retry with the same key and request answers as the "
        "first attempt did (success or failure) and moves nothing again; the same key with a "
        "different request is refused with 409 `idempotency_key_reused`."
    ),
    urls_namespace="api-v1",
    auth=AUTH,
    parser=StrictJsonParser(),
    docs=Docs(settings={"validatorUrl": None}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(request, error_body(code, message, fields), status=status)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [
            str(p)
            for p in err.get("loc", [])
            if p not in ("body", "query", "path", "header", "payload")
        ]
        key = ".".join(loc) or "__all__"
        fields.setdefault(key, []).append(err.get("msg", "Invalid value."))
    if set(fields) == {IDEMPOTENCY_HEADER}:
        if IDEMPOTENCY_HEADER not in request.headers:
            return _error(
                request,
                422,
                "idempotency_key_required",
                f"Writes that move hours need an {IDEMPOTENCY_HEADER} header: a value you choose, "
                "new for each write (a UUID is best), sent again unchanged when you retry.",
                {IDEMPOTENCY_HEADER: ["Required."]},
            )
        return _error(
            request,
            422,
            "validation_failed",
            f"The {IDEMPOTENCY_HEADER} header must be 1 to 80 printable ASCII characters without "
            "spaces.",
            fields,
        )
    return _error(request, 422, "validation_failed", "The request is not valid.", fields)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(
        request,
        401,
        "not_authenticated",
        "Sign in or send a valid token: Authorization: Bearer <token>.",
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


# What Django raises while reading a body, and what each is called in the error format. Any
# other SuspiciousOperation or BadRequest is a plain 400.
_BODY_ERRORS: list[tuple[type[Exception], int, str, str]] = [
    (
        RequestDataTooBig,
        413,
        "body_too_large",
        "The request body is larger than this server accepts.",
    ),
    (
        TooManyFieldsSent,
        400,
        "too_many_fields",
        "The request has more fields or query parameters than this server accepts.",
    ),
    (
        TooManyFilesSent,
        400,
        "too_many_files",
        "The request has more files than this server accepts.",
    ),
    (
        MultiPartParserError,
        400,
        "malformed_body",
        "The request body could not be read as multipart/form-data (is "
        "the boundary missing from the Content-Type?).",
    ),
    (UnreadablePostError, 400, "malformed_body", "The request body could not be read to the end."),
    (BadRequest, 400, "bad_request", "The request could not be understood."),
    (SuspiciousOperation, 400, "bad_request", "The request could not be understood."),
]


def _body_error(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    for kind, status, code, message in _BODY_ERRORS:
        if isinstance(exc, kind):
            if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
                # As Django does: the body must not be read again, or this would be raised again.
                request._mark_post_parse_error()  # type: ignore[attr-defined]  # not in the stubs
            return _error(request, status, code, message)
    raise exc  # pragma: no cover - only registered for the kinds above


for _kind, *_ in _BODY_ERRORS:
    api.add_exception_handler(_kind, _body_error)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja wraps what the body parser raises; our parser (and Django's) raise the real reason.
    if isinstance(exc.__cause__, ApplicationError):
        return application_error(request, exc.__cause__)
    cause = exc.__cause__
    if isinstance(cause, Exception) and isinstance(cause, tuple(kind for kind, *_ in _BODY_ERRORS)):
        return _body_error(request, cause)
    return _error(request, exc.status_code, "http_error", str(exc))


api.add_router("/communities", communities.router)
api.add_router("/communities", members.router)
api.add_router("/communities", sign_in.router)
api.add_router("/communities", applications.router)
api.add_router("/communities", exchanges.router)
api.add_router("/communities", ledger.router)
api.add_router("/communities", listings.router)
api.add_router("/communities", agencies.router)
api.add_router("/communities", messaging.router)
api.add_router("/communities", coordination.router)
api.add_router("/communities", referrals.router)
api.add_router("/communities", assessments.router)
api.add_router("/communities", sessions.router)
api.add_router("/communities", register.router)
api.add_router("/communities", disputes.router)  # issue 12: disputes
api.add_router("/communities", partners.router)
api.add_router("/communities", proposals.router)
api.add_router("/communities", sanctions.router)
api.add_router("/communities", decisions.router)
api.add_router("/communities", budgets.router)
api.add_router("/me", me.router)
api.add_router("/me", notifications.router)
api.add_router("/references", references.router)
