"""`coproduce demo --port N` (or PORT=N) serves on N, and every absolute link it makes (emails,
calendar feeds in the pages and the API) uses N too, unless SITE_URL is set."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command

from coproduce.notifications.services import notifications
from coproduce.ops.management.commands import demo as demo_command

from ..api.conftest import bearer


@pytest.fixture
def serve_nothing(settings, monkeypatch, tmp_path):
    """Runs the demo command as `coproduce demo` does, without building the demo (tested
    elsewhere) or serving; returns the addresses runserver was asked for. SITE_URL goes back to
    the test's value afterwards."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.WHITENOISE_USE_FINDERS = True  # as with COPRODUCE_DEMO=1
    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setattr(demo_command.Command, "build", lambda self: None)
    served: list[str] = []
    real = demo_command.call_command

    def fake(name, *args, **kwargs):
        if name == "runserver":
            served.append(args[0])
        elif name == "collectstatic":
            served.append("collectstatic")
        else:
            real(name, *args, **kwargs)

    monkeypatch.setattr(demo_command, "call_command", fake)
    return served


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--no-worker", *args, stdout=out)
    return out.getvalue()


def test_it_links_to_the_port_the_demo_serves_on(
    serve_nothing, client, community, member, session, django_capture_on_commit_callbacks
):
    out = run_demo("--port", "9123")
    assert serve_nothing == ["127.0.0.1:9123"]
    assert "http://127.0.0.1:9123/" in out

    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            person=member,
            community=community,
            kind="exchange_recorded",
            title="Please confirm 1h30 (Riverside)",
            url="/c/riverside/exchanges/1/",
        )
    (email,) = mail.outbox
    assert "http://127.0.0.1:9123/c/riverside/exchanges/1/" in email.body
    assert ":8000" not in email.body

    api = client.get(f"/api/v1/communities/riverside/sessions/{session.pk}", headers=bearer(member))
    assert api.status_code == 200
    assert api.json()["calendar_url"].startswith("http://127.0.0.1:9123/c/riverside/roles/")

    client.force_login(member)
    page = client.get(f"/c/riverside/sessions/{session.pk}/").content.decode()
    assert f'href="http://127.0.0.1:9123/c/riverside/roles/{session.role_id}/sessions.ics"' in page


def test_it_follows_the_port_variable(serve_nothing, settings, monkeypatch, db):
    monkeypatch.setenv("PORT", "9124")
    run_demo()
    assert serve_nothing == ["127.0.0.1:9124"]
    assert settings.SITE_URL == "http://127.0.0.1:9124"


def test_it_keeps_a_site_address_that_is_set(serve_nothing, settings, monkeypatch, db):
    monkeypatch.setenv("SITE_URL", "https://demo.example.org")
    settings.SITE_URL = "https://demo.example.org"
    run_demo("--port", "9125")
    assert serve_nothing == ["127.0.0.1:9125"]
    assert settings.SITE_URL == "https://demo.example.org"


def test_it_collects_static_files_when_whitenoise_cannot_find_them_itself(
    serve_nothing, settings, db
):
    settings.WHITENOISE_USE_FINDERS = False  # `manage.py demo`, without COPRODUCE_DEMO
    run_demo("--port", "9126")
    assert serve_nothing == ["collectstatic", "127.0.0.1:9126"]
