"""Loading and validating phrasebook YAML: good files load, bad ones say where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.phrasebook import PhrasebookError, builtin_library, load_file, load_library
from kefu.phrasebook.loader import parse_entries

GOOD = """
entries:
  - id: acme.deposit_refund
    kind: script
    title: 押金退还
    cites: [complaint.authority]
    tags: [押金]
    situations: [客户要求退押金]
    text: 押金会在三个工作日内退回。
    example: 坐席：押金会在三个工作日内退回您的账户。
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(PhrasebookError) as caught:
        parse_entries(text, source="ops.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_valid_file_loads() -> None:
    (entry,) = parse_entries(GOOD, source="ops.yaml", origin="operator")
    assert entry.id == "acme.deposit_refund"
    assert entry.cites == ("complaint.authority",)
    assert entry.origin == "operator"


def test_a_bare_list_is_accepted_too() -> None:
    text = GOOD.replace("entries:\n", "").replace("\n  ", "\n")
    assert [e.id for e in parse_entries(text, source="ops.yaml")] == ["acme.deposit_refund"]


def test_traditional_chinese_is_stored_simplified() -> None:
    (entry,) = parse_entries(GOOD.replace("押金退还", "押金退還"), source="ops.yaml")
    assert entry.title == "押金退还"


def test_errors_name_file_line_entry_and_field() -> None:
    problems = _problems(GOOD.replace("complaint.authority", "complaint.authorty"))
    assert problems == [
        "ops.yaml:3: entry #1 (acme.deposit_refund): field 'cites': unknown norm id 'complaint.authorty' (see NORMS.md)"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace("    example: 坐席：押金会在三个工作日内退回您的账户。\n", "").replace(
        "kind: script", "kind: poem"
    )
    problems = _problems(text + "    colour: red\n")
    fields = sorted(p.split("field '")[1].split("'")[0] for p in problems)
    assert fields == ["colour", "example", "kind"]


def test_kind_specific_fields_are_required() -> None:
    problems = _problems(GOOD.replace("kind: script", "kind: forbidden"))
    assert any("field 'phrases': required for kind 'forbidden'" in p for p in problems)
    assert any("field 'alternative'" in p for p in problems)


def test_duplicate_ids_in_one_file_are_rejected() -> None:
    body = GOOD.split("entries:\n")[1]
    problems = _problems("entries:\n" + body + body)
    assert problems == ["ops.yaml:10: entry #2 (acme.deposit_refund): field 'id': duplicate of entry #1"]


def test_broken_yaml_reports_the_line() -> None:
    problems = _problems("entries:\n  - id: [unclosed\n")
    assert problems[0].startswith("ops.yaml:")
    assert "not valid YAML" in problems[0]


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PhrasebookError, match="cannot read"):
        load_file(tmp_path / "missing.yaml")


def test_operator_entries_replace_builtin_ones_with_the_same_id(tmp_path: Path) -> None:
    path = tmp_path / "ops.yaml"
    path.write_text(GOOD.replace("acme.deposit_refund", "counter.form_error"), encoding="utf-8")
    library = load_library([path])
    assert len(library) == len(builtin_library())
    assert library.get("counter.form_error").title == "押金退还"
    assert builtin_library().get("counter.form_error").title != "押金退还"


def test_an_entry_larger_than_the_store_allows_is_a_problem_not_a_crash():
    from kefu.phrasebook.schema import validate_entry

    raw = {"id": "a." + "b" * 200, "kind": "script", "title": "标" * 300, "example": "长" * 6000,
           "cites": ["phone.manner.greeting"], "tags": ["t"], "situations": ["s"]}
    entry, problems = validate_entry(raw, source="t.yaml", position=1)
    fields = {p.field for p in problems}
    assert entry is None and {"id", "title", "example"} <= fields
