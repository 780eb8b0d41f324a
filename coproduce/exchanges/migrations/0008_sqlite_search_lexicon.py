"""Typo tolerance on SQLite too (exchanges/lexicon.py): the lexicon of the words listings use and
a table of their pg_trgm trigrams, filled from the listings already there. Neither is in the
Django model (like the FTS5 table): the listing services keep them. PostgreSQL is unchanged (its
lexicon is migration 0007's)."""

from django.db import migrations

SQLITE_UP = [
    "CREATE TABLE IF NOT EXISTS exchanges_listing_word (word TEXT PRIMARY KEY, trigrams INTEGER NOT NULL) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS exchanges_listing_word_trigram (trigram TEXT NOT NULL, word TEXT NOT NULL, "
    "PRIMARY KEY (trigram, word)) WITHOUT ROWID",
]
SQLITE_DOWN = ["DROP TABLE IF EXISTS exchanges_listing_word_trigram", "DROP TABLE IF EXISTS exchanges_listing_word"]
BATCH = 2000


def up(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    # The same rules as exchanges/lexicon.py, written out so this migration keeps its meaning.
    import re

    letters = re.compile(r"[^\W_]+")

    def trigrams(word):
        padded = f"  {word} "
        return {padded[i:i + 3] for i in range(len(padded) - 2)}

    for sql in SQLITE_UP:
        schema_editor.execute(sql)
    Listing = apps.get_model("exchanges", "Listing")
    seen: set[str] = set()
    documents = Listing.objects.order_by("pk").values_list("search_document", flat=True)
    with schema_editor.connection.cursor() as cursor:
        batch = set()
        for document in documents.iterator(chunk_size=BATCH):
            batch |= {w for w in letters.findall((document or "").lower()) if 3 <= len(w) <= 40} - seen
            if len(batch) >= BATCH:
                _add(cursor, batch, trigrams)
                seen |= batch
                batch = set()
        _add(cursor, batch, trigrams)


def _add(cursor, words, trigrams):
    ordered = sorted(words)
    cursor.executemany("INSERT OR IGNORE INTO exchanges_listing_word (word, trigrams) VALUES (%s, %s)",
                       [(w, len(trigrams(w))) for w in ordered])
    cursor.executemany("INSERT OR IGNORE INTO exchanges_listing_word_trigram (trigram, word) VALUES (%s, %s)",
                       [(t, w) for w in ordered for t in sorted(trigrams(w))])


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("exchanges", "0007_listing_search_vector")]
    operations = [migrations.RunPython(up, down, elidable=False)]
