"""Pages anyone can open: the list of communities, applying to join (and confirming the email
address), answering a reference."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coproduce.communities import access
from coproduce.communities.models import ReferenceStatus
from coproduce.communities.selectors import applications as applications_selectors
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import references as references_selectors
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import references as references_services
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.ratelimit import RateLimited

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.public import ApplicationForm, ReferenceAnswerForm


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/index.html", {"communities": communities_selectors.communities_listed()}
    )


def _client(request: HttpRequest) -> str:
    """The caller's network address as allauth sees it (its proxy settings included), so the
    application limits and the sign-in limits count the same clients."""
    try:
        return get_adapter().get_client_ip(request)
    except DjangoPermissionDenied:
        return ""


@community_view
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, community) -> HttpResponse:
    helping = access.is_coordinator(request.user, community)
    headers = {}
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                made = applications_services.application_request(
                    actor=request.user if request.user.is_authenticated else None,
                    community=community,
                    client=_client(request),
                    **form.cleaned_data,
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status, headers = 429, {"Retry-After": str(exc.retry_after)}
            except (ValidationFailed, Conflict) as exc:
                show_refusal(form, exc)
            else:
                if made.application is None:
                    return redirect("web:apply_check_email", community.slug)
                if helping:
                    messages.success(request, _("The application has been recorded."))
                    return redirect("web:application_detail", community.slug, made.application.pk)
                return redirect("web:apply_done", community.slug)
    else:
        initial = {}
        if request.user.is_authenticated and not helping:
            initial = {
                "full_name": request.user.full_name,
                "email": request.user.email or "",
                "phone": request.user.phone,
                "neighbourhood": request.user.neighbourhood,
                "address": request.user.address,
            }
        form = ApplicationForm(initial=initial)
        status = 200
    response = render(
        request,
        "web/public/apply.html",
        {"community": community, "form": form, "helping": helping},
        status=status,
    )
    for name, value in headers.items():
        response[name] = value
    return response


@community_view
def apply_done(request: HttpRequest, community) -> HttpResponse:
    return render(request, "web/public/apply_done.html", {"community": community})


@community_view
def apply_check_email(request: HttpRequest, community) -> HttpResponse:
    return render(
        request,
        "web/public/apply_check_email.html",
        {"community": community, "confirm_hours": applications_services.APPLICATION_CONFIRM_HOURS},
    )


@require_http_methods(["GET", "POST"])
def apply_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation email. Opening it only asks (mail scanners open links);
    the button confirms, then the browser is sent on to the usual "sent" page."""
    try:
        held = applications_selectors.unconfirmed_application_by_token(token)
    except NotFound as exc:
        return _confirm_closed(request, exc.message, 404)
    if request.method == "POST":
        try:
            applications_services.application_confirm(token=token)
        except NotFound as exc:
            return _confirm_closed(request, exc.message, 404)
        except Conflict as exc:
            if exc.code != "already_confirmed":
                return _confirm_closed(
                    request,
                    exc.message,
                    410 if exc.code == "link_expired" else 409,
                    community=held.community,
                )
        return redirect("web:apply_done", held.community.slug)
    if held.application_id is not None:
        return redirect("web:apply_done", held.community.slug)
    if held.expires_at <= timezone.now():
        return _confirm_closed(
            request,
            _("This confirmation link has expired. Please apply again."),
            410,
            community=held.community,
        )
    return render(
        request, "web/public/apply_confirm.html", {"held": held, "community": held.community}
    )


def _confirm_closed(request, message: str, status: int, community=None) -> HttpResponse:
    return render(
        request,
        "web/public/apply_confirm_closed.html",
        {"message": message, "community": community},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def reference_answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        reference = references_selectors.reference_by_token(token)
    except NotFound as exc:
        return render(
            request, "web/public/reference_closed.html", {"message": exc.message}, status=404
        )
    if reference.status == ReferenceStatus.ANSWERED:
        return _reference_closed(
            request, _("This reference has already been given. Thank you."), 409
        )
    if reference.status == ReferenceStatus.CANCELLED:
        return _reference_closed(
            request, _("This reference is no longer needed. Thank you for your time."), 410
        )
    if reference.is_expired():
        return _reference_closed(
            request,
            _("This reference link has expired. Please ask the coordinator for a new one."),
            410,
        )
    status = 200
    if request.method == "POST":
        form = ReferenceAnswerForm(request.POST)
        if form.is_valid():
            try:
                references_services.reference_answer(token=token, **form.cleaned_data)
            except ValidationFailed as exc:
                show_refusal(form, exc)
            except Conflict as exc:
                return _reference_closed(
                    request, exc.message, 410 if exc.code == "link_expired" else 409
                )
            else:
                return redirect("web:reference_thanks", token)
        status = 400
    else:
        form = ReferenceAnswerForm()
    return render(
        request,
        "web/public/reference_answer.html",
        {"reference": reference, "form": form},
        status=status,
    )


@require_GET
def reference_thanks(request: HttpRequest, token: str) -> HttpResponse:
    try:
        reference = references_selectors.reference_by_token(token)
    except NotFound as exc:
        return render(
            request, "web/public/reference_closed.html", {"message": exc.message}, status=404
        )
    if reference.status != ReferenceStatus.ANSWERED:
        return redirect("web:reference_answer", token)
    return render(request, "web/public/reference_thanks.html", {"reference": reference})


def _reference_closed(request, message: str, status: int) -> HttpResponse:
    return render(request, "web/public/reference_closed.html", {"message": message}, status=status)
