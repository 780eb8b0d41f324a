"""Bearer personal access tokens, or the browser session (with CSRF for writes)."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from coproduce.communities import selectors, services


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


class SessionOrAnonymous(SessionAuth):
    """Session auth that lets anonymous callers through, for public endpoints."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None else _Anonymous()


class _Anonymous:
    is_authenticated = False

    def __bool__(self) -> bool:  # ninja treats a falsy result as "not authenticated"
        return True


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTH = [token_auth, session_auth]
