"""Two-factor sign-in for tests: set up a real TOTP authenticator and make its current code."""

from __future__ import annotations

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value


def set_up_totp(person) -> str:
    """Give the person a TOTP authenticator (as the set-up page does); returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    return secret


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
