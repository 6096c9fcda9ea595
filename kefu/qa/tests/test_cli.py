from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.qa.cli import main
from kefu.qa.synth import hotline_calls
from kefu.qa.tests.helpers import conv


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(params=["1", "2"], ids=["1-worker", "2-workers"])
def workers(request: pytest.FixtureRequest) -> str:
    return str(request.param)


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


# --- bad input: one line's problem costs only that line -----------------------------------

GOOD = json.dumps(conv("A:您好", "C:谢谢"), ensure_ascii=False)
NESTED_ARRAYS = "[" * 100_000 + "]" * 100_000
NESTED_OBJECTS = '{"a":' * 5_000 + "1" + "}" * 5_000
GBK_PREFIX = '{"id": "客服", "turns": [{"speaker": "customer", "text": "'
GBK_LINE = GBK_PREFIX.encode("utf-8") + "你好".encode("gbk") + b'"}]}'  # 你 is C4 E3 in GBK


def write_bytes(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_a_deeply_nested_line_is_one_reason_and_the_lines_around_it_are_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD, NESTED_ARRAYS, GOOD, NESTED_OBJECTS, GOOD])
    assert main(["score", str(src), "--workers", workers]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3
    assert f"{src}: line 2: invalid JSON: nested too deeply" in err
    assert f"{src}: line 4: invalid JSON: nested too deeply" in err
    assert "2 of 5 lines could not be scored" in err
    assert "Traceback" not in err


def test_a_line_that_is_not_utf8_is_named_with_its_first_bad_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    src = write_bytes(tmp_path / "in.jsonl", [GOOD.encode(), GOOD.encode(), GBK_LINE, GOOD.encode()])
    assert main(["score", str(src), "--workers", workers]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3
    column = len(GBK_PREFIX) + 1  # counted in characters, as JSON errors are
    assert f"{src}: line 3: not UTF-8 (byte 0xc4 at column {column}); save the file as UTF-8" in err
    assert "1 of 4 lines could not be scored" in err


def test_reasons_come_in_line_order_whatever_went_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_bytes(tmp_path / "in.jsonl", [GBK_LINE, b"{not json", GBK_LINE, GOOD.encode()])
    assert main(["score", str(src), "--workers", "2"]) == 1
    reasons = [line.split(":")[1] for line in capsys.readouterr().err.splitlines()[:-1]]
    assert reasons == [" line 1", " line 2", " line 3"]


def test_a_leading_bom_is_ignored_and_the_output_is_unchanged(calls: Path, tmp_path: Path) -> None:
    with_bom = tmp_path / "bom.jsonl"
    with_bom.write_bytes(b"\xef\xbb\xbf" + calls.read_bytes())
    plain, bommed = tmp_path / "plain.jsonl", tmp_path / "bommed.jsonl"
    assert main(["score", str(calls), "--output", str(plain)]) == 0
    assert main(["score", str(with_bom), "--output", str(bommed)]) == 0
    assert bommed.read_bytes() == plain.read_bytes()


def test_windows_line_ends_give_the_same_output(calls: Path, tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(calls.read_bytes().replace(b"\n", b"\r\n"))
    plain, windows = tmp_path / "plain.jsonl", tmp_path / "windows.jsonl"
    assert main(["score", str(calls), "--output", str(plain)]) == 0
    assert main(["score", str(crlf), "--output", str(windows)]) == 0
    assert windows.read_bytes() == plain.read_bytes()


@pytest.mark.parametrize("content", [b"", b"\n  \n\r\n", b"\xef\xbb\xbf"], ids=["empty", "blank-lines", "bom-only"])
def test_an_input_without_conversations_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(content)
    assert main(["score", str(src)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: no conversations in {src}\n"


@pytest.mark.parametrize("where", ["directory", "missing-directory"])
def test_an_unwritable_output_is_a_usage_error_before_scoring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD])
    output = tmp_path if where == "directory" else tmp_path / "no" / "such" / "out.jsonl"
    assert main(["score", str(src), "--output", str(output)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: cannot write {output}: ") and err.count("\n") == 1


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write to a read-only file")
def test_a_read_only_output_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD])
    output = tmp_path / "out.jsonl"
    output.write_text("", encoding="utf-8")
    output.chmod(0o444)
    assert main(["score", str(src), "--output", str(output)]) == 2
    assert capsys.readouterr().err == f"error: cannot write {output}: Permission denied\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_reported_in_one_line(calls: Path, capsys: pytest.CaptureFixture[str], workers: str) -> None:
    assert main(["score", str(calls), "--output", "/dev/full", "--workers", workers]) == 2
    assert capsys.readouterr().err == "error: cannot write /dev/full: No space left on device\n"


def test_stdin_follows_the_same_rules(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = b"\xef\xbb\xbf" + b"\n".join([GOOD.encode(), NESTED_ARRAYS.encode(), GBK_LINE, GOOD.encode()]) + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["score", "-"]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2
    assert "<stdin>: line 2: invalid JSON: nested too deeply" in err
    assert "<stdin>: line 3: not UTF-8 (byte 0xc4" in err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["score", "-"]) == 1
    assert capsys.readouterr().err == "error: no conversations in <stdin>\n"


def test_json_that_python_cannot_hold_is_a_reason_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge_number = '{"id": "n", "turns": [], "meta": {"x": ' + "1" * 5_000 + "}}"
    lone_surrogate = '{"id": "s", "turns": [{"speaker": "customer", "text": "我要投诉\\ud800"}]}'
    src = write_lines(tmp_path / "in.jsonl", [huge_number, lone_surrogate, GOOD])
    assert main(["score", str(src)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    assert "line 1: invalid JSON: Exceeds the limit" in err
    assert "line 2: invalid conversation: turns[0].text: holds a lone surrogate '\\ud800'" in err


def test_the_console_script_prints_no_traceback_for_bad_lines(tmp_path: Path) -> None:
    src = write_bytes(tmp_path / "in.jsonl", [GOOD.encode(), NESTED_ARRAYS.encode(), GBK_LINE, GOOD.encode()])
    run = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "qa", "score", str(src), "--workers", "2"],
        capture_output=True, timeout=60, cwd=Path(__file__).resolve().parents[3],
    )
    assert run.returncode == 1
    assert len(run.stdout.splitlines()) == 2
    assert b"Traceback" not in run.stderr
    assert run.stderr.decode().splitlines()[-1] == "2 of 4 lines could not be scored"


@pytest.mark.parametrize("command", ["eval", "eval-emotion"])
def test_eval_commands_name_bad_lines_and_evaluate_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    src = write_bytes(tmp_path / "in.jsonl", [GOOD.encode(), NESTED_ARRAYS.encode(), GBK_LINE])
    assert main([command, str(src)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{src}: line 2: invalid JSON: nested too deeply" in err
    assert f"{src}: line 3: not UTF-8 (byte 0xc4" in err
    assert "2 of 3 lines are malformed; nothing evaluated" in err


@pytest.mark.parametrize("command", ["eval", "eval-emotion"])
def test_eval_commands_reject_empty_input_and_records_without_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n")
    assert main([command, str(empty)]) == 1
    assert capsys.readouterr().err == f"error: no records in {empty}\n"
    unlabelled = write_lines(tmp_path / "unlabelled.jsonl", [GOOD])
    assert main([command, str(unlabelled)]) == 1
    assert capsys.readouterr().err.startswith(f"error: cannot evaluate {unlabelled}: KeyError: ")
    assert main([command, str(tmp_path / "missing.jsonl")]) == 2
