"""Report downloads: text that a spreadsheet would run as a formula is written as plain text."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from kefu.lib.export import csv_response, xlsx_response

ROWS = [
    ("=HYPERLINK(\"http://evil.example\",\"点我\")", 1, -2.5, Decimal("-3.0")),
    ("+86 138", "-1+1", "@SUM(A1)", "\tTAB"),
    ("王小丽", "2026-11-23", "", None),
]


def test_csv_cells_that_start_like_a_formula_are_text():
    response = csv_response("t", ["名字", "a", "b", "c"], ROWS)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["'=HYPERLINK(\"http://evil.example\",\"点我\")", "1", "-2.5", "-3.0"]
    assert rows[2] == ["'+86 138", "'-1+1", "'@SUM(A1)", "'\tTAB"]
    assert rows[3] == ["王小丽", "2026-11-23", "", ""]


def test_xlsx_cells_that_start_like_a_formula_are_text_and_numbers_stay_numbers():
    sheet = load_workbook(io.BytesIO(xlsx_response("t", ["名字", "a", "b", "c"], ROWS).content)).active
    first = [sheet.cell(2, col) for col in range(1, 5)]
    assert [c.data_type for c in first[:3]] == ["s", "n", "n"]
    assert first[0].value.startswith("'=HYPERLINK") and first[2].value == -2.5
    assert [sheet.cell(3, col).value for col in range(1, 4)] == ["'+86 138", "'-1+1", "'@SUM(A1)"]


def test_the_sheet_tab_is_named_for_people_not_by_the_file_slug():
    from django.utils import translation

    from kefu.lib.export import table_response

    with translation.override("zh-hans"):
        plain = load_workbook(io.BytesIO(table_response("xlsx", "quality-agents", ["名字"], [("王小丽",)]).content))
        named = load_workbook(io.BytesIO(
            table_response("xlsx", "quality-agents", ["名字"], [("王小丽",)], sheet="坐席质检：本周/上周").content))
    assert plain.sheetnames == ["数据"]
    assert named.sheetnames == ["坐席质检：本周-上周"]  # Excel forbids / (and ASCII :) in a sheet name
