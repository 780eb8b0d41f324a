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


def bad_request(request, exception=None):
    """A request that could not be read: a form body cut short or without its multipart boundary,
    too many fields, too large."""
    if _api(request):
        return JsonResponse(
            {"error": {"code": "bad_request", "message": "The request could not be read.", "fields": {}}}, status=400,
        )
    return render(request, "web/errors/400.html", status=400)


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
