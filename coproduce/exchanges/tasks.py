"""Background jobs of exchanges."""

from __future__ import annotations

from django_tasks import task

from .services import answers, embeddings, listings, reminders


@task()
def auto_confirm_exchanges() -> int:
    """Confirm recorded exchanges whose community's delay has passed. Run periodically."""
    return answers.exchanges_auto_confirm()


@task()
def expire_listings() -> int:
    """Mark active listings past their expiry as expired. Run periodically."""
    return listings.listings_expire()


@task()
def remind_listings() -> int:
    """Tell owners whose listings lapse within a week, once. Run periodically."""
    return reminders.listings_remind()


@task()
def embed_listing(listing_id: int) -> bool:
    """Embed one listing for the semantic matcher; enqueued after it is posted or changed."""
    return embeddings.listing_embed(listing_id)


@task()
def embed_listings() -> int:
    """Embed listings with no embedding or a stale one (nothing when the semantic matcher is
    off). Run periodically, to catch up."""
    return embeddings.listings_embed_pending()
