"""Decorators every web view uses to turn the domain's refusals into pages."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404

from coproduce.communities import access
from coproduce.core.errors import NotFound, PermissionDenied


def domain_errors(view):
    """NotFound becomes the 404 page (outsiders learn nothing more), PermissionDenied the 403 page
    with the service's plain explanation."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404("Not found.") from None
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None

    return wrapper


def community_view(view):
    """Looks up the community named by `<slug>` and passes it on instead of the slug (for a
    member, the one read with their memberships: `access.community_named`)."""

    @domain_errors
    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        return view(request, access.community_named(request.user, slug), *args, **kwargs)

    return wrapper
