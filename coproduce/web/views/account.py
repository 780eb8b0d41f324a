"""The signed-in person's own account: sign-in methods, API tokens, their data, leaving."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors import privacy as privacy_selectors
from coproduce.communities.selectors import tokens as tokens_selectors
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import tokens as tokens_services
from coproduce.core.errors import Conflict, NotFound, ValidationFailed

from ..decorators import community_view, domain_errors
from ..forms.account import TokenForm
from ..forms.common import ReasonForm, show_refusal
from ..forms.notifications import PreferenceForm
from ..middleware import ACTING_FOR_SESSION_KEY, SignedInRequest

NEW_TOKEN_SESSION_KEY = "coproduce_new_token"


def _account_page(request, *, token_form=None, status=200) -> HttpResponse:
    memberships = list(memberships_selectors.memberships_of(request.user))
    communities = [m.community for m in memberships]
    return render(
        request,
        "web/account/account.html",
        {
            "memberships": memberships,
            "tokens": tokens_selectors.tokens_of(request.user),
            "token_form": token_form or TokenForm(communities=communities, prefix="token"),
            "notification_form": PreferenceForm.for_person(request.user),
        },
        status=status,
    )


@login_required
@require_GET
def account(request: SignedInRequest) -> HttpResponse:
    return _account_page(request)


@never_cache
@login_required
@require_POST
def token_create(request: SignedInRequest) -> HttpResponse:
    communities = [m.community for m in memberships_selectors.memberships_of(request.user)]
    form = TokenForm(request.POST, communities=communities, prefix="token")
    if form.is_valid():
        try:
            token, secret = tokens_services.token_create(
                actor=request.user, person=request.user, **form.cleaned_data
            )
        except (ValidationFailed, Conflict, NotFound) as exc:
            show_refusal(form, exc)
        else:
            # The secret is stored nowhere but as a hash. It waits in the session only until the
            # page after the redirect shows it once (so refreshing that page sends nothing again).
            request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "secret": secret}
            return redirect("web:token_created", token.pk)
    return _account_page(request, token_form=form, status=400)


@never_cache
@login_required
@require_GET
def token_created(request: SignedInRequest, token_id: int) -> HttpResponse:
    token = tokens_selectors.token_get(request.user, token_id)
    waiting = request.session.get(NEW_TOKEN_SESSION_KEY) or {}
    if waiting.get("id") != token.pk:
        messages.info(
            request,
            _(
                "A token's secret is shown only once, just after it is made. Make a new token if "
                "you did not copy it."
            ),
        )
        return redirect("web:account")
    del request.session[NEW_TOKEN_SESSION_KEY]
    return render(
        request, "web/account/token_created.html", {"token": token, "secret": waiting["secret"]}
    )


@login_required
@require_POST
@domain_errors
def token_revoke(request: SignedInRequest, token_id: int) -> HttpResponse:
    token = tokens_selectors.token_get(request.user, token_id)
    try:
        tokens_services.token_revoke(actor=request.user, token=token)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The token “%(name)s” has been revoked; it no longer works.") % {"name": token.name},
        )
    return redirect("web:account")


@never_cache
@login_required
@require_GET
def data_export(request: SignedInRequest) -> HttpResponse:
    response = HttpResponse(
        privacy_selectors.person_data_export(request.user), content_type="application/zip"
    )
    response["Content-Disposition"] = 'attachment; filename="coproduce-my-data.zip"'
    return response


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def leave(request: SignedInRequest, community) -> HttpResponse:
    membership = access.membership_of(request.user, community)
    if membership is None:
        raise NotFound("No such community, or you are not a member of it.")
    # Leaving the last community removes the person's details, so they are told so first.
    only_community = memberships_selectors.memberships_count(request.user) <= 1
    form_options = {
        "label": _("Why are you leaving?"),
        "help_text": _("It helps the coordinators. Only they will see it."),
        "required_message": _("Tell us why you are leaving."),
    }
    status = 200
    if request.method == "POST":
        form = ReasonForm(request.POST, **form_options)
        if form.is_valid():
            try:
                offboarding_services.member_offboard(
                    actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
                )
            except (ValidationFailed, Conflict) as exc:
                show_refusal(form, exc)
            else:
                request.session.pop(ACTING_FOR_SESSION_KEY, None)
                if only_community:
                    logout(request)
                messages.success(request, _("You have left %(name)s.") % {"name": community.name})
                return redirect("web:index" if only_community else "web:home")
        status = 400
    else:
        form = ReasonForm(**form_options)
    return render(
        request,
        "web/account/leave.html",
        {
            "community": community,
            "membership": membership,
            "form": form,
            "only_community": only_community,
        },
        status=status,
    )
