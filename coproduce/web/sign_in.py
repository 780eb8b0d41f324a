"""How a browser session becomes signed in: only through allauth's sign-in, with its second factor.

Every `django.contrib.auth.login` call sends `user_logged_in`; `on_user_logged_in` looks at what
the sign-in used (allauth records each step in the session) and either marks the session as a
full sign-in or ends it on the spot, so a route that signs someone in by itself (as the admin's
own login did) cannot hand out a session without the second factor. `FullSignInMiddleware` ends
any session that lacks the mark. Our own ways in (a set-password link, a code from a sign-in
letter) finish with `sign_in`, which is allauth's `perform_login`: the second factor and the rest
of allauth's login stages apply to them as to the sign-in form."""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.account.utils import perform_login
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from coproduce.communities import access

FULL_SIGN_IN_SESSION_KEY = "coproduce_full_sign_in"


def _methods(request: HttpRequest, person) -> list[str]:
    return [str(record.get("method")) for record in get_authentication_records(request, person)]


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    if access.sign_in_complete(user, _methods(request, user)):
        session[FULL_SIGN_IN_SESSION_KEY] = user.pk
    else:
        logout(request)


def session_is_complete(request: HttpRequest) -> bool:
    """Whether the signed-in session came through the whole sign-in. A session from before the
    mark existed is judged once by the same rule (one query) and marked or refused."""
    person = request.user
    if request.session.get(FULL_SIGN_IN_SESSION_KEY) == person.pk:
        return True
    if access.sign_in_complete(person, _methods(request, person)):
        request.session[FULL_SIGN_IN_SESSION_KEY] = person.pk
        return True
    return False


def sign_in(request: HttpRequest, person, *, redirect_url: str) -> HttpResponse:
    """Sign a person in after they proved who they are another way (a set-password link, a
    letter's code), through allauth's login stages: a person with a second factor is asked for
    it."""
    if request.user.is_authenticated and request.user.pk != person.pk:
        logout(request)
    return perform_login(request, person, redirect_url=redirect_url)
