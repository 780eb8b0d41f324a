"""Error pages. Under /api/ they answer in the one error format instead of HTML."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render


def _api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _api(request):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found.", "fields": {}}}, status=404)
    return render(request, "web/errors/404.html", status=404)


def forbidden(request, exception=None):
    if _api(request):
        return JsonResponse({"error": {"code": "forbidden", "message": "Forbidden.", "fields": {}}}, status=403)
    # The message is the service's plain explanation (PermissionDenied.message), safe to show.
    message = str(exception) if exception is not None and exception.args else ""
    return render(request, "web/errors/403.html", {"message": message}, status=403)


def server_error(request):
    if _api(request):
        return JsonResponse(
            {"error": {"code": "server_error", "message": "Something went wrong on our side.", "fields": {}}},
            status=500,
        )
    return render(request, "web/errors/500.html", status=500)


def too_many_requests(request, exception=None):
    """allauth's rate limits (sign-in, password reset, two-factor codes) answer with this page."""
    if _api(request):
        return JsonResponse(
            {"error": {"code": "rate_limited", "message": "Too many attempts. Wait a few minutes and try again.",
                       "fields": {}}},
            status=429,
        )
    return render(request, "web/errors/429.html", status=429)
