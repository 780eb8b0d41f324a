"""`coproduce demo`: the one command to try coproduce.

Migrates the database (SQLite under var/ unless DATABASE_URL says otherwise), builds the Riverside
demo community once, prints the demo logins, starts a background worker thread for the database
task queue, and serves the site on 127.0.0.1 with Django's development server, with DEBUG off as
in production: the site's own error pages, static files through whitenoise (docs/operations.md).

Links in emails and calendar feeds use SITE_URL; unless it is set, the demo makes it
http://127.0.0.1:<port>, the address it serves on, before anything is built or sent."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from rich.table import Table

from coproduce.core.private_files import private_file
from coproduce.ops.console import render
from coproduce.ops.demo import communities as demo
from coproduce.ops.demo import coproduction as coproduction_demo
from coproduce.ops.demo import exchanges as exchanges_demo
from coproduce.ops.demo import governance as governance_demo
from coproduce.ops.demo import messaging as messaging_demo
from coproduce.ops.periodic import start_periodic_thread


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise CommandError(f"The port must be a number, not {value!r}.") from None
    if not 1 <= port <= 65535:
        raise CommandError(f"The port must be between 1 and 65535, not {port}.")
    return port


class Command(BaseCommand):
    help = "Build the Riverside demo community (once), print its logins and serve it on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            default=os.environ.get("PORT") or "8000",
            help="Port to serve on (default: $PORT, else 8000).",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Build the demo and print the logins, then stop.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the SQLite database in var/ first and build everything again.",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the in-process worker thread (run `coproduce worker` yourself).",
        )
        parser.add_argument(
            "--logins-markdown",
            action="store_true",
            help="Only print the demo logins as a markdown table (for the README).",
        )

    def handle(self, *args, port, no_serve, reset, no_worker, logins_markdown, **options):
        if logins_markdown:
            self.stdout.write(demo.demo_logins_markdown())
            return
        port_number = _port(str(port))
        served_at = f"http://127.0.0.1:{port_number}"
        if not os.environ.get("SITE_URL", "").strip():
            # The one setting every absolute link is built from (emails, calendar feeds), so they
            # point where this demo answers. Set before building: building sends emails too.
            settings.SITE_URL = served_at
        if reset:
            self.reset_database()
        call_command("migrate", interactive=False, verbosity=0)
        self.build()
        self.stdout.write(render(self.logins_table()))
        if no_serve:
            return
        if not getattr(settings, "WHITENOISE_USE_FINDERS", False):
            # Without COPRODUCE_DEMO (`manage.py demo`) whitenoise serves only collected files.
            call_command("collectstatic", interactive=False, verbosity=0)
        # whitenoise warns about a missing STATIC_ROOT even when it serves from the apps' folders.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        if not no_worker:
            self.start_worker()
        self.stdout.write(f"Open {served_at}/ in your browser. Press Ctrl+C to stop.")
        if served_at != settings.SITE_URL:
            self.stdout.write(f"Links in emails and calendars use SITE_URL: {settings.SITE_URL}")
        call_command("runserver", f"127.0.0.1:{port_number}", use_reloader=False, skip_checks=True)

    def build(self) -> None:
        """The demo's communities, a year of history, listings, conversations, local say (once)."""
        try:
            built = demo.build_demo()
        except demo.DemoIncomplete as exc:
            raise CommandError(str(exc)) from None
        # The agencies first, then a year of exchanges with the agencies' registers and redemptions
        # recorded among them on their days, so statements read in date order.
        events = coproduction_demo.prepare_coproduction() or []
        if not exchanges_demo.build_history(alongside=events):
            coproduction_demo.run_in_date_order(events)
        exchanges_demo.build_listings()
        messaging_demo.build_conversations()
        # Local say last: the ask needs the health centre, the dispute an exchange of the year.
        governance_demo.build_governance()
        summary = demo.demo_summary()
        self.stdout.write(
            ("Built" if built else "Found")
            + f" the demo: Riverside has {summary['riverside_members']} members and "
            f"{summary['pending_applications']} applications waiting; Hillside has "
            f"{summary['hillside_members']}."
        )

    def reset_database(self) -> None:
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError(
                "--reset only deletes the embedded SQLite database. This install uses another "
                "database (DATABASE_URL); empty it yourself if you really mean to."
            )
        connections.close_all()
        path = Path(database["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        private_file(
            path
        )  # empty, for the owner only, before migrate opens it (settings do this at start)
        self.stdout.write(f"Deleted {path}.")

    def logins_table(self) -> Table:
        table = Table(
            title="Demo logins (password for all: " + demo.DEMO_PASSWORD + ")", title_justify="left"
        )
        table.add_column("Who")
        table.add_column("Sign in with")
        table.add_column("What they can show you")
        for login in demo.DEMO_LOGINS:
            table.add_row(login.who, login.login, login.what)
        return table

    def start_worker(self) -> None:
        """Run the database task queue in a daemon thread, so emails and digests go out without a
        second process. It stops with the server. Production runs `coproduce worker` instead."""
        from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
        from django_tasks.backends.database.backend import DatabaseBackend
        from django_tasks.backends.database.management.commands.db_worker import Worker

        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            self.stdout.write(
                "Background jobs run immediately (TASKS_BACKEND is not the database queue)."
            )
            return
        worker = Worker(
            queue_names=["*"],
            interval=1,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id="demo-thread",
        )
        threading.Thread(target=worker.run, name="coproduce-demo-worker", daemon=True).start()
        start_periodic_thread()
        self.stdout.write(
            "Background worker: running in this process, with the timed jobs every five minutes."
        )
