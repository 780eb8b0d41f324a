"""phase-1 compatibility: removed by the importer rewrite. The lexicon's reads are
`exchanges/selectors/lexicon.py`, adding words `exchanges/services/lexicon.py`."""

from .selectors.lexicon import fts_match
from .services.lexicon import words_add

__all__ = ["fts_match", "words_add"]
