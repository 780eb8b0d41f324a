"""Jobs that run on a timer. Each is safe to run twice at once (it locks what it changes), so
every worker may enqueue them; `coproduce worker` and the demo's worker thread call
`start_periodic_thread`, and `coproduce periodic --once` runs them now (for cron)."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 300


def periodic_tasks():
    from coproduce.communities.tasks import expire_unconfirmed_applications
    from coproduce.coproduction.tasks import referrals_minimise, remind_sessions
    from coproduce.exchanges.tasks import (
        auto_confirm_exchanges,
        embed_listings,
        expire_listings,
        remind_listings,
    )
    from coproduce.governance.tasks import advance_budgets, advance_proposals, advance_sanctions
    from coproduce.ledger.tasks import expire_reservations
    from coproduce.notifications.tasks import send_waiting_notification_emails, send_weekly_digests

    return [
        expire_reservations,
        auto_confirm_exchanges,
        expire_listings,
        remind_listings,
        send_waiting_notification_emails,
        send_weekly_digests,
        embed_listings,
        referrals_minimise,
        remind_sessions,
        expire_unconfirmed_applications,
        advance_proposals,
        advance_sanctions,
        advance_budgets,
    ]


def enqueue_periodic() -> list[str]:
    names = []
    for job in periodic_tasks():
        job.enqueue()
        names.append(job.name)
    return names


def run_periodic_now() -> dict[str, int]:
    return {job.name: job.call() for job in periodic_tasks()}


class PeriodicThread(threading.Thread):
    """Enqueues the timed jobs now and every `interval` seconds until `stop()` is called."""

    def __init__(self, interval: int = INTERVAL_SECONDS) -> None:
        super().__init__(name="coproduce-periodic", daemon=True)
        self.interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                enqueue_periodic()
            except Exception:  # noqa: BLE001 - a failed round is logged and retried next interval
                logger.exception("could not enqueue periodic jobs")
            finally:
                close_old_connections()
            self._stopping.wait(self.interval)

    def stop(self, timeout: float = 30) -> None:
        """Ask the loop to end and wait for a round in progress to finish (its database work with
        it)."""
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


def start_periodic_thread(interval: int = INTERVAL_SECONDS) -> PeriodicThread:
    thread = PeriodicThread(interval)
    thread.start()
    return thread
