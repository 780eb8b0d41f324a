"""PostgreSQL search that holds at a million listings (docs/benchmarks.md, "Listing search and
matches"). Computing `to_tsvector` and `word_similarity` for every matching row cost 10-20 µs a
row, so a common word in a large community took seconds. Now:

- the English text-search vector is a stored generated column, `search_vector`, with its GIN
  index (replacing the expression index of 0004): ranking reads it instead of parsing the text;
- typo tolerance goes through a lexicon, `exchanges_listing_word` (every word of every listing's
  text, kept by a statement trigger, never pruned), with a trigram index: each query word is
  widened to the known words most like it ("gardning" -> gardening), as the pg_trgm
  documentation suggests. The trigram index over whole documents (0004) goes;
- the matcher's newest active listings of one category and kind come from an index of their
  own (`listing_category_newest`), not from walking the community's newest listings of every
  category (9,000 rows read for 150 at 100,000 listings).

Neither is in the Django model (like SQLite's FTS5 table): the services never write them.
SQLite is unchanged."""

from django.db import migrations

PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE exchanges_listing ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, COALESCE(search_document, ''::text))) STORED",
    "CREATE INDEX listing_search_stored ON exchanges_listing USING gin (search_vector)",
    "DROP INDEX IF EXISTS listing_search_vector",
    "DROP INDEX IF EXISTS listing_search_trigram",
    "CREATE INDEX listing_category_newest ON exchanges_listing "
    "(community_id, category_id, kind, created_at DESC, id DESC) WHERE status = 'active'",
    "CREATE TABLE exchanges_listing_word (word text PRIMARY KEY)",
    "CREATE INDEX listing_word_trigram ON exchanges_listing_word USING gin (word gin_trgm_ops)",
    # Sorted, so two transactions adding the same new words wait for each other, never deadlock.
    """CREATE FUNCTION exchanges_listing_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exchanges_listing_word (word)
    SELECT DISTINCT w FROM new_rows, unnest(tsvector_to_array(to_tsvector('simple', COALESCE(new_rows.search_document, '')))) AS w
    WHERE w ~ '^[[:alnum:]]{3,40}$'
    ORDER BY w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER listing_words_insert AFTER INSERT ON exchanges_listing REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION exchanges_listing_words()",
    "CREATE TRIGGER listing_words_update AFTER UPDATE ON exchanges_listing REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION exchanges_listing_words()",
    "INSERT INTO exchanges_listing_word (word) SELECT DISTINCT w FROM exchanges_listing, "
    "unnest(tsvector_to_array(to_tsvector('simple', COALESCE(search_document, '')))) AS w "
    "WHERE w ~ '^[[:alnum:]]{3,40}$' ON CONFLICT DO NOTHING",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS listing_words_update ON exchanges_listing",
    "DROP TRIGGER IF EXISTS listing_words_insert ON exchanges_listing",
    "DROP FUNCTION IF EXISTS exchanges_listing_words()",
    "DROP TABLE IF EXISTS exchanges_listing_word",
    "DROP INDEX IF EXISTS listing_category_newest",
    "ALTER TABLE exchanges_listing DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX IF NOT EXISTS listing_search_vector ON exchanges_listing "
    "USING gin (to_tsvector('english'::regconfig, COALESCE((search_document)::text, ''::text)))",
    "CREATE INDEX IF NOT EXISTS listing_search_trigram ON exchanges_listing "
    "USING gin (search_document gin_trgm_ops)",
]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_UP:
            schema_editor.execute(sql)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("exchanges", "0006_images_embeddings_reminders_concerns")]
    operations = [migrations.RunPython(up, down, elidable=False)]
