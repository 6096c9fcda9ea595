"""Tables as CSV or XLSX downloads: every report table exports the same rows it shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

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
    # The sheet tab is read by people (the file name is an ASCII slug): the table's title, or 数据.
    ws = book.create_sheet(title=_sheet_title(sheet or _("Data")))
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


def _sheet_title(title: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of : \\ / ? * [ ]."""
    return "".join("-" if c in ':\\/?*[]' else c for c in str(title))[:31] or "Sheet"


def table_response(fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                   sheet: str = "") -> HttpResponse | None:
    """The download for ``fmt`` (csv or xlsx), or None for anything else (show the page)."""
    if fmt == "csv":
        return csv_response(filename, headers, rows)
    if fmt == "xlsx":
        return xlsx_response(filename, headers, rows, sheet=sheet)
    return None
