"""Error pages. Under /api/ they answer in the one error format instead of HTML."""

from __future__ import annotations

import logging

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from coproduce.core.errors import error_body

logger = logging.getLogger(__name__)

# If even the 500 template fails (a missing static file in the manifest, say): still a page.
_PLAIN_500 = (
    '<!doctype html><html lang="en-gb"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Something went wrong · coproduce</title></head><body><main>"
    "<h1>Something went wrong on our side</h1><p>Nothing you did caused this. Please try again in "
    'a few minutes.</p><p><a href="/">Go to the start page</a></p></main></body></html>'
)


def _api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _api(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "web/errors/404.html", status=404)


def bad_request(request, exception=None):
    """A request that could not be read: a form body cut short or without its multipart boundary,
    too many fields, too large."""
    if _api(request):
        return JsonResponse(
            error_body("bad_request", "The request could not be read."),
            status=400,
        )
    return render(request, "web/errors/400.html", status=400)


def forbidden(request, exception=None):
    if _api(request):
        return JsonResponse(error_body("forbidden", "Forbidden."), status=403)
    # The message is the service's plain explanation (PermissionDenied.message), safe to show.
    message = str(exception) if exception is not None and exception.args else ""
    return render(request, "web/errors/403.html", {"message": message}, status=403)


def server_error(request):
    if _api(request):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side."),
            status=500,
        )
    # Without the request's context, as Django's own handler does: what failed may be the
    # database, the session or a context processor, and this page must still show.
    try:
        body: str = loader.render_to_string("web/errors/500.html")
    except Exception:  # noqa: BLE001 - the last resort must not fail
        logger.exception("The 500 page could not be rendered")
        body = _PLAIN_500
    return HttpResponseServerError(body)


def too_many_requests(request, exception=None):
    """allauth's rate limits (sign-in, password reset, two-factor codes) answer with this page."""
    if _api(request):
        return JsonResponse(
            error_body("rate_limited", "Too many attempts. Wait a few minutes and try again."),
            status=429,
        )
    return render(request, "web/errors/429.html", status=429)


def csrf_failure(request, reason=""):
    """A form sent without its security token (an old tab, cookies off, a page kept open across a
    sign-in): the site's own page saying what to do, instead of Django's plain one
    (CSRF_FAILURE_VIEW). The API reads its token from a header and answers `csrf_failed` itself."""
    if _api(request):
        return JsonResponse(
            error_body(
                "csrf_failed",
                "Send the CSRF token (X-CSRFToken header) with writes made with a browser session.",
            ),
            status=403,
        )
    return render(request, "web/errors/403_csrf.html", status=403)
