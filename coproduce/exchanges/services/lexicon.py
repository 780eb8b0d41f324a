"""Adding the words of listings to the SQLite search lexicon (see selectors/lexicon.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..selectors.lexicon import lexicon_words, trigrams


def words_add(cursor: Any, texts: Iterable[str]) -> None:
    """Add the words of these texts that the lexicon lacks, with their trigrams (SQLite)."""
    words = set().union(*(lexicon_words(text) for text in texts))
    if not words:
        return
    ordered = sorted(words)
    known: set[str] = set()
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(f"SELECT word FROM exchanges_listing_word WHERE word IN ({marks})", chunk)  # noqa: S608
        known.update(row[0] for row in cursor.fetchall())
    new = [w for w in ordered if w not in known]
    if not new:
        return
    cursor.executemany(
        "INSERT OR IGNORE INTO exchanges_listing_word (word, trigrams) VALUES (%s, %s)",
        [(w, len(trigrams(w))) for w in new],
    )
    cursor.executemany(
        "INSERT OR IGNORE INTO exchanges_listing_word_trigram (trigram, word) VALUES (%s, %s)",
        [(t, w) for w in new for t in sorted(trigrams(w))],
    )
