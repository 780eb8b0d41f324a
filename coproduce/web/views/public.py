"""Pages anyone can open: the list of communities, applying to join, answering a reference."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coproduce.communities import access, selectors, services
from coproduce.communities.models import ReferenceStatus
from coproduce.core.errors import Conflict, NotFound, ValidationFailed

from ..decorators import community_view
from ..forms import ApplicationForm, ReferenceAnswerForm, show_refusal


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/index.html", {"communities": selectors.communities_listed()})


@community_view
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, community) -> HttpResponse:
    helping = access.is_coordinator(request.user, community)
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                application = services.application_submit(
                    actor=request.user if request.user.is_authenticated else None, community=community,
                    **form.cleaned_data,
                )
            except (ValidationFailed, Conflict) as exc:
                show_refusal(form, exc)
            else:
                if helping:
                    messages.success(request, _("The application has been recorded."))
                    return redirect("web:application_detail", community.slug, application.pk)
                return redirect("web:apply_done", community.slug)
        status = 400
    else:
        initial = {}
        if request.user.is_authenticated and not helping:
            initial = {"full_name": request.user.full_name, "email": request.user.email or "",
                       "phone": request.user.phone, "neighbourhood": request.user.neighbourhood}
        form = ApplicationForm(initial=initial)
        status = 200
    return render(request, "web/public/apply.html", {"community": community, "form": form, "helping": helping},
                  status=status)


@community_view
def apply_done(request: HttpRequest, community) -> HttpResponse:
    return render(request, "web/public/apply_done.html", {"community": community})


@require_http_methods(["GET", "POST"])
def reference_answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        reference = selectors.reference_by_token(token)
    except NotFound as exc:
        return render(request, "web/public/reference_closed.html", {"message": exc.message}, status=404)
    if reference.status == ReferenceStatus.ANSWERED:
        return _reference_closed(request, _("This reference has already been given. Thank you."), 409)
    if reference.status == ReferenceStatus.CANCELLED:
        return _reference_closed(request, _("This reference is no longer needed. Thank you for your time."), 410)
    if reference.is_expired():
        return _reference_closed(
            request, _("This reference link has expired. Please ask the coordinator for a new one."), 410
        )
    status = 200
    if request.method == "POST":
        form = ReferenceAnswerForm(request.POST)
        if form.is_valid():
            try:
                services.reference_answer(token=token, **form.cleaned_data)
            except ValidationFailed as exc:
                show_refusal(form, exc)
            except Conflict as exc:
                return _reference_closed(request, exc.message, 410 if exc.code == "link_expired" else 409)
            else:
                return render(request, "web/public/reference_thanks.html", {"reference": reference})
        status = 400
    else:
        form = ReferenceAnswerForm()
    return render(request, "web/public/reference_answer.html", {"reference": reference, "form": form}, status=status)


def _reference_closed(request, message: str, status: int) -> HttpResponse:
    return render(request, "web/public/reference_closed.html", {"message": message}, status=status)
