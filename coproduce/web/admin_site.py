"""The admin has no login of its own: it sends people to the site's sign-in (with its second
factor and failed-sign-in limits) and accepts only a session that came through it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import sign_in


class SiteAdmin(admin.AdminSite):
    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in but not allowed here: sending them to sign in again would loop.
            raise PermissionDenied
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
            "admin:index", current_app=self.name
        )
        return HttpResponseRedirect(
            f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}"
        )

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and sign_in.session_is_complete(request)
