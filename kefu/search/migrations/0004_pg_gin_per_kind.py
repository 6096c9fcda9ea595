"""PostgreSQL: one partial GIN index per kind instead of one over all documents.

A search always names its kind. With one index, a word common in contacts
(话费) made every customer or complaint search for it fetch and discard the
contact rows; per-kind partial indexes only ever return rows of the kind asked for.
"""

from django.db import migrations

KINDS = ("customer", "contact", "complaint")
FORWARD = [
    "DROP INDEX IF EXISTS search_document_tsv_gin",
    *(
        f"CREATE INDEX IF NOT EXISTS search_document_tsv_{kind} ON search_document "
        f"USING gin (terms_tsv) WHERE kind = '{kind}'"
        for kind in KINDS
    ),
]
BACKWARD = [
    *(f"DROP INDEX IF EXISTS search_document_tsv_{kind}" for kind in KINDS),
    "CREATE INDEX IF NOT EXISTS search_document_tsv_gin ON search_document USING gin (terms_tsv)",
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
    dependencies = [("search", "0003_pg_stored_tsvector")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
