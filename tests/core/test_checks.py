"""System checks of the configuration: console email outside tests and the demo, and an
http site address in a deployment."""

from __future__ import annotations

import pytest
from django.core.checks import Warning as CheckWarning
from django.core.checks import run_checks

CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def ours(*, deploy: bool = False) -> list:
    tags = ["coproduce"] + (["deploy"] if deploy else [])
    return [
        m
        for m in run_checks(tags=tags, include_deployment_checks=deploy)
        if m.id.startswith("coproduce.")
    ]


def test_it_warns_when_a_production_install_prints_its_emails(settings):
    settings.DEBUG, settings.TESTING, settings.COPRODUCE_DEMO = False, False, False
    settings.EMAIL_BACKEND = CONSOLE
    (warning,) = [m for m in ours() if m.id == "coproduce.W001"]
    assert isinstance(warning, CheckWarning)
    assert "console" in warning.msg and "EMAIL_HOST" in warning.hint


@pytest.mark.parametrize("where", ["DEBUG", "TESTING", "COPRODUCE_DEMO"])
def test_it_does_not_warn_where_console_email_is_meant(settings, where):
    settings.DEBUG, settings.TESTING, settings.COPRODUCE_DEMO = False, False, False
    settings.EMAIL_BACKEND = CONSOLE
    setattr(settings, where, True)
    assert "coproduce.W001" not in [m.id for m in ours()]


def test_it_does_not_warn_when_emails_are_sent(settings):
    settings.DEBUG, settings.TESTING, settings.COPRODUCE_DEMO = False, False, False
    settings.EMAIL_BACKEND = SMTP
    assert "coproduce.W001" not in [m.id for m in ours()]


def test_it_warns_a_deployment_whose_site_address_is_not_https(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    (warning,) = [m for m in ours(deploy=True) if m.id == "coproduce.W002"]
    assert "SITE_URL" in warning.msg
    settings.SITE_URL = "https://timebank.example.org"
    assert "coproduce.W002" not in [m.id for m in ours(deploy=True)]
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert "coproduce.W002" not in [m.id for m in ours()]  # only with --deploy
