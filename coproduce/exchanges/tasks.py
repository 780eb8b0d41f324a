"""Background jobs of exchanges."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def auto_confirm_exchanges() -> int:
    """Confirm recorded exchanges whose community's delay has passed. Run periodically."""
    return services.exchanges_auto_confirm()


@task()
def expire_listings() -> int:
    """Mark active listings past their expiry as expired. Run periodically."""
    return services.listings_expire()
