"""Storing the semantic matcher's embeddings of listings (selectors/semantic.py reads them):
after a listing is posted or changed, and the periodic catch-up. An embedding is derived data,
like the search index, so computing one writes no audit row: the listing change that caused it
is audited already."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import Listing, ListingEmbedding, ListingStatus
from ..selectors.semantic import (
    BATCH_SIZE,
    DIMENSIONS,
    MODEL_NAME,
    embed_texts,
    enabled,
    listing_text,
    text_hash,
    vector_bytes,
)


def embed_after_commit(listing: Listing) -> None:
    """Called by the listing services: once the change is committed, a background job embeds
    the listing. Nothing happens when the semantic matcher is off."""
    if not enabled():
        return
    from ..tasks import embed_listing

    listing_id = listing.pk
    transaction.on_commit(lambda: embed_listing.enqueue(listing_id))


def _store(listing: Listing, vector: Any, digest: str) -> None:
    values = {
        "model_name": MODEL_NAME,
        "dimensions": DIMENSIONS,
        "vector": vector_bytes(vector),
        "text_hash": digest,
        "computed_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            ListingEmbedding.objects.update_or_create(listing_id=listing.pk, defaults=values)
    except IntegrityError:  # another worker stored it at the same moment: keep the newer one
        ListingEmbedding.objects.filter(listing_id=listing.pk).update(**values)


def _embed(listings: Iterable[Listing]) -> int:
    """Embed the listings whose stored embedding is missing or from other text (the model runs
    outside any transaction); touch the others so they are not looked at again."""
    listings = list(listings)
    texts = {listing.pk: listing_text(listing) for listing in listings}
    stored = {
        e.listing_id: e
        for e in ListingEmbedding.objects.filter(listing__in=[x.pk for x in listings])
    }
    due = []
    for listing in listings:
        found = stored.get(listing.pk)
        if (
            found
            and found.text_hash == text_hash(texts[listing.pk])
            and found.model_name == MODEL_NAME
            and found.dimensions == DIMENSIONS
        ):
            ListingEmbedding.objects.filter(pk=found.pk).update(computed_at=timezone.now())
        else:
            due.append(listing)
    for start in range(0, len(due), BATCH_SIZE):
        batch = due[start : start + BATCH_SIZE]
        vectors = embed_texts([texts[x.pk] for x in batch])
        for listing, vector in zip(batch, vectors, strict=True):
            _store(listing, vector, text_hash(texts[listing.pk]))
    return len(due)


def listing_embed(listing_id: int) -> bool:
    """The background job after a listing is posted or changed: embed it unless its stored
    embedding is of the same text. Returns whether the model ran. A listing that is gone or no
    longer active is left alone (the periodic job picks it up if it comes back)."""
    if not enabled():
        return False
    listing = (
        Listing.objects.select_related("category")
        .filter(pk=listing_id, status=ListingStatus.ACTIVE)
        .first()
    )
    if listing is None:
        return False
    return _embed([listing]) == 1


def _pending() -> Any:
    stale = (
        Q(embedding__isnull=True)
        | ~Q(embedding__model_name=MODEL_NAME)
        | Q(embedding__computed_at__lt=F("updated_at"))
    )
    return (
        Listing.objects.filter(status=ListingStatus.ACTIVE, expires_at__gt=timezone.now())
        .filter(stale)
        .select_related("category")
        .order_by("pk")
    )


def listings_embed_pending(*, limit: int = 2000) -> int:
    """The periodic catch-up: active listings with no embedding, or one computed before the
    listing last changed, at most `limit` a round. Returns how many were embedded anew."""
    if not enabled():
        return 0
    return _embed(_pending()[:limit])
