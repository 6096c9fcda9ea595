"""``kefu knowledge …`` through the real console-script dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kefu.cli import main as kefu

GOOD = """entries:
  - id: acme.deposit_refund
    kind: script
    title: 押金退还
    cites: [complaint.authority]
    tags: [押金]
    situations: [客户要求退押金]
    text: 押金会在三个工作日内退回。
    example: 坐席：押金会在三个工作日内退回您的账户。
"""


def test_check_accepts_a_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ops.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert kefu(["knowledge", "check", str(path)]) == 0
    assert "OK, 1 entries (1 script)" in capsys.readouterr().out


def test_check_rejects_a_bad_file_naming_file_entry_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ops.yaml"
    path.write_text(GOOD.replace("tags: [押金]", "tags: []"), encoding="utf-8")
    assert kefu(["knowledge", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2: entry #1 (acme.deposit_refund): field 'tags'" in err


def test_check_validates_every_builtin_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in (Path(__file__).parents[1] / "data").glob("*.yaml"))
    assert kefu(["knowledge", "check", *files]) == 0


def test_search_prints_the_best_entry_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert kefu(["knowledge", "search", "应答后杂音太大", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "counter.noise_quiet.noise"


def test_greet_fills_in_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["knowledge", "greet", "--company", "鼓楼电信", "--agent", "小林", "--at", "2026-02-17T09:00"]
    assert kefu(args) == 0
    assert capsys.readouterr().out.startswith("您好，新年好！这里是鼓楼电信")


def test_assist_reads_a_conversation_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "conv.json"
    path.write_text(
        json.dumps({"turns": [{"speaker": "customer", "text": "号码停机超过90天被收回了"}]}), encoding="utf-8"
    )
    assert kefu(["knowledge", "assist", str(path), "--draft", "这不可能"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["facts"][0]["entry"] == "reg.number_ownership"
    assert out["warnings"][0]["risk"] == "argue"


def test_stats_reports_full_norm_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert kefu(["knowledge", "stats"]) == 0
    assert "S/K norms cited: 54/54" in capsys.readouterr().out


def test_check_flags_an_id_defined_in_two_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(GOOD, encoding="utf-8")
    second.write_text(GOOD, encoding="utf-8")
    assert kefu(["knowledge", "check", str(first), str(second)]) == 1
    assert f"entry acme.deposit_refund: field 'id': also defined in {first}" in capsys.readouterr().err
