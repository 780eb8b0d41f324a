"""phase-1 compatibility: removed by the importer rewrite. The matcher is
`exchanges/selectors/matching.py`."""

from .selectors import semantic
from .selectors.matching import (
    STOPWORDS,
    WEIGHTS,
    listing_words,
    match_summary,
    matches_for,
    people_for,
)

__all__ = ["STOPWORDS", "WEIGHTS", "listing_words", "match_summary", "matches_for", "people_for", "semantic"]
