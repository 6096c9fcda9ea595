from __future__ import annotations

import json
from pathlib import Path

import pytest

from kefu.qa.cli import main
from kefu.qa.synth import hotline_calls
from kefu.qa.tests.helpers import conv


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def calls(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "in.jsonl", [json.dumps(c, ensure_ascii=False) for c in hotline_calls(6, seed=3)])


def test_score_prints_one_scorecard_per_line_in_input_order(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(calls)]) == 0
    cards = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [c["id"] for c in cards] == [f"call-{i:05d}" for i in range(6)]
    assert all(c["rulebook"] == "hotline+complaint" for c in cards)
    assert all(isinstance(c["complaint_detected"], bool) for c in cards)


def test_an_explicit_rulebook_is_used_alone(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(calls), "--rulebook", "hotline"]) == 0
    cards = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(c["rulebook"] == "hotline" for c in cards)
    assert not any(h["rule"].startswith(("complaint.", "technique.")) for c in cards for h in c["hits"])
    assert main(["score", str(calls), "--rulebook", "hotline+complaint"]) == 0
    cards = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(c["rulebook"] == "hotline+complaint" for c in cards)


def test_two_workers_give_the_same_output_in_the_same_order(calls: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    assert main(["score", str(calls), "--output", str(one)]) == 0
    assert main(["score", str(calls), "--workers", "2", "--output", str(two)]) == 0
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")


def test_malformed_lines_are_reported_by_number_and_the_rest_scored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = json.dumps(conv("A:您好", "C:谢谢"), ensure_ascii=False)
    src = write_lines(tmp_path / "in.jsonl", [good, "{not json", json.dumps({"id": "x", "turns": [{"speaker": "bot", "text": "hi"}]}), good])
    assert main(["score", str(src)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2
    assert "line 2: invalid JSON" in err
    assert "line 3: invalid conversation: turns[0].speaker" in err
    assert "2 of 4 lines could not be scored" in err


def test_table_and_html_formats(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(calls), "--format", "table"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("id") and len(table) == 7
    assert main(["score", str(calls), "--format", "html", "--rulebook", "complaint"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!doctype html>") and page.count("<section>") == 6


def test_unknown_rulebook_and_missing_input_are_usage_errors(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(calls), "--rulebook", "nonesuch"]) == 2
    assert "no such rulebook" in capsys.readouterr().err
    assert main(["score", "/nonexistent.jsonl"]) == 2


def test_rulebooks_lists_builtins_and_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rulebooks"]) == 0
    out = capsys.readouterr().out
    for name in ("hotline", "chat", "complaint", "appointment"):
        assert name in out
    assert "added by default to hotline, chat" in out
    assert "R-marked norms cited" in out


def test_check_rulebook_explains_every_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: mine\nrules:\n  - id: a.b\n    title: 测试\n    category: nonsense\n    points: 0\n    cites: [no.such]\n    detect: {phrases: []}\n",
        encoding="utf-8",
    )
    assert main(["check-rulebook", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "4 error(s)" in out
    for field in ("rules[0].category", "rules[0].points", "rules[0].cites[0]", "rules[0].detect.phrases"):
        assert field in out


def test_check_rulebook_accepts_a_builtin(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[1] / "rulebooks" / "hotline.yaml"
    assert main(["check-rulebook", str(path)]) == 0
    assert "OK" in capsys.readouterr().out


def test_check_draft_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-draft", "请私信我们。"]) == 1
    assert "substance.no_deflection" in capsys.readouterr().out


def test_usage_error_exits_2() -> None:
    assert main(["score"]) == 2


def test_emotion_per_turn_flag_scores_every_customer_turn(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(calls), "--emotion-per-turn"]) == 0
    card = json.loads(capsys.readouterr().out.splitlines()[0])
    customer_turns = sum(1 for t in hotline_calls(1, seed=3)[0]["turns"] if t["speaker"] == "customer")
    assert len(card["emotion"]["customer_turns"]) == customer_turns
    assert card["emotion"]["trajectory"] in ("calmer", "same", "worse")


class _FakeTTY:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_progress_bar_only_on_a_terminal_and_for_long_inputs() -> None:
    from kefu.qa.cli import PROGRESS_MIN_LINES, _Progress

    tty = _FakeTTY()
    bar = _Progress(PROGRESS_MIN_LINES, tty)  # type: ignore[arg-type]
    for _ in range(PROGRESS_MIN_LINES):
        bar.step()
    bar.close()
    assert f"{PROGRESS_MIN_LINES}/{PROGRESS_MIN_LINES}" in tty.text
    short = _FakeTTY()
    bar = _Progress(3, short)  # type: ignore[arg-type]
    bar.step()
    assert short.text == ""
