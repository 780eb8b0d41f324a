"""Safe defaults: an install that sets nothing gets DEBUG off, private files under var/, and a
site address on its own port; HTTPS settings follow an https SITE_URL, not DEBUG."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

ROOT = Path(__file__).resolve().parents[2]

SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'SITE_URL': s.SITE_URL, 'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT, "
    "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, 'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, "
    "'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS, 'WHITENOISE_USE_FINDERS': "
    "s.WHITENOISE_USE_FINDERS, 'STATICFILES': s.STORAGES['staticfiles']['BACKEND'], 'KEY': "
    "len(s.SECRET_KEY)}))"
)


def bare_env(var_dir: Path, **extra) -> dict[str, str]:
    """The environment of a fresh install: nothing of ours set (not even COPRODUCE_TESTING)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "COPRODUCE_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.update(extra)
    return env


def settings_in(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_it_turns_debug_off_when_nothing_is_set(tmp_path):
    shown = settings_in(bare_env(tmp_path / "var"))
    assert shown["DEBUG"] is False
    # The embedded default still starts by itself: a key generated under var/, plain http on
    # 127.0.0.1.
    assert shown["KEY"] > 40 and (tmp_path / "var" / "secret_key").exists()
    assert shown["SITE_URL"] == "http://127.0.0.1:8000"
    assert shown["SECURE_SSL_REDIRECT"] is False and shown["SESSION_COOKIE_SECURE"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 0


def test_it_gives_the_demo_its_static_files_without_debug(tmp_path):
    shown = settings_in(bare_env(tmp_path / "var", COPRODUCE_DEMO="1"))
    assert shown["DEBUG"] is False
    assert shown["WHITENOISE_USE_FINDERS"] is True
    assert shown["STATICFILES"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_it_switches_https_on_for_an_https_site_address(tmp_path):
    shown = settings_in(bare_env(tmp_path / "var", SITE_URL="https://timebank.example.org/"))
    assert shown["SITE_URL"] == "https://timebank.example.org"
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SESSION_COOKIE_SECURE"] is True and shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_HSTS_SECONDS"] == 60 * 60 * 24 * 365
    assert shown["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # The explicit switch still wins (a proxy that redirects by itself).
    assert (
        settings_in(
            bare_env(
                tmp_path / "var",
                SITE_URL="https://timebank.example.org",
                SECURE_SSL_REDIRECT="false",
            )
        )["SECURE_SSL_REDIRECT"]
        is False
    )


def test_it_takes_the_site_address_from_the_port_unless_it_is_set(tmp_path):
    assert (
        settings_in(bare_env(tmp_path / "var", PORT="9124"))["SITE_URL"] == "http://127.0.0.1:9124"
    )
    explicit = settings_in(
        bare_env(tmp_path / "var", PORT="9124", SITE_URL="https://timebank.example.org")
    )
    assert explicit["SITE_URL"] == "https://timebank.example.org"


def test_it_refuses_a_malformed_port(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=bare_env(tmp_path, PORT="eighty"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "PORT" in result.stderr


CREATE = (
    "import json, os, stat, django; django.setup(); from django.conf import settings; "
    "from django.db import connection; c = connection.cursor(); "
    "c.execute('create table t (x integer)'); c.execute('insert into t values (1)'); "
    "var = settings.VAR_DIR; "
    "print(json.dumps({n: stat.S_IMODE(os.stat(var / n).st_mode) for n in sorted(os.listdir(var))} "
    "| {'.': stat.S_IMODE(os.stat(var).st_mode)}))"
)


def test_it_creates_var_the_database_and_the_secret_key_for_the_owner_only(tmp_path):
    var = tmp_path / "var"
    result = subprocess.run(
        [sys.executable, "-c", CREATE], cwd=ROOT, env=bare_env(var), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    modes = json.loads(result.stdout)  # while the connection is open, so the WAL files exist
    assert {
        "coproduce.sqlite3",
        "coproduce.sqlite3-wal",
        "coproduce.sqlite3-shm",
        "secret_key",
    } <= set(modes)
    assert modes["."] == 0o700
    for name in (
        "coproduce.sqlite3",
        "coproduce.sqlite3-wal",
        "coproduce.sqlite3-shm",
        "secret_key",
    ):
        assert modes[name] & 0o077 == 0, f"{name} is {oct(modes[name])}"


def test_it_stores_uploaded_files_for_the_owner_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    storage = FileSystemStorage()  # the default storage's class, reading the settings now
    name = storage.save("listings/2025/picture.jpg", ContentFile(b"not really a picture"))
    saved = Path(storage.path(name))
    assert mode(saved) & 0o077 == 0, oct(mode(saved))
    assert mode(saved.parent) & 0o077 == 0 and mode(saved.parent.parent) & 0o077 == 0


DEMO_PAGES = (
    "import json, django; django.setup(); from django.test import Client; c = Client(); "
    "pages = {p: c.get(p) for p in ('/no-such-page/', '/static/coproduce/site.css', "
    "'/favicon.ico')}; print(json.dumps({p: [r.status_code, r.get('Content-Type', ''), b'We could "
    "not find that page' in b''.join(r.streaming_content if r.streaming else [r.content])] for p, "
    "r in pages.items()}))"
)


def test_it_serves_the_demo_without_debug(tmp_path):
    """As `coproduce demo` runs (COPRODUCE_DEMO=1, nothing else): the site's 404 page, not
    Django's debug page; static files served; no redirect to an https that is not there."""
    result = subprocess.run(
        [sys.executable, "-c", DEMO_PAGES],
        cwd=ROOT,
        env=bare_env(tmp_path, COPRODUCE_DEMO="1"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    pages = json.loads(result.stdout)
    assert pages["/no-such-page/"] == [404, "text/html; charset=utf-8", True]
    assert pages["/static/coproduce/site.css"][:2] == [200, 'text/css; charset="utf-8"']
    assert pages["/favicon.ico"][:2] == [200, "image/x-icon"]
