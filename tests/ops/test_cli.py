"""The `coproduce` command and our management commands: token, seed, demo, serve, worker."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from coproduce import cli
from coproduce.communities.models import (
    Application,
    ApplicationStatus,
    Check,
    CheckResult,
    Community,
    Membership,
    MembershipRole,
    Person,
    Role,
    RulebookVersion,
)
from coproduce.communities.selectors import tokens as tokens_selectors
from coproduce.communities.selectors import vetting as vetting_selectors
from coproduce.ops.demo.communities import DEMO_LOGINS, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def run_cli(argv, capsys, monkeypatch) -> tuple[int, str, str]:
    """Run `coproduce ARGV` in this process, as the console script would, and return
    (exit code, stdout, stderr). Django closes connections after a command; inside a test's
    transaction that would break the test, so it is skipped here."""
    monkeypatch.setattr(connections, "close_all", lambda: None)
    code = 0
    try:
        # System checks are the web and API layers' business, not these commands'.
        cli.main([*argv[:1], "--skip-checks", *argv[1:]])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# coproduce --------------------------------------------------------------------------------------


def test_it_lists_our_commands_first_in_help():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "coproduce.cli", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("demo") < out.index("seed") < out.index("migrate")
    for name in ("demo", "serve", "worker", "token", "seed"):
        assert f"  {name} " in out


# token ------------------------------------------------------------------------------------------


def test_it_prints_only_a_token_that_authenticates(member):
    out, err = command("token", "create", "--email", member.email, "--name", "Laptop")
    assert out.count("\n") == 1
    secret = out.strip()
    token = tokens_selectors.token_authenticate(secret)
    assert token is not None and token.person == member and token.name == "Laptop"
    assert "shown only once" in err


def test_it_finds_the_person_by_member_number(community, member, membership_of):
    code = membership_of(member, community).member_code
    out, _ = command("token", "create", "--member", code.lower(), "--community", "riverside")
    token = tokens_selectors.token_authenticate(out.strip())
    assert token.person == member and token.community == community


def test_it_exits_non_zero_with_a_message_for_an_unknown_email(db, capsys, monkeypatch):
    code, out, err = run_cli(
        ["token", "create", "--email", "nobody@example.org"], capsys, monkeypatch
    )
    assert code != 0
    assert out == ""
    assert "Nobody has the email address 'nobody@example.org'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--member", "RIV-9999"], "There is no member RIV-9999"),
        (["--member", "not-a-number"], "is not a member number"),
        (["--email", "member@riverside.example", "--community", "atlantis"], "No such community"),
        (["--email", "member@riverside.example", "--community", "hillside"], "not a member of it"),
    ],
)
def test_it_refuses_bad_input_clearly(member, other_community, capsys, monkeypatch, args, message):
    code, out, err = run_cli(["token", "create", *args], capsys, monkeypatch)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_it_lists_tokens_without_their_secrets(member):
    out, _ = command("token", "create", "--email", member.email, "--name", "Phone")
    listing, _ = command("token", "list", "--email", member.email)
    assert "Phone" in listing and out.strip()[:10] in listing
    assert out.strip() not in listing


def test_it_revokes_a_token_by_prefix(member):
    out, _ = command("token", "create", "--email", member.email)
    secret = out.strip()
    result, _ = command("token", "revoke", "--email", member.email, "--prefix", secret[:8])
    assert "Revoked" in result
    assert tokens_selectors.token_authenticate(secret) is None
    with pytest.raises(CommandError, match="no active token"):
        command("token", "revoke", "--email", member.email, "--prefix", secret[:8])


# seed -------------------------------------------------------------------------------------------


def test_it_seeds_the_right_counts_and_member_numbers(db):
    out, _ = command(
        "seed", "--communities", "2", "--members", "120", "--seed", "7", "--batch-size", "100"
    )
    assert "Seeded 240 members in 2 communities" in out
    communities = list(Community.objects.filter(slug__startswith="seed-").order_by("slug"))
    assert [c.slug for c in communities] == ["seed-1", "seed-2"]
    assert communities[0].member_prefix != communities[1].member_prefix
    for community in communities:
        numbers = list(
            Membership.objects.filter(community=community)
            .order_by("number")
            .values_list("number", flat=True)
        )
        assert numbers == list(range(1, 121))
        assert community.last_member_number == 120
        assert RulebookVersion.objects.filter(
            community=community, number=1, source="founding"
        ).exists()
        roles = MembershipRole.objects.filter(membership__community=community)
        assert roles.filter(role=Role.MEMBER).count() == 120
        assert list(
            roles.filter(role=Role.COORDINATOR).values_list("membership__number", flat=True)
        ) == [1]
        assert (
            Application.objects.filter(
                community=community, status=ApplicationStatus.PENDING
            ).count()
            == 1
        )
        assert Check.objects.filter(community=community, result=CheckResult.PASSED).count() == 2 * 6
    assert Person.objects.count() == 240 + 2
    # The next member added through the services continues the numbering.
    from coproduce.communities.services import memberships as memberships_services

    person = Person.objects.create_user(email="late@example.org", full_name="Late Joiner")
    membership = memberships_services.membership_add(
        actor=None, community=communities[0], person=person
    )
    assert membership.number == 121


def test_it_seeds_the_same_people_from_the_same_seed(db):
    command("seed", "--members", "30", "--seed", "3")
    command("seed", "--members", "30", "--seed", "3")
    first, second = (
        list(
            Membership.objects.filter(community__slug=slug)
            .order_by("number")
            .values_list("person__full_name", "person__neighbourhood")
        )
        for slug in ("seed-1", "seed-2")
    )
    assert first == second


@pytest.mark.parametrize(
    "args", [["--members", "-5"], ["--communities", "0"], ["--batch-size", "3"]]
)
def test_it_refuses_bad_seed_arguments(db, capsys, monkeypatch, args):
    code, _, err = run_cli(["seed", *args], capsys, monkeypatch)
    assert code == 1
    assert "must be at least" in err
    assert not Community.objects.exists()


# demo -------------------------------------------------------------------------------------------


def test_it_builds_riverside_with_its_logins_once(db):
    out, _ = command("demo", "--no-serve")
    assert "Built the demo" in out
    riverside = Community.objects.get(slug="riverside")
    members = Membership.objects.filter(community=riverside).count()
    assert members >= 60
    for login in DEMO_LOGINS:
        assert login.login in out
        credentials = {"email": login.login} if "@" in login.login else {"username": login.login}
        person = authenticate(None, password=DEMO_PASSWORD, **credentials)
        assert person is not None, login.login

    people = Person.objects.count()
    out, _ = command("demo", "--no-serve")
    assert "Found the demo" in out
    assert Membership.objects.filter(community=riverside).count() == members
    assert Person.objects.count() == people
    assert Community.objects.count() == 2


def test_it_gives_the_demo_what_each_page_needs_to_show(db):
    command("demo", "--no-serve")
    riverside = Community.objects.get(slug="riverside")
    roles = MembershipRole.objects.filter(membership__community=riverside)
    assert roles.filter(role=Role.COORDINATOR).count() == 3
    # Priya; and Dev and Hilda, staff of the school and the library in the co-production demo.
    assert roles.filter(role=Role.AGENCY_STAFF).count() == 3
    assert roles.filter(role=Role.GROUP_LEAD).count() == 1
    assert roles.filter(role=Role.STEWARD).count() == 1
    assert Person.objects.get(email="coordinator@riverside.example").mfa_exempt
    assert Person.objects.get(email="operator@coproduce.example").is_operator
    pending = Application.objects.filter(community=riverside, status=ApplicationStatus.PENDING)
    assert pending.count() >= 5
    assert pending.filter(notes__kind="interview").exists()
    assert pending.filter(references__status="answered").exists()
    assert pending.filter(references__status="requested").exists()
    expiring = vetting_selectors.checks_expiring(riverside, within_days=30)
    assert (
        len([c for c in expiring if c.expires_on >= c.checked_on and c.expires_on >= _today()]) >= 3
    )
    assert any(c.expires_on < _today() for c in expiring)
    assert riverside.rulebook_versions.count() >= 3
    offline = Person.objects.filter(
        is_offline=True, email__isnull=True, memberships__community=riverside
    )
    assert offline.count() >= 3
    maya = Person.objects.get(email="member@riverside.example")
    assert set(maya.memberships.values_list("community__slug", flat=True)) == {
        "riverside",
        "hillside",
    }
    assert {g.kind for g in maya.gifts.all()} == {"head", "hands", "heart", "teach"}


def test_it_prints_the_logins_for_the_readme():
    out, _ = command("demo", "--logins-markdown")
    assert out.startswith(f"Password for every demo login: `{DEMO_PASSWORD}`")
    for login in DEMO_LOGINS:
        assert f"| `{login.login}` |" in out


def test_it_refuses_a_bad_port(db):
    with pytest.raises(CommandError, match="port"):
        command("demo", "--no-serve", "--port", "nope")


def test_it_rebuilds_from_scratch_with_reset(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["COPRODUCE_VAR_DIR"] = str(tmp_path)

    def demo(*extra):
        return subprocess.run(
            [sys.executable, "-m", "coproduce.cli", "demo", "--no-serve", *extra],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    first = demo()
    assert first.returncode == 0, first.stderr
    assert "Built the demo" in first.stdout
    assert "Found the demo" in demo().stdout
    again = demo("--reset")
    assert again.returncode == 0, again.stderr
    assert "Deleted" in again.stdout and "Built the demo" in again.stdout


# serve and worker -------------------------------------------------------------------------------


def test_it_runs_gunicorn_on_the_port_given(db):
    out, _ = command("serve", "--port", "8123", "--workers", "3", "--dry-run")
    assert "gunicorn config.wsgi:application" in out
    assert "--bind 127.0.0.1:8123" in out and "--workers 3" in out


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "x"], ["--workers", "-1"]])
def test_it_refuses_bad_serve_arguments(db, args):
    with pytest.raises(CommandError):
        command("serve", "--dry-run", *args)


def test_it_runs_the_database_worker(transactional_db, settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}
    package_logger = logging.getLogger("django_tasks")
    handlers = list(package_logger.handlers)
    try:
        with caplog.at_level(logging.INFO, logger="django_tasks"):
            command("worker", "--batch", "--no-startup-delay")
    finally:
        package_logger.handlers = handlers  # db_worker may log to the command's (now closed) stdout
    assert "No more tasks to run" in caplog.text
    # A batch run adds no timed jobs, so it leaves no thread behind to touch the database later.
    assert not _periodic_threads()


def test_a_long_running_worker_stops_its_timed_job_thread_when_it_ends(
    transactional_db, settings, caplog, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}
    from coproduce.ledger.tasks import expire_reservations
    from coproduce.ops import periodic
    from coproduce.ops.management.commands import worker

    started = []

    def start(interval=periodic.INTERVAL_SECONDS):
        # The real thread, waiting a long time between rounds, so only the stop can end it soon.
        thread = periodic.start_periodic_thread(interval=3600)
        started.append(thread)
        return thread

    monkeypatch.setattr(worker, "start_periodic_thread", start)
    expire_reservations.enqueue()  # the one job the worker runs before it exits (--max-tasks 1)
    from django_tasks.backends.database.models import DBTaskResult

    assert (
        DBTaskResult.objects.count() == 1
    )  # queued in the database, or the worker would wait forever
    package_logger = logging.getLogger("django_tasks")
    handlers = list(package_logger.handlers)
    try:
        with caplog.at_level(logging.INFO, logger="django_tasks"):
            command("worker", "--max-tasks", "1", "--no-startup-delay", "--interval", "0.05")
    finally:
        package_logger.handlers = handlers
    assert len(started) == 1
    assert not started[0].is_alive()
    assert not _periodic_threads()


def _periodic_threads():
    import threading

    return [t for t in threading.enumerate() if t.name == "coproduce-periodic" and t.is_alive()]


def test_it_explains_when_jobs_do_not_use_the_database_queue(db):
    with pytest.raises(CommandError, match="not a database backend"):
        command("worker", "--batch")


def _today():
    from django.utils import timezone

    return timezone.localdate()
