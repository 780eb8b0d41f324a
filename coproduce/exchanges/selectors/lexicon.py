"""Typo tolerance for listing search on SQLite: the lexicon design of PostgreSQL (migration
0007) with the trigram index written out as a table.

Every word any listing has used (lower case, letters and digits, 3 to 40 long: the words
PostgreSQL's trigger keeps) is a row of `exchanges_listing_word`, with how many trigrams it has;
each of its trigrams is a row of `exchanges_listing_word_trigram` (migration 0008). The words
are pg_trgm's trigrams ("gardening" padded as "  gardening "), so the similarity is pg_trgm's
`similarity`: shared trigrams over all the trigrams of both words, computed in SQL from the
counts. A search word that no listing has used is or'ed with the three most similar known
words at 0.5 or more ("gardning" -> gardening), as on PostgreSQL; a known word is never widened
("booking" does not also find "cooking"). All of it is part of the one search query.

The listing services add a listing's words when they write its FTS5 row, and bulk loaders call
`words_add` with their documents; words are never removed (an old word only widens a typo to a
word that then finds nothing). A row left by a test that flushes tables is as harmless here as in
the FTS5 table.

The words and trigrams, and the search's MATCH string, are here; adding words is
`services/lexicon.py`."""

from __future__ import annotations

import re
from typing import Any

WORD_MIN, WORD_MAX = 3, 40
_LETTERS = re.compile(r"[^\W_]+")


def lexicon_words(text: str) -> set[str]:
    """The words of a text the lexicon keeps."""
    return {w for w in _LETTERS.findall(text.lower()) if WORD_MIN <= len(w) <= WORD_MAX}


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: two spaces before it, one after."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


# The (at most 3) known words most like one search word, as FTS5 alternatives
# (` OR "gardening"`), or NULL. The placeholders: the word's trigrams, the word (not widened when
# known), and its trigram count twice. `shared * 1.5 >= 0.5 * (mine + theirs)` is pg_trgm's
# `similarity = shared / (mine + theirs - shared) >= 0.5` (the threshold PostgreSQL's search
# uses) without a division. Constant SQL: the words go in as parameters.
_ALIKE = (
    "(SELECT group_concat(' OR \"' || alike.word || '\"', '') FROM ("
    "SELECT t.word AS word FROM exchanges_listing_word_trigram t"
    " JOIN exchanges_listing_word w ON w.word = t.word"
    " WHERE t.trigram IN ({trigrams})"
    " AND NOT EXISTS (SELECT 1 FROM exchanges_listing_word WHERE word = %s)"
    " GROUP BY t.word, w.trigrams"
    " HAVING COUNT(*) * 1.5 >= 0.5 * (%s + w.trigrams)"
    " ORDER BY COUNT(*) * 1.0 / (%s + w.trigrams - COUNT(*)) DESC, t.word"
    " LIMIT 3) AS alike)"
)


def fts_match(words: list[str]) -> tuple[str, list[Any]]:
    """An SQL expression giving the FTS5 MATCH string for these search words, and its
    parameters: every word must match, each as a prefix ("garde"* finds gardening) or as one of
    the known words most like it. The words come from `\\w+`, so they hold no quote."""
    terms: list[str] = []
    params: list[Any] = []
    for word in words:
        grams = sorted(trigrams(word))
        terms.append(
            "('(\"' || %s || '\"*' || COALESCE("
            + _ALIKE.format(trigrams=", ".join(["%s"] * len(grams)))
            + ", '') || ')')"
        )
        params += [word, *grams, word, len(grams), len(grams)]
    return " || ' AND ' || ".join(terms), params
