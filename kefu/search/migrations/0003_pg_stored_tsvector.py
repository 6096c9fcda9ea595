"""PostgreSQL: index a stored tsvector column instead of the expression ``to_tsvector(terms)``.

With only an expression index, a plan that walks the recency index (chosen
for LIMIT queries) re-parses ``terms`` for every row it filters — seconds on a
million rows. A stored column makes that filter cheap. The column is built by
``array_to_tsvector(string_to_array(terms, ' '))``: the terms are already the
lexemes, so no text-search parser runs (three times faster than to_tsvector,
and nothing is re-tokenised). Django does not know the column; PostgreSQL fills it.
Note: the column depends on ``terms`` — altering that column later means
dropping ``terms_tsv`` first.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS search_document_terms_gin",
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS terms_tsv tsvector "
    "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(terms, ' '))) STORED",
    "CREATE INDEX IF NOT EXISTS search_document_tsv_gin ON search_document USING gin (terms_tsv)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_document_tsv_gin",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS terms_tsv",
    "CREATE INDEX IF NOT EXISTS search_document_terms_gin ON search_document USING gin (to_tsvector('simple', terms))",
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for sql in statements:
            schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, FORWARD)


def backwards(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
