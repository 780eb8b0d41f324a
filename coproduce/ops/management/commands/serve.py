"""`coproduce serve`: run coproduce in production.

Collects static files (whitenoise serves them), then replaces this process with gunicorn serving
config.wsgi. Put a proxy (nginx, Caddy) in front for TLS. Run `coproduce worker` beside it for
background jobs, and `coproduce migrate` before starting a new version."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    raw = os.environ.get("WEB_CONCURRENCY", "")
    if raw:
        return positive_int(raw, "WEB_CONCURRENCY")
    return 2 * (os.cpu_count() or 1) + 1


def positive_int(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise CommandError(f"{name} must be a whole number, not {value!r}.") from None
    if number < 1:
        raise CommandError(f"{name} must be at least 1, not {number}.")
    return number


class Command(BaseCommand):
    help = (
        "Production: collect static files, then run gunicorn on 127.0.0.1:PORT behind your proxy."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            default=os.environ.get("PORT") or "8000",
            help="Port on 127.0.0.1 (default: $PORT, else 8000).",
        )
        parser.add_argument(
            "--bind",
            default="",
            help="Address to bind instead, e.g. 0.0.0.0:8000 or unix:/run/coproduce.sock.",
        )
        parser.add_argument(
            "--workers",
            default=None,
            help="gunicorn worker processes (default: $WEB_CONCURRENCY, else 2 x cores + 1).",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="Skip collecting static files."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the gunicorn command instead of running it.",
        )

    def handle(self, *args, port, bind, workers, no_collectstatic, dry_run, **options):
        port_number = positive_int(port, "--port")
        if port_number > 65535:
            raise CommandError(f"--port must be at most 65535, not {port_number}.")
        worker_count = (
            positive_int(workers, "--workers") if workers is not None else default_workers()
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            bind or f"127.0.0.1:{port_number}",
            "--workers",
            str(worker_count),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        if dry_run:
            self.stdout.write(" ".join(command))
            return
        if settings.DEBUG:
            self.stderr.write(
                "Warning: DEBUG is on. Set DEBUG=false (and SECRET_KEY) in production."
            )
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, command)  # noqa: S606 - replace this process with gunicorn
