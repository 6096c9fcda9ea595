"""Database-specific parts of the search index: DDL and the candidate condition.

PostgreSQL: a GIN index over the stored column ``terms_tsv``, which PostgreSQL
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

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from kefu.search.grams import Token

PG_INDEX = "search_document_tsv_gin"

PG_CREATE = [f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON search_document USING gin (terms_tsv)"]
PG_DROP = [f"DROP INDEX IF EXISTS {PG_INDEX}"]

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
        return RawSQL(
            "search_document.terms_tsv @@ %s::tsquery",
            [_pg_tsquery(tokens)],
            output_field=BooleanField(),
        )
    if connection.vendor == "sqlite":
        return RawSQL(
            "search_document.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
            [_fts5_match(tokens)],
            output_field=BooleanField(),
        )
    return None


@contextmanager
def index_lookups_only(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """On PostgreSQL, forbid plain index scans so the planner uses the GIN bitmap.

    For a rare word the planner may still prefer walking the recency index and
    filtering row by row, which reads every row when there are few matches. Its
    estimate for prefix queries is a guess, so the choice is made here instead.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        try:
            yield
        finally:
            cursor.execute("SET LOCAL enable_indexscan = on")
