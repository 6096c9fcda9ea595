"""SQLite: one FTS5 table per kind instead of one over all documents.

A search always names its kind. With one table, a word common in contacts
(话费) gave every customer or complaint search the contacts' whole posting list
to sift; per-kind tables only ever return rows of the kind asked for. Each
table's external content is a view of its kind's rows, so FTS5's 'rebuild'
stays per kind too.
"""

from django.db import migrations

KINDS = ("customer", "contact", "complaint")
OLD = [
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TABLE IF EXISTS search_fts",
]


def _create(kind):
    return [
        f"CREATE VIEW IF NOT EXISTS search_document_{kind} AS "
        f"SELECT id, terms FROM search_document WHERE kind = '{kind}'",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_{kind} USING fts5(terms, content='search_document_{kind}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER IF NOT EXISTS search_document_ai_{kind} AFTER INSERT ON search_document "
        f"WHEN new.kind = '{kind}' BEGIN "
        f"INSERT INTO search_fts_{kind}(rowid, terms) VALUES (new.id, new.terms); END",
        f"CREATE TRIGGER IF NOT EXISTS search_document_ad_{kind} AFTER DELETE ON search_document "
        f"WHEN old.kind = '{kind}' BEGIN "
        f"INSERT INTO search_fts_{kind}(search_fts_{kind}, rowid, terms) VALUES ('delete', old.id, old.terms); END",
        f"CREATE TRIGGER IF NOT EXISTS search_document_au_{kind} AFTER UPDATE ON search_document "
        f"WHEN old.kind = '{kind}' BEGIN "
        f"INSERT INTO search_fts_{kind}(search_fts_{kind}, rowid, terms) VALUES ('delete', old.id, old.terms); "
        f"INSERT INTO search_fts_{kind}(rowid, terms) VALUES (new.id, new.terms); END",
        f"INSERT INTO search_fts_{kind}(search_fts_{kind}) VALUES ('rebuild')",
    ]


def _drop(kind):
    return [
        f"DROP TRIGGER IF EXISTS search_document_ai_{kind}",
        f"DROP TRIGGER IF EXISTS search_document_ad_{kind}",
        f"DROP TRIGGER IF EXISTS search_document_au_{kind}",
        f"DROP TABLE IF EXISTS search_fts_{kind}",
        f"DROP VIEW IF EXISTS search_document_{kind}",
    ]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "sqlite":
        for sql in statements:
            schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, OLD + [sql for kind in KINDS for sql in _create(kind)])


def backwards(apps, schema_editor):
    from importlib import import_module

    previous = import_module("kefu.search.migrations.0002_fulltext")
    _run(schema_editor, [sql for kind in KINDS for sql in _drop(kind)] + previous.SQLITE_CREATE)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_pg_gin_per_kind")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
