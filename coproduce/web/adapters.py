from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from coproduce.communities.selectors.sign_in import failed_sign_in_key


@dataclass(frozen=True)
class SiteName:
    """What allauth's emails call the site ("Hello from …", the subject's prefix): the site's
    name and address from the settings, not whatever host the request came in on."""

    name: str
    domain: str


def site_name() -> SiteName:
    return SiteName(
        name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc or settings.SITE_URL
    )


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up directly: people apply to a community and a coordinator approves them."""

    def is_open_for_signup(self, request):
        return False

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys the failed sign-in limit by the lower-cased login and the request's host;
        # one key per account (member numbers written any way) whatever the Host header says.
        return failed_sign_in_key(str(credentials.get("email", credentials.get("username", ""))))

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(template_prefix, email, {**context, "current_site": site_name()})
