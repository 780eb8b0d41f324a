"""/favicon.ico, which browsers (and pages that do not link an icon, such as the API docs) ask
for at the root. Pages link the SVG in static files; this answers the old name with the ICO."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse
from django.views.decorators.http import require_safe

FAVICON = Path(__file__).resolve().parent.parent / "static" / "coproduce" / "favicon.ico"


@require_safe
def favicon(request) -> FileResponse:
    response = FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
