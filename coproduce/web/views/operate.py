"""Operator pages: running the install. Creating a community and naming its first coordinator
(`communities.services.community_found`); the same as `POST /api/v1/communities` and
`coproduce community create`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coproduce.communities import access
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import ApplicationError

from ..decorators import domain_errors
from ..forms.common import show_refusal
from ..forms.operate import CommunityForm
from ..middleware import SignedInRequest


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def community_create(request: SignedInRequest) -> HttpResponse:
    access.access_operate(request.user)
    status = 200
    form = CommunityForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                community, membership = communities_services.community_found(
                    actor=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                if exc.status == 403:
                    raise
                show_refusal(form, exc)
            else:
                if membership is None:
                    messages.success(
                        request,
                        _(
                            "%(name)s is ready. Give a member the coordinator role from their "
                            "page when it has one."
                        )
                        % {"name": community.name},
                    )
                else:
                    messages.success(
                        request,
                        _("%(name)s is ready, with %(coordinator)s as its first coordinator.")
                        % {"name": community.name, "coordinator": membership.person.display_name},
                    )
                return redirect("web:community", community.slug)
        status = 400
    return render(request, "web/operate/community_form.html", {"form": form}, status=status)
