"""Tables as CSV or XLSX downloads: every report table exports the same rows it shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

Table = tuple[Sequence[str], Iterable[Sequence[Any]]]


# A text cell starting with one of these is a formula to Excel and LibreOffice (CSV injection): a name
# such as =HYPERLINK(…) would run when the download is opened. Such text gets a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = str(value)
    if isinstance(value, Decimal):  # a number, even when negative
        return text
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """UTF-8 with a byte-order mark, so Excel on a Chinese Windows opens it correctly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "") -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=(sheet or filename)[:31])
    ws.append([str(h) for h in headers])
    for row in rows:
        ws.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def table_response(fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse | None:
    """The download for ``fmt`` (csv or xlsx), or None for anything else (show the page)."""
    if fmt == "csv":
        return csv_response(filename, headers, rows)
    if fmt == "xlsx":
        return xlsx_response(filename, headers, rows)
    return None
