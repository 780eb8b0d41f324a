"""Who is calling: a bearer personal access token, or the browser session (with CSRF for writes).

A request that sends an `Authorization` header is judged by that header alone: a wrong or revoked
token is a 401 even when a session cookie is also present, and never falls back to anonymous.

Once the caller is known, each scheme runs the operation's access step (`paths.members_step` by
default): ninja authenticates before it reads the body, so the caller's access to the community
in the path is checked before a byte of the body is parsed. An operation with other needs says
so with `auth=` (`PUBLIC_AUTH`, `COORDINATOR_AUTH`, `REFERENCE_LINK_AUTH`)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import QueryDict
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from coproduce.communities import access
from coproduce.communities.selectors import tokens as tokens_selectors
from coproduce.communities.services import tokens as tokens_services
from coproduce.core.errors import PermissionDenied

from . import paths

AccessStep = Callable[..., None]


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __init__(self, access_step: AccessStep = paths.members_step) -> None:
        super().__init__()
        self.access_step = access_step

    def __call__(self, request):
        caller = super().__call__(request)
        if caller:
            self.access_step(request)
        return caller

    def authenticate(self, request, token):
        access_token = tokens_selectors.token_authenticate(token)
        if access_token is None:
            return None
        # The same two-factor rule as the pages and the browser session: a token does not let a
        # coordinator skip it.
        access.access_second_factor(access_token.person)
        tokens_services.token_touch(access_token)
        request.user = access_token.person
        request.access_token = access_token
        return access_token.person


class SessionAuth(APIKeyCookie):
    """The Django session, as the web pages use it. Writes need the CSRF token, like any form."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, access_step: AccessStep = paths.members_step, csrf: bool = True) -> None:
        super().__init__(csrf=csrf)
        self.access_step = access_step

    def __call__(self, request):
        if "authorization" in request.headers:
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        if self.csrf and _csrf_fails(request):
            raise PermissionDenied(
                "Send the CSRF token (X-CSRFToken header) with writes made with a browser session.",
                code="csrf_failed",
            )
        access.access_second_factor(user)
        self.access_step(request)
        return user

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return None


def _csrf_fails(request) -> bool:
    """Django's CSRF check with the token from the X-CSRFToken header only (as the API
    documents). Django would look in a form body first, reading and parsing the body before
    access is checked, so it is shown no form while it checks."""
    body_read = hasattr(request, "_post")
    if not body_read:
        request._post = QueryDict()
    try:
        return check_csrf(request) is not None
    finally:
        if not body_read:
            del request._post


class _Anonymous:
    """Truthy stand-in for 'nobody signed in' (ninja treats a falsy result as a failed login)."""

    is_authenticated = False


class Anonymous:
    """Last resort on public endpoints: let the caller through unauthenticated, unless they sent
    credentials that did not work."""

    def __init__(self, access_step: AccessStep) -> None:
        self.access_step = access_step

    def __call__(self, request):
        if "authorization" in request.headers:
            return None
        self.access_step(request)
        return _Anonymous()


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTH = [token_auth, session_auth]
PUBLIC_AUTH = [
    TokenAuth(paths.visible_step),
    SessionAuth(paths.visible_step),
    Anonymous(paths.visible_step),
]
COORDINATOR_AUTH = [TokenAuth(paths.coordinators_step), SessionAuth(paths.coordinators_step)]
REFERENCE_LINK_AUTH = [
    TokenAuth(paths.reference_link_step),
    SessionAuth(paths.reference_link_step),
    Anonymous(paths.reference_link_step),
]
# In the OpenAPI document: these operations also work with no credentials at all.
PUBLIC_SECURITY: dict[str, list[dict]] = {
    "security": [{}]
}  # added to the token and session schemes ninja lists
