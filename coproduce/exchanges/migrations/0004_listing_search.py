"""The search back ends. PostgreSQL: the pg_trgm extension, a GIN index on the listing's
English text-search vector (the same expression `selectors.listing_search` builds with
SearchVector) and a trigram GIN index for typo tolerance. SQLite: an FTS5 table with the porter
stemmer, one row per listing (rowid = listing id), kept in step by the services."""

from django.db import migrations

PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS listing_search_vector ON exchanges_listing "
    "USING gin (to_tsvector('english'::regconfig, COALESCE((search_document)::text, ''::text)))",
    "CREATE INDEX IF NOT EXISTS listing_search_trigram ON exchanges_listing "
    "USING gin (search_document gin_trgm_ops)",
]
PG_DOWN = ["DROP INDEX IF EXISTS listing_search_trigram", "DROP INDEX IF EXISTS listing_search_vector"]
SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS exchanges_listing_fts USING fts5("
    "document, tokenize = 'porter unicode61 remove_diacritics 2')",
]
SQLITE_DOWN = ["DROP TABLE IF EXISTS exchanges_listing_fts"]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_UP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_DOWN)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("exchanges", "0003_default_categories")]
    operations = [migrations.RunPython(up, down, elidable=False)]
