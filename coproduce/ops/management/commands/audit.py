"""`coproduce audit [--community SLUG]`: recompute the ledger and check every rule.

Prints one summary line; exit 0 when clean, 1 with each violation named."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.errors import NotFound
from coproduce.ledger.selectors.audit import ledger_audit


class Command(BaseCommand):
    help = "Recompute every balance from postings and check the ledger's rules and hash chain."

    def add_arguments(self, parser):
        parser.add_argument("--community", help="Audit one community (its slug); default: all.")

    def handle(self, *args, community=None, **options):
        ids = None
        if community:
            try:
                ids = [communities_selectors.community_get(community).pk]
            except NotFound:
                raise CommandError(f"No community with the slug {community!r}.") from None
        report = ledger_audit(ids)
        for violation in report.violations:
            self.stdout.write(f"  violation: {violation}")
        self.stdout.write(report.summary())
        if not report.clean:
            sys.exit(1)
