"""System checks of the configuration (`coproduce check`, and before `serve` and `migrate`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


@register("coproduce")
def console_email(app_configs: Any, **kwargs: Any) -> list[CheckWarning]:
    """Emails printed to the console reach nobody: meant for DEBUG, the tests and the demo only."""
    meant = (
        settings.DEBUG
        or getattr(settings, "TESTING", False)
        or getattr(settings, "COPRODUCE_DEMO", False)
    )
    if settings.EMAIL_BACKEND != CONSOLE_EMAIL or meant:
        return []
    return [
        CheckWarning(
            "Emails are printed to the console, not sent: members get no email (references, "
            "welcomes, notifications).",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to send "
            "them by SMTP; see docs/operations.md.",
            id="coproduce.W001",
        )
    ]


@register("coproduce", Tags.security, deploy=True)
def https_site_address(app_configs: Any, **kwargs: Any) -> list[CheckWarning]:
    """The HTTPS redirect, HSTS and secure cookies follow SITE_URL (config/settings.py)."""
    if settings.SITE_URL.startswith("https://"):
        return []
    return [
        CheckWarning(
            f"SITE_URL is {settings.SITE_URL}, not an https address: links in emails use it, and "
            "the redirect to HTTPS, HSTS and secure cookies are off.",
            hint="Set SITE_URL to the https address people use, e.g. https://timebank.example.org.",
            id="coproduce.W002",
        )
    ]
