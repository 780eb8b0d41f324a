from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_it_reports_health_with_a_database_check(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True


def test_it_sends_security_headers_and_a_content_security_policy(client, db):
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_hashes_passwords_with_argon2_outside_tests(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.PASSWORD_HASHERS[0])",
        ],
        cwd=ROOT,
        env={
            **env,
            "COPRODUCE_TESTING": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "COPRODUCE_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        COPRODUCE_TESTING="0",
        DEBUG="false",
        SECRET_KEY="a-production-secret-key-that-is-long-enough-and-random-0123456789-xyz",
        ALLOWED_HOSTS="timebank.example.org",
        COPRODUCE_VAR_DIR=str(tmp_path),
        SITE_URL="https://timebank.example.org",
        EMAIL_HOST="smtp.example.org",
    )
    env.update(extra)
    return env


def test_it_passes_the_deployment_checks_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_on_a_shared_database(tmp_path):
    """PostgreSQL may serve several app servers, which must all sign with the same key (the
    embedded SQLite default generates one: tests/core/test_settings_defaults.py)."""
    env = production_env(tmp_path, DATABASE_URL="postgres://coproduce@127.0.0.1:1/coproduce")
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("name, value", [("DEBUG", "maybe"), ("DATABASE_CONN_MAX_AGE", "ten")])
def test_it_fails_loudly_on_a_malformed_setting(tmp_path, name, value):
    env = production_env(tmp_path, **{name: value})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert name in result.stderr


def test_it_generates_a_secret_key_into_var_for_the_embedded_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(COPRODUCE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY)"
    )
    first = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    second = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert first.stdout == second.stdout and len(first.stdout.strip()) > 40
    assert (tmp_path / "secret_key").exists()
