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
        if _mfa_missing(user):
            raise PermissionDenied(
                "Set up two-factor sign-in on the website before using the API with this account.",
                code="mfa_required",
            )
        return user

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return None


def _mfa_missing(user) -> bool:
    """Coordinators and operators must have two-factor sign-in before they act; the web pages
    enforce this with a middleware that does not cover /api/, so the session check does it here."""
    if getattr(user, "mfa_exempt", False):
        return False
    coordinates = getattr(user, "is_operator", False) or any(
        "coordinator" in roles for _, roles in access._roles_cache(user).values()
    )
    if not coordinates:
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


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
