"""The `coproduce` command: a thin wrapper around Django's management commands.

The commands listed in COMMANDS are our own (coproduce/ops/management/commands/); any other
Django command (`coproduce migrate`, `coproduce createsuperuser`, ...) works too."""

from __future__ import annotations

import os
import sys

# Ours, listed first by `coproduce --help`, in the order people need them.
COMMANDS = {
    "demo": "Try it: build the Riverside demo community in SQLite and serve it on 127.0.0.1.",
    "serve": "Production: collect static files, then run gunicorn (put it behind a proxy).",
    "worker": "Run background jobs (email, timed jobs) from the database queue.",
    "periodic": "Run the timed jobs now (--once, for cron): auto-confirm exchanges, expire "
    "reservations.",
    "audit": "Recompute the hours ledger from its postings and check every rule (exit 1 on a "
    "violation).",
    "token": "Create, list or revoke a person's API access tokens.",
    "community": "Create a community and name its first coordinator (community create --name "
    "--slug --prefix).",
    "seed": "Fill a database with large synthetic communities for benchmarks.",
}


def _help_text() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "Usage: coproduce <command> [options]",
        "",
        "coproduce runs community time banks and co-produced public services.",
        "",
        "Commands:",
        *(f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()),
        "",
        "Run `coproduce <command> --help` for a command's options.",
        "Every Django management command works too (migrate, createsuperuser, check, ...):",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if argv[:1] == ["demo"]:
        # Demo accounts may be exempt from two-factor sign-in; only the demo sets this.
        os.environ.setdefault("COPRODUCE_DEMO", "1")

    from django.core.management import execute_from_command_line

    try:
        if not argv or (argv[0] in {"-h", "--help", "help"} and len(argv) == 1):
            print(_help_text())
            print()
            execute_from_command_line(["coproduce", "help"])
            return
        execute_from_command_line(["coproduce", *argv])
    except BrokenPipeError:
        # `coproduce ... | head`: the reader left; stop quietly, as other commands do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:
        # A wrong environment variable is the operator's input: say what is wrong, no traceback.
        if type(exc).__name__ == "ConfigurationError":
            print(f"coproduce: {exc}", file=sys.stderr)
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()
