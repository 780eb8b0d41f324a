"""Who is calling: a bearer personal access token, or the browser session (with CSRF for writes).

A request that sends an `Authorization` header is judged by that header alone: a wrong or revoked
token is a 401 even when a session cookie is also present, and never falls back to anonymous."""

from __future__ import annotations

from django.conf import settings
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from coproduce.communities import access, selectors, services
from coproduce.core.errors import PermissionDenied


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        access_token = selectors.token_authenticate(token)
        if access_token is None:
            return None
        # The same two-factor rule as the pages and the browser session: a token does not let a
        # coordinator skip it.
        access.access_second_factor(access_token.person)
        services.token_touch(access_token)
        request.user = access_token.person
        request.access_token = access_token
        return access_token.person


class SessionAuth(APIKeyCookie):
    """The Django session, as the web pages use it. Writes need the CSRF token, like any form."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        if "authorization" in request.headers:
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        if self.csrf and check_csrf(request) is not None:
            raise PermissionDenied(
                "Send the CSRF token (X-CSRFToken header) with writes made with a browser session.",
                code="csrf_failed",
            )
        access.access_second_factor(user)
        return user

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return None


class _Anonymous:
    """Truthy stand-in for 'nobody signed in' (ninja treats a falsy result as a failed login)."""

    is_authenticated = False


def anonymous(request):
    """Last resort on public endpoints: let the caller through unauthenticated, unless they sent
    credentials that did not work."""
    if "authorization" in request.headers:
        return None
    return _Anonymous()


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTH = [token_auth, session_auth]
PUBLIC_AUTH = [token_auth, session_auth, anonymous]
# In the OpenAPI document: these operations also work with no credentials at all.
PUBLIC_SECURITY: dict[str, list[dict]] = {"security": [{}]}  # added to the token and session schemes ninja lists
