from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.middleware import HtmxDetails

from coproduce.communities import access
from coproduce.communities.models import Membership, Person

from . import sign_in

ACTING_FOR_SESSION_KEY = "acting_for_membership"


class SignedInRequest(HttpRequest):
    """What views behind login_required receive, for the type checker: a signed-in person and
    what our middleware and django-htmx add."""

    user: Person
    acting_for: Membership | None
    htmx: HtmxDetails


class ActingForMiddleware:
    """Sets request.acting_for: the membership a coordinator is acting for, when they are.
    Dropped at once if the coordinator no longer coordinates that community."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.acting_for = None
        membership_id = (
            request.session.get(ACTING_FOR_SESSION_KEY) if request.user.is_authenticated else None
        )
        if membership_id:
            membership = access.acting_for_membership(request.user, membership_id)
            if membership is not None:
                request.acting_for = membership
            else:
                request.session.pop(ACTING_FOR_SESSION_KEY, None)
        return self.get_response(request)


class MfaRequiredMiddleware:
    """Coordinators and operators must set up two-factor sign-in before doing anything else
    (`access.second_factor_missing`, the rule the API applies too). Demo accounts may be exempt;
    the exemption is shown on every page."""

    ALLOWED_PREFIXES = (
        "/accounts/",
        "/static/",
        "/media/",
        "/healthz",
        "/api/",
        "/references/",
        "/i18n/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and access.second_factor_missing(user)
        ):
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.path)
        return self.get_response(request)


class FullSignInMiddleware:
    """A session counts only if it came through the whole sign-in (`web.sign_in`). One without
    the mark (made before the mark existed, or by a code path that skipped `login()`) is judged
    once by the same rule: marked if it is complete, otherwise ended before anything (pages,
    admin or API) sees it. No query for marked sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not sign_in.session_is_complete(request):
            logout(request)
        return self.get_response(request)


def acting_target(request: SignedInRequest) -> Person:
    """The person whose profile pages are being edited: the member a coordinator is acting for,
    otherwise the signed-in person. Services are always called with `actor=request.user`, so
    they record the on-behalf-of themselves."""
    return request.acting_for.person if request.acting_for else request.user


def acting_member(request: SignedInRequest, community) -> Person:
    """The person a member's page in this community is for: the member a coordinator acts for,
    otherwise the signed-in person (access.access_act_for). Services get `on_behalf_of=` this
    person when it is not the actor."""
    return access.access_act_for(request.user, community, request.acting_for)


def on_behalf_of(request: SignedInRequest, person: Person) -> Person | None:
    return access.on_behalf_of(request.user, person)
