"""Database-specific parts of the search index: DDL and the candidate condition.

PostgreSQL: GIN indexes (one partial index per kind) over the stored column ``terms_tsv``, which PostgreSQL
generates as ``array_to_tsvector(string_to_array(terms, ' '))`` (migration
0003): each space-separated n-gram is one lexeme, as-is — no parser, no
stemming, no stop words — and prefix queries (``'宽':*``) come for free.

SQLite: an external-content FTS5 table over ``search_document.terms`` (the
``unicode61`` tokenizer treats each n-gram as one token), kept in step by
triggers, so bulk inserts and ORM writes both maintain it.

Every other backend falls back to verifying the recent rows without an index
(correct, slow): Kefu supports SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.db.models.query import RawQuerySet

from kefu.search.grams import Token

PG_KINDS = ("customer", "contact", "complaint")  # one partial GIN index per kind (migration 0004)
PG_CREATE = [
    f"CREATE INDEX IF NOT EXISTS search_document_tsv_{kind} ON search_document "
    f"USING gin (terms_tsv) WHERE kind = '{kind}'"
    for kind in PG_KINDS
]
PG_DROP = [f"DROP INDEX IF EXISTS search_document_tsv_{kind}" for kind in PG_KINDS]

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "terms, content='search_document', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TABLE IF EXISTS search_fts",
]


def _run(connection: BaseDatabaseWrapper, statements: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the full-text structures (idempotent)."""
    if connection.vendor == "postgresql":
        _run(connection, PG_CREATE)
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_CREATE)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        _run(connection, PG_DROP)
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_DROP)


def rebuild(connection: BaseDatabaseWrapper) -> None:
    """Re-sync the full-text structures with ``search_document`` after a bulk load."""
    if connection.vendor == "sqlite":
        _run(connection, SQLITE_CREATE)
        _run(connection, ["INSERT INTO search_fts(search_fts) VALUES ('rebuild')"])
    elif connection.vendor == "postgresql":
        # A GIN build sorts every (term, row) pair: give it memory for this transaction only.
        _run(connection, ["SET LOCAL maintenance_work_mem = '512MB'", *PG_CREATE, "ANALYZE search_document"])


def is_indexed(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor in ("postgresql", "sqlite")


def _pg_tsquery(tokens: Iterable[Token]) -> str:
    parts = []
    for token in tokens:
        quoted = "'" + token.text.replace("\\", "\\\\").replace("'", "''") + "'"
        parts.append(quoted + (":*" if token.prefix else ""))
    return " & ".join(parts)


def _fts5_match(tokens: Iterable[Token]) -> str:
    parts = []
    for token in tokens:
        quoted = '"' + token.text.replace('"', '""') + '"'
        parts.append(quoted + ("*" if token.prefix else ""))
    return " AND ".join(parts)


def match_condition(connection: BaseDatabaseWrapper, tokens: tuple[Token, ...]) -> RawSQL | None:
    """A boolean expression selecting the documents that contain every token (None: no index here)."""
    if connection.vendor == "postgresql":
        return RawSQL("search_document.terms_tsv @@ %s::tsquery", [_pg_tsquery(tokens)], output_field=BooleanField())
    if connection.vendor == "sqlite":
        return RawSQL(
            "search_document.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
            [_fts5_match(tokens)],
            output_field=BooleanField(),
        )
    return None



# PostgreSQL candidates in two phases with plans that do not depend on estimates (see
# ``selectors._candidates``). The statistics mix the three kinds in one table and the
# selectivity of a prefix query is a guess, so any plan left to the planner here goes
# badly wrong for some word.

# 1. The newest ``probe`` documents of the kind, filtered. The LIMIT inside the subquery
#    is a fence: the planner must walk the recency index, and stops as soon as the outer
#    LIMIT is met — after a few rows for a common word, after ``probe`` rows at worst.
PG_RECENT = """
SELECT id, object_id, text, at FROM (
    SELECT id, object_id, text, at, terms_tsv FROM search_document
    WHERE kind = %s ORDER BY at DESC, id DESC LIMIT %s
) AS recent
WHERE terms_tsv @@ %s::tsquery
ORDER BY at DESC, id DESC LIMIT %s OFFSET %s
"""

# 2. The older matches, through the kind's GIN index only: the time condition and the sort
#    are on ``at + 0``, which no btree serves, so a rare word never makes the planner walk
#    (and read) every older row. The boundary is the ``probe``-th newest document.
PG_OLDER_IDS = """
SELECT id FROM search_document
WHERE kind = %s AND terms_tsv @@ %s::tsquery
  AND at + interval '0' <= (
      SELECT at FROM search_document WHERE kind = %s ORDER BY at DESC, id DESC OFFSET %s LIMIT 1)
ORDER BY at + interval '0' DESC, id DESC LIMIT %s
"""


def pg_recent(kind: str, tokens: tuple[Token, ...], *, probe: int, limit: int, offset: int) -> RawQuerySet:
    from kefu.search.models import Document

    return Document.objects.raw(PG_RECENT, [kind, probe, _pg_tsquery(tokens), limit, offset])


def pg_older_ids(connection: BaseDatabaseWrapper, kind: str, tokens: tuple[Token, ...], *, probe: int,
                 limit: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(PG_OLDER_IDS, [kind, _pg_tsquery(tokens), kind, probe - 1, limit])
        return [row[0] for row in cursor.fetchall()]
