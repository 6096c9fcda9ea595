"""Reading stored conversations for batch scoring: JSON-lines and Parquet shards.

A shard becomes a stream of :data:`Record` — ``(number, text, reason)`` —
in its own order: ``text`` is one conversation as JSON text, or ``reason``
says why that line or row cannot be one. The same reader runs in
``kefu qa score``'s own process and in its Ray tasks, so both see exactly
the same records.

JSON lines are read as bytes and each line decoded on its own, so a line in
another encoding (GBK, say) costs only that line; a leading UTF-8 BOM is
ignored and blank lines skipped, and lines are numbered as an editor shows
them. A Parquet shard (``.parquet``/``.pq``) has one conversation per row —
columns ``id``, ``channel``, ``turns`` (a list of structs), ``events`` … —
numbered from 1; reading it needs pyarrow (``pip install 'kefu[ray]'``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

UTF8_BOM = b"\xef\xbb\xbf"
# The line ends text mode's universal newlines recognise, so line numbers
# match what an editor shows.
_LINE_END = re.compile(rb"\r\n|\r|\n")
PARQUET_SUFFIXES = (".parquet", ".pq")

Record = tuple[int, str | None, str | None]  # (line or row number, JSON text, why it is unusable)


class ShardError(Exception):
    """A whole shard cannot be read: one line naming it, for the operator."""

    def __init__(self, shard: str, reason: str) -> None:
        super().__init__(shard, reason)  # as args, so it pickles (from a worker process or a Ray task)
        self.shard = shard
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot read {self.shard}: {self.reason}"


def is_parquet(path: str) -> bool:
    return Path(path).suffix.lower() in PARQUET_SUFFIXES


def unit(path: str) -> str:
    """What a record of this shard is called in messages."""
    return "row" if is_parquet(path) else "line"


def decode_line(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) for a UTF-8 line, else (None, reason)."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        column = len(raw[: exc.start].decode("utf-8")) + 1  # in characters, as JSON errors count
        return None, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {column}); save the file as UTF-8"


def jsonl_records(data: bytes) -> Iterator[Record]:
    """The non-blank lines of JSON-lines ``data``, numbered from 1."""
    for lineno, raw in enumerate(_LINE_END.split(data.removeprefix(UTF8_BOM)), start=1):
        line, reason = decode_line(raw)
        if reason is not None:
            yield lineno, None, reason
        elif line is not None and line.strip():
            yield lineno, line, None


def _pyarrow_parquet(shard: str) -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ShardError(shard, "reading Parquet needs pyarrow: pip install 'kefu[ray]'") from None
    return pq


def _not_json(value: object) -> object:
    raise TypeError(f"a {type(value).__name__} value is not JSON data")


def parquet_records(data: bytes, shard: str) -> Iterator[Record]:
    """One record per row of the Parquet file ``data``, numbered from 1.

    Raises :class:`ShardError` (at once, not when iterated) when ``data`` is
    not a Parquet file or pyarrow is missing.
    """
    pq = _pyarrow_parquet(shard)
    import pyarrow as pa

    try:
        rows: list[dict[str, Any]] = pq.read_table(pa.BufferReader(data)).to_pylist()
    except (pa.ArrowException, OSError) as exc:
        raise ShardError(shard, f"not a Parquet file ({exc})") from None
    return _row_records(rows)


def _row_records(rows: list[dict[str, Any]]) -> Iterator[Record]:
    for number, row in enumerate(rows, start=1):
        try:
            yield number, json.dumps(row, ensure_ascii=False, default=_not_json), None
        except (TypeError, ValueError) as exc:  # a timestamp or bytes column, say
            yield number, None, f"cannot be read as a conversation: {exc}"


def shard_records(data: bytes, shard: str) -> Iterator[Record]:
    """The records of shard ``shard`` (a path: its suffix names the format);
    raises :class:`ShardError`."""
    if is_parquet(shard):
        return parquet_records(data, shard)
    return jsonl_records(data)


def check_shard(path: str) -> None:
    """Raise :class:`ShardError` unless ``path`` can be read as a shard — before
    a long run starts rather than part-way through it."""
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ShardError(path, exc.strerror or str(exc)) from None
    if is_parquet(path):
        pq = _pyarrow_parquet(path)
        try:
            pq.ParquetFile(path).close()  # the footer only: cheap
        except Exception as exc:  # pyarrow's ArrowInvalid and friends
            raise ShardError(path, f"not a Parquet file ({exc})") from None


def read_shard(path: str) -> Iterator[Record]:
    """Read and split the shard at ``path``; raises :class:`ShardError`."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ShardError(path, exc.strerror or str(exc)) from None
    return shard_records(data, path)
