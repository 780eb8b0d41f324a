"""The notification centre (the signed-in person's own notifications, newest first), marking
them read, opening one, and how a person wants to be told (email each, digest only, none).

Always the signed-in person's own, also while a coordinator acts for a member: notifications
and email choices are personal, like the account page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.core.errors import ApplicationError
from coproduce.notifications.selectors import notifications as notifications_selectors
from coproduce.notifications.services import notifications as notifications_services
from coproduce.notifications.services import preferences as preferences_services

from ..forms.common import show_refusal
from ..forms.notifications import PreferenceForm
from ..middleware import SignedInRequest
from ..templatetags.notifications_web import unread_notifications_for


def _ids(raw: list[str]) -> list[int] | None:
    """The ids a form sent, or None when any is not a whole number."""
    if not all(value.isdigit() and len(value) < 19 for value in raw):
        return None
    return [int(value) for value in raw]


def _centre(request, *, error: str = "", status: int = 200) -> HttpResponse:
    raw = request.GET.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) < 19 else None
    rows, older = notifications_selectors.notification_page(request.user, before_id=before)
    return render(
        request,
        "web/notifications/list.html",
        {
            "notifications": rows,
            "older_before": older,
            "paged": before is not None,
            "unread": unread_notifications_for(request),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def notification_list(request: SignedInRequest) -> HttpResponse:
    return _centre(request)


@login_required
@require_POST
def notifications_read(request: SignedInRequest) -> HttpResponse:
    ids = _ids(request.POST.getlist("ids"))
    if ids is None:
        return _centre(
            request,
            error=_("Those are not notifications we know of, so none was marked."),
            status=400,
        )
    try:
        count = notifications_services.mark_read(
            person=request.user, ids=ids, all=request.POST.get("all") == "1"
        )
    except ApplicationError as exc:
        notes = [note for field_notes in exc.fields.values() for note in field_notes]
        return _centre(request, error=" ".join([exc.message, *notes]), status=400)
    if count:
        messages.success(request, _("Marked as read."))
    return redirect("web:notifications")


@login_required
@require_GET
def notification_open(request: SignedInRequest, notification_id: int) -> HttpResponse:
    """Following a notification marks it read and goes to what it is about (a path on this site)."""
    try:
        notifications_services.mark_read(person=request.user, ids=[notification_id])
    except ApplicationError:
        return _centre(request, error=_("That notification is not one of yours."), status=404)
    target = notifications_selectors.notification_url(request.user, notification_id)
    if notifications_services.is_site_path(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts=None
    ):
        return redirect(target)
    return redirect("web:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: SignedInRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST, prefix="notify")
        if form.is_valid():
            try:
                preferences_services.preference_set(
                    actor=request.user, person=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Your email choices have been saved."))
                return redirect("web:notification_preferences")
        status = 400
    else:
        form = PreferenceForm.for_person(request.user)
    return render(request, "web/notifications/preferences.html", {"form": form}, status=status)
