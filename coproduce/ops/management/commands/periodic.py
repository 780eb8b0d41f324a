"""`coproduce periodic [--once]`: run the timed jobs (expire reservations, auto-confirm
exchanges). `--once` runs them now in this process (for cron); otherwise enqueue them every five
minutes for the workers."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from coproduce.ops.periodic import INTERVAL_SECONDS, enqueue_periodic, run_periodic_now


class Command(BaseCommand):
    help = "Run the timed jobs now (--once) or enqueue them every five minutes for the workers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run every timed job now and print what it did."
        )

    def handle(self, *args, once=False, **options):
        if once:
            for name, count in run_periodic_now().items():
                self.stdout.write(f"{name}: {count}")
            return
        while True:
            enqueue_periodic()
            time.sleep(INTERVAL_SECONDS)
