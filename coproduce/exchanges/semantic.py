"""phase-1 compatibility: removed by the importer rewrite. The semantic matcher's reads are
`exchanges/selectors/semantic.py`, its writes `exchanges/services/embeddings.py`."""

from .selectors.semantic import (
    DIMENSIONS,
    MODEL_NAME,
    available,
    embed_texts,
    enabled,
    forget_vectors,
    listing_text,
    model,
    text_hash,
    vector_bytes,
    vector_from,
    vector_of,
)
from .services.embeddings import listing_embed, listings_embed_pending

__all__ = [
    "DIMENSIONS", "MODEL_NAME", "available", "embed_texts", "enabled", "forget_vectors", "listing_embed",
    "listing_text", "listings_embed_pending", "model", "text_hash", "vector_bytes", "vector_from", "vector_of",
]
