"""Ways in besides the sign-in form, all ending in it: a new member's set-password link, a code
from a sign-in letter, and the page where either chooses a password; and, for coordinators, a
member's first password and their printable sign-in letter.

The link or code is shown once and remembered in the browser session (by the token's id) while
the person chooses their password, so the secret is never in a page's address after the first
request. Choosing the password signs them in through `web.sign_in.sign_in` (allauth's login
stages, so a second factor still applies)."""

from __future__ import annotations

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors import sign_in as sign_in_selectors
from coproduce.communities.selectors.sign_in import failed_sign_in_key
from coproduce.communities.services import sign_in as sign_in_services
from coproduce.core.errors import Conflict, NotFound, ValidationFailed

from .. import sign_in
from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.sign_in import ChoosePasswordForm, SignInCodeForm
from ..middleware import SignedInRequest
from .members import _member, _member_page

TOKEN_SESSION_KEY = "sign_in_token"
LETTER_SESSION_KEY = "sign_in_letter"


def _problem(request, exc, *, status: int) -> HttpResponse:
    """An expired, used or unknown link or code: say so, and what to do instead."""
    return render(request, "web/sign_in/problem.html", {"message": exc.message}, status=status)


@never_cache
@require_GET
def link(request, secret: str) -> HttpResponse:
    try:
        token = sign_in_selectors.sign_in_link_check(secret)
    except NotFound as exc:
        return _problem(request, exc, status=404)
    except Conflict as exc:
        return _problem(request, exc, status=410)
    request.session[TOKEN_SESSION_KEY] = token.pk
    return redirect("web:choose_password")


@never_cache
@require_http_methods(["GET", "POST"])
def code(request) -> HttpResponse:
    """Step one with a sign-in letter: the member number and the letter's code."""
    status = 200
    if request.method == "POST":
        form = SignInCodeForm(request.POST)
        if form.is_valid():
            member_number = form.cleaned_data["member_number"]
            # The same limit as wrong passwords for this member number, and per client.
            if not ratelimit.consume(
                request, action="login_failed", key=failed_sign_in_key(member_number)
            ):
                form.add_error(
                    None,
                    _(
                        "Too many attempts. Wait a few minutes and try again, or ask your "
                        "coordinator."
                    ),
                )
                return render(request, "web/sign_in/code.html", {"form": form}, status=429)
            try:
                token = sign_in_selectors.sign_in_code_check(
                    member_number=member_number, code=form.cleaned_data["code"]
                )
            except (ValidationFailed, Conflict) as exc:
                show_refusal(form, exc)
            else:
                request.session[TOKEN_SESSION_KEY] = token.pk
                return redirect("web:choose_password")
        status = 400
    else:
        form = SignInCodeForm()
    return render(request, "web/sign_in/code.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def choose_password(request) -> HttpResponse:
    """Step two: choose a password, then be signed in on one's home page."""
    try:
        token = sign_in_selectors.sign_in_token_get(request.session.get(TOKEN_SESSION_KEY))
    except NotFound as exc:
        return _problem(request, exc, status=404)
    except Conflict as exc:
        request.session.pop(TOKEN_SESSION_KEY, None)
        return _problem(request, exc, status=410)
    person = token.person
    status = 200
    if request.method == "POST":
        form = ChoosePasswordForm(request.POST, person=person)
        if form.is_valid():
            try:
                person = sign_in_services.sign_in_token_redeem(
                    token_id=token.pk, password=form.cleaned_data["password1"]
                )
            except ValidationFailed as exc:
                show_refusal(form, exc)
            except (NotFound, Conflict) as exc:
                request.session.pop(TOKEN_SESSION_KEY, None)
                return _problem(request, exc, status=410)
            else:
                request.session.pop(TOKEN_SESSION_KEY, None)
                response = sign_in.sign_in(request, person, redirect_url=reverse("web:home"))
                messages.success(request, _("Your password is set. Welcome!"))
                return response
        status = 400
    else:
        form = ChoosePasswordForm(person=person)
    memberships = list(memberships_selectors.memberships_of(person))
    return render(
        request,
        "web/sign_in/choose_password.html",
        {
            "form": form,
            "person": person,
            "token": token,
            "memberships": memberships,
        },
        status=status,
    )


# Coordinators: a way in for a member ---------------------------------------------------------


@login_required
@community_view
@require_POST
def member_first_password(request: SignedInRequest, community, number: int) -> HttpResponse:
    membership = _member(request, community, number)
    access.access_give_sign_in(request.user, community, membership)
    form = ChoosePasswordForm(request.POST, person=membership.person, prefix="first_password")
    if form.is_valid():
        try:
            sign_in_services.password_set_first(
                actor=request.user,
                community=community,
                membership=membership,
                password=form.cleaned_data["password1"],
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect(
                reverse("web:member_detail", args=[community.slug, number]) + "#sign-in"
            )
        else:
            messages.success(
                request,
                _(
                    "%(name)s's first password is set. Tell them it in person or by phone, with "
                    "their member number %(code)s; they can change it on their account page."
                )
                % {"name": membership.person.display_name, "code": membership.member_code},
            )
            return redirect(
                reverse("web:member_detail", args=[community.slug, number]) + "#sign-in"
            )
    return _member_page(request, community, membership, forms={"first_password": form}, status=400)


@never_cache
@login_required
@community_view
@require_http_methods(["GET", "POST"])
def member_sign_in_letter(request: SignedInRequest, community, number: int) -> HttpResponse:
    """POST makes a new code (replacing any earlier letter's) and shows the letter once, after a
    redirect; the code is kept only as a hash, so a later visit offers a new letter instead."""
    membership = _member(request, community, number)
    access.access_give_sign_in(request.user, community, membership)
    if request.method == "POST":
        token, letter_code = sign_in_services.sign_in_code_issue(
            actor=request.user, community=community, membership=membership
        )
        request.session[LETTER_SESSION_KEY] = {
            "membership": membership.pk,
            "code": letter_code,
            "expires": sign_in_selectors.when(token.expires_at, community),
        }
        return redirect("web:member_sign_in_letter", community.slug, number)
    letter = request.session.pop(LETTER_SESSION_KEY, None)
    if not (letter and letter.get("membership") == membership.pk):
        letter = None
    return render(
        request,
        "web/sign_in/letter.html",
        {
            "community": community,
            "membership": membership,
            "letter": letter,
            "address": settings.SITE_URL + reverse("web:sign_in_code"),
            "coordinator": request.user.display_name,
        },
    )
