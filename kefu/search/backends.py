"""Database-specific parts of the search index: DDL and the candidate condition.

PostgreSQL: GIN indexes (one partial index per kind) over the stored column ``terms_tsv``, which PostgreSQL
generates as ``array_to_tsvector(string_to_array(terms, ' '))`` (migration
0003): each space-separated n-gram is one lexeme, as-is — no parser, no
stemming, no stop words — and prefix queries (``'宽':*``) come for free.

SQLite: one external-content FTS5 table per kind over ``search_document.terms``
(the ``unicode61`` tokenizer treats each n-gram as one token), kept in step by
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

SQLITE_KINDS = PG_KINDS  # one FTS5 table per kind, over a view of its rows (migration 0005)


def _sqlite_create(kind: str) -> list[str]:
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
    ]


def _sqlite_drop(kind: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS search_document_ai_{kind}",
        f"DROP TRIGGER IF EXISTS search_document_ad_{kind}",
        f"DROP TRIGGER IF EXISTS search_document_au_{kind}",
        f"DROP TABLE IF EXISTS search_fts_{kind}",
        f"DROP VIEW IF EXISTS search_document_{kind}",  # SQLite cannot rebuild the table while a view uses it
    ]


SQLITE_CREATE = [sql for kind in SQLITE_KINDS for sql in _sqlite_create(kind)]
SQLITE_DROP = [sql for kind in SQLITE_KINDS for sql in _sqlite_drop(kind)]


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
        _run(connection, [f"INSERT INTO search_fts_{k}(search_fts_{k}) VALUES ('rebuild')" for k in SQLITE_KINDS])
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


def _fts_table(kind: str) -> str:
    if kind not in SQLITE_KINDS:  # the name goes into SQL
        raise ValueError(f"unknown kind {kind!r}")
    return f"search_fts_{kind}"


def match_condition(connection: BaseDatabaseWrapper, kind: str, tokens: tuple[Token, ...]) -> RawSQL | None:
    """The single-query form: a condition selecting the documents that contain every token.

    Used when the two phases below are off (``has_phases``); None: no full-text index here.
    """
    if connection.vendor == "postgresql":
        return RawSQL("search_document.terms_tsv @@ %s::tsquery", [_pg_tsquery(tokens)], output_field=BooleanField())
    if connection.vendor == "sqlite":
        return RawSQL(
            f"search_document.id IN (SELECT rowid FROM {_fts_table(kind)} WHERE {_fts_table(kind)} MATCH %s)",
            [_fts5_match(tokens)],
            output_field=BooleanField(),
        )
    return None



# Candidates in two phases with plans that do not depend on estimates (see
# ``selectors._candidates``). On PostgreSQL the statistics mix the three kinds in one
# table and the selectivity of a prefix query is a guess; SQLite has no statistics for
# FTS5 at all. Left to the planner, some word always gets the wrong plan.

# 1. The newest ``probe`` documents of the kind, filtered. The LIMIT inside the subquery
#    is a fence: the recency index is walked, and the walk stops as soon as the outer
#    LIMIT is met — after a few rows for a common word, after ``probe`` rows at worst.
PG_RECENT = """
SELECT id, object_id, text, at FROM (
    SELECT id, object_id, text, at, terms_tsv FROM search_document
    WHERE kind = %s ORDER BY at DESC, id DESC LIMIT %s
) AS recent
WHERE terms_tsv @@ %s::tsquery
ORDER BY at DESC, id DESC LIMIT %s OFFSET %s
"""
SQLITE_RECENT = """
SELECT d.id, d.object_id, d.text, d.at FROM (
    SELECT id, at FROM search_document WHERE kind = %s ORDER BY at DESC, id DESC LIMIT %s
) AS recent JOIN search_document d ON d.id = recent.id
WHERE recent.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)
ORDER BY recent.at DESC, recent.id DESC LIMIT %s OFFSET %s
"""

# 2. The older matches, from the full-text index only: the time condition and the sort
#    are written so that no btree serves them (``at + 0`` on PostgreSQL, ``+at`` on
#    SQLite), so a rare word never makes the planner walk — and read — every older row.
#    The boundary is the ``probe``-th newest document.
PG_OLDER_IDS = """
SELECT id FROM search_document
WHERE kind = %s AND terms_tsv @@ %s::tsquery
  AND at + interval '0' <= (
      SELECT at FROM search_document WHERE kind = %s ORDER BY at DESC, id DESC OFFSET %s LIMIT 1)
ORDER BY at + interval '0' DESC, id DESC LIMIT %s
"""
SQLITE_OLDER_IDS = """
SELECT id FROM search_document
WHERE +kind = %s AND id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)
  AND +at <= (SELECT at FROM search_document WHERE kind = %s ORDER BY at DESC, id DESC LIMIT 1 OFFSET %s)
ORDER BY +at DESC, id DESC LIMIT %s
"""


def has_phases(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor in ("postgresql", "sqlite")


def _match(connection: BaseDatabaseWrapper, tokens: tuple[Token, ...]) -> str:
    return _pg_tsquery(tokens) if connection.vendor == "postgresql" else _fts5_match(tokens)


def recent(connection: BaseDatabaseWrapper, kind: str, tokens: tuple[Token, ...], *, probe: int, limit: int,
           offset: int) -> RawQuerySet:
    """Phase 1: matches among the newest ``probe`` documents of ``kind``, newest first."""
    from kefu.search.models import Document

    sql = PG_RECENT if connection.vendor == "postgresql" else SQLITE_RECENT.format(fts=_fts_table(kind))
    return Document.objects.raw(sql, [kind, probe, _match(connection, tokens), limit, offset])


def older_ids(connection: BaseDatabaseWrapper, kind: str, tokens: tuple[Token, ...], *, probe: int,
              limit: int) -> list[int]:
    """Phase 2: ids of the older matches of ``kind``, newest first."""
    sql = PG_OLDER_IDS if connection.vendor == "postgresql" else SQLITE_OLDER_IDS.format(fts=_fts_table(kind))
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, _match(connection, tokens), kind, probe - 1, limit])
        return [row[0] for row in cursor.fetchall()]


PG_KIND_ESTIMATE = """
SELECT c.reltuples * s.most_common_freqs[array_position(s.most_common_vals::text::text[], %s)]
FROM pg_class c JOIN pg_stats s ON s.tablename = c.relname AND s.attname = 'kind'
WHERE c.relname = 'search_document' AND c.relkind = 'r' AND s.schemaname = current_schema()
"""


def estimated_count(connection: BaseDatabaseWrapper, kind: str) -> int | None:
    """PostgreSQL's own estimate of the documents of ``kind`` (None: no statistics yet).

    Counting a million rows takes longer than a search; the two phases only
    need the order of magnitude.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(PG_KIND_ESTIMATE, [kind])
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])
