"""`coproduce worker`: run background jobs from the database queue.

A pass-through to django-tasks' `db_worker` (all its options work: --queue-name, --interval,
--batch, --max-tasks, --worker-id). Run one or more beside `coproduce serve`; they share the queue
safely (row locks, SKIP LOCKED on PostgreSQL). Unlike `db_worker` it does not reload on code
changes unless asked (`--reload`), even with DEBUG on.

A long-running worker also enqueues the timed jobs every five minutes, on a thread that stops when
the worker does. `--batch` runs what is queued and exits without adding them (cron runs
`coproduce periodic` for that)."""

from __future__ import annotations

from django_tasks.backends.database.management.commands.db_worker import Command as DbWorkerCommand

from coproduce.ops.periodic import start_periodic_thread


class Command(DbWorkerCommand):
    help = (
        "Run background jobs (email, digests, timed jobs) from the database queue. Options as "
        "django-tasks' db_worker."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(reload=False)
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Do not enqueue the timed jobs (auto-confirm, reservation expiry) every five "
            "minutes.",
        )

    def handle(self, *args, **options):
        no_periodic = options.pop("no_periodic", False)
        if no_periodic or options.get("batch"):
            return super().handle(*args, **options)
        periodic = start_periodic_thread()
        try:
            return super().handle(*args, **options)
        finally:
            periodic.stop()
