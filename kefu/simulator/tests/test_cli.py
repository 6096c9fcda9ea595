"""``kefu train`` on the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kefu.simulator import get_scenario
from kefu.simulator.cli import main
from kefu.simulator.coverage import coverage_report, t_ids
from kefu.simulator.tests.trainees import good_trainee


def _run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out=out, inp=io.StringIO(stdin))
    return code, out.getvalue()


def _turns_file(tmp_path: Path, texts: list[str]) -> Path:
    path = tmp_path / "turns.jsonl"
    path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    return path


def test_scenarios_lists_ids_and_norm_ids_as_json() -> None:
    code, out = _run(["scenarios", "--format", "json"])
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 40
    bank = next(r for r in rows if r["id"] == "case.bank_deduction")
    assert "complaint.cases" in bank["norm_ids"] and bank["category_label"] == "投诉案例"


def test_scenarios_as_text_has_a_line_each() -> None:
    code, out = _run(["scenarios"])
    assert code == 0 and "case.bank_deduction\t投诉案例" in out


def test_run_plays_the_trainee_file_and_prints_the_whole_result_as_json(tmp_path: Path) -> None:
    scenario = get_scenario("case.bank_deduction")
    path = _turns_file(tmp_path, good_trainee(scenario, 0))
    code, out = _run(["run", scenario.id, "--agent-turns", str(path), "--seed", "0", "--format", "json"])
    report = json.loads(out)
    assert code == 0
    assert report["outcome"] == "resolved" and report["scorecard"]["passed"]
    assert report["transcript"][0]["speaker"] == "customer"
    assert {"anger", "patience", "trust"} <= set(report["mood"][0])
    assert all("met" in g for g in report["goals"])


def test_run_as_text_reads_in_chinese(tmp_path: Path) -> None:
    path = _turns_file(tmp_path, ["喂，什么事？", "不行。"])
    code, out = _run(["run", "case.real_name", "--agent-turns", str(path)])
    assert code == 0
    assert "学员：喂，什么事？" in out and "结果：" in out and "质检得分" in out and "建议：" in out


def test_run_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    scenario = get_scenario("persona.owl")
    path = _turns_file(tmp_path, good_trainee(scenario, 2))
    argv = ["run", scenario.id, "--agent-turns", str(path), "--seed", "9", "--format", "json"]
    assert _run(argv) == _run(argv)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"text": "您好"}\nnot json\n', "turns.jsonl:2: not JSON"),
        ('{"words": "您好"}\n', 'expected {"text": "…"}'),
        ('{"text": "   "}\n', "发言不能为空"),
        ("\n\n", "no trainee turns"),
        ('{"text": "' + "长" * 10_000 + '"}\n', "单次发言最多2000字"),
    ],
)
def test_bad_turn_files_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str) -> None:
    path = tmp_path / "turns.jsonl"
    path.write_text(content, encoding="utf-8")
    code, out = _run(["run", "case.real_name", "--agent-turns", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert reason in err and err.count("\n") == 1


def test_an_unknown_scenario_or_missing_file_or_bad_usage_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["run", "no.such", "--agent-turns", str(tmp_path / "x")])[0] == 2
    assert "unknown scenario" in capsys.readouterr().err
    assert _run(["run", "case.real_name", "--agent-turns", str(tmp_path / "missing.jsonl")])[0] == 2
    assert "cannot read" in capsys.readouterr().err
    assert _run(["run", "case.real_name"])[0] == 2
    assert _run(["dance"])[0] == 2
    assert capsys.readouterr().err.count("\n") == 2


def test_turns_after_the_customer_hung_up_are_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _turns_file(tmp_path, ["喂？", "你自己的问题。", "你有完没完。", "不行。", "爱用不用。", "随便你。", "您好"])
    assert _run(["run", "case.bank_deduction", "--agent-turns", str(path)])[0] == 2
    assert "already ended" in capsys.readouterr().err


def test_play_talks_in_the_terminal_until_an_empty_line() -> None:
    scenario = get_scenario("case.real_name")
    code, out = _run(["play", scenario.id, "--seed", "1"], stdin="\n".join(good_trainee(scenario, 0)[:2]) + "\n\n")
    assert code == 0
    assert out.count("客户：") >= 3 and "通话结束" in out and "怒气" in out


def test_check_validates_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Bad Id\n", encoding="utf-8")
    code, out = _run(["check", str(bad)])
    assert code == 1 and f"{bad}:1:" in out


def test_coverage_reports_every_training_norm_exercised() -> None:
    report = coverage_report(items=[])
    assert report["total"] == len(t_ids()) > 30
    missing = [row["id"] for row in report["norms"] if not row["covered"]]
    assert missing == [], "scenarios alone should exercise every T-marked norm"
    code, out = _run(["coverage"])
    assert code == 0 and "100 %" in out


def test_a_missing_scenario_directory_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["scenarios", "--dir", str(tmp_path / "nowhere")])[0] == 2
    assert "not a directory" in capsys.readouterr().err


def test_a_run_replays_exactly_in_another_process_with_another_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    scenario = get_scenario("difficult.stubborn")
    path = _turns_file(tmp_path, good_trainee(scenario, 1))
    argv = ["run", scenario.id, "--agent-turns", str(path), "--seed", "7", "--format", "json"]
    env = {**os.environ, "PYTHONHASHSEED": str(12345 if os.environ.get("PYTHONHASHSEED") != "12345" else 54321)}
    result = subprocess.run(
        [sys.executable, "-m", "kefu.simulator.cli", *argv], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(_run(argv)[1])
