"""Streamed downloads: a million rows go out as CSV without being built in memory.

CSV is streamed row by row; XLSX is written by openpyxl's write-only mode into a temporary
file that is then streamed (Excel holds at most 1,048,576 rows: beyond that, CSV).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import FileResponse, StreamingHttpResponse

from kefu.lib.export import FORMULA_START

XLSX_MAX_ROWS = 1_048_575


def cell(value: Any) -> Any:
    """As kefu.lib.export: numbers stay numbers, text that Excel would run as a formula gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if value.__class__.__name__ == "Decimal":
        return text
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(h) for h in headers])
    for row in rows:
        yield writer.writerow([cell(v) for v in row])


def stream(fmt: str, filename: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Any:
    """The download for ``fmt`` (csv or xlsx), or None for anything else."""
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(headers, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=filename[:31])
        sheet.append([str(h) for h in headers])
        for i, row in enumerate(rows):
            if i >= XLSX_MAX_ROWS:
                break
            sheet.append([cell(v) for v in row])
        out = tempfile.TemporaryFile()
        book.save(out)
        out.seek(0)
        return FileResponse(
            out, as_attachment=True, filename=f"{filename}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return None
