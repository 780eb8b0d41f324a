"""phase-1 compatibility: removed by the importer rewrite. The broker queue is selectors/broker.py."""

from .selectors.broker import broker_queue, coordinator_counts, month_start

__all__ = ["broker_queue", "coordinator_counts", "month_start"]
