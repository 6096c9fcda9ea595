"""``kefu qa …`` — the quality-inspection command line (no Django).

    kefu qa score INPUT.jsonl [--rulebook NAME|PATH] [--format jsonl|table|html]
                              [--workers N] [--output FILE]
    kefu qa rulebooks
    kefu qa check-rulebook PATH
    kefu qa coverage
    kefu qa eval DIALOGUES.jsonl [--rulebook NAME|PATH]

Without ``--rulebook`` each conversation is scored by its channel's rulebook
plus the complaint-handling rules, which apply when a complaint is detected
(``"rulebook": "hotline+complaint"``, ``"complaint_detected": true``); with
it, by exactly the rulebook named (``hotline+complaint`` names the
composition too).
    kefu qa eval-emotion SENTENCES.jsonl
    kefu qa check-draft TEXT [--rulebook NAME]

Input is UTF-8 JSON lines (a leading BOM is ignored). Each line that cannot
be used — not UTF-8, not JSON, nested too deeply, not a conversation — is
reported on stderr by its number, and the other lines are still scored.

Exit status: 0 success; 1 some input lines were malformed (the others were
scored), the input holds no conversations, or a rulebook has errors; 2 usage
errors (unknown rulebook, missing or unreadable input, unwritable output).
``eval`` and ``eval-emotion`` evaluate nothing when a line is malformed (the
figures would describe a different data set): they report every such line
and exit 1.
"""

from __future__ import annotations

import argparse
import heapq
import html
import json
import os
import re
import sys
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TextIO

from kefu.qa.model import Conversation, ConversationError, parse_conversation
from kefu.qa.norms import coverage
from kefu.qa.rulebook import RulebookError, builtin_names, check_rulebook, default_rulebooks, load_rulebook

PROGRESS_MIN_LINES = 200
STDIN = "-"

# --- reading JSON lines --------------------------------------------------------------------

UTF8_BOM = b"\xef\xbb\xbf"
# The line ends text mode's universal newlines recognise, so line numbers
# match what an editor shows.
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class InputLines:
    """The non-blank lines of a JSON-lines input, numbered from 1."""

    text: list[tuple[int, str]]  # (line number, decoded line)
    undecodable: list[tuple[int, str]]  # (line number, why it is not UTF-8)

    def __len__(self) -> int:
        return len(self.text) + len(self.undecodable)


def _decode_line(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) for a UTF-8 line, else (None, reason)."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        column = len(raw[: exc.start].decode("utf-8")) + 1  # in characters, as JSON errors count
        return None, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {column}); save the file as UTF-8"


def read_input_lines(path: str) -> InputLines:
    """Read ``path`` (``-`` for stdin) as bytes and decode each line on its
    own, so one line in another encoding (GBK, say) costs only that line.

    Raises :class:`OSError` when the input cannot be read.
    """
    if path == STDIN:
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as fh:
            data = fh.read()
    data = data.removeprefix(UTF8_BOM)
    text: list[tuple[int, str]] = []
    undecodable: list[tuple[int, str]] = []
    for lineno, raw in enumerate(_LINE_END.split(data), start=1):
        line, reason = _decode_line(raw)
        if reason is not None:
            undecodable.append((lineno, reason))
        elif line is not None and line.strip():
            text.append((lineno, line))
    return InputLines(text, undecodable)


def _parse_json(line: str) -> tuple[Any, str | None]:
    """(value, None) or (None, why the line is not usable JSON)."""
    try:
        return json.loads(line), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return None, f"invalid JSON: {exc}"


def _display_name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


# --- scoring one line (also in worker processes) ------------------------------------------

_engine: Any = None


def _init_worker(rulebook: str | None, per_turn: bool = False) -> None:
    global _engine
    from kefu.qa.engine import Engine

    _engine = Engine(rulebook, emotion_per_turn=per_turn)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(conv: Conversation) -> str | None:
    """The field where a JSON escape such as "\\ud800" left half a character,
    which no UTF-8 output can hold."""
    fields = [("id", conv.id), ("channel", conv.channel)]
    fields += [(f"turns[{i}].text", turn.text) for i, turn in enumerate(conv.turns)]
    for path, value in fields:
        found = _SURROGATE.search(value)
        if found:
            return f"{path}: holds a lone surrogate {found.group()!a} (half of a \\u escape pair)"
    return None


def _score_line(item: tuple[int, str]) -> tuple[int, dict[str, Any] | None, str | None]:
    """(line number, scorecard dict or None, error message or None)."""
    lineno, line = item
    raw, error = _parse_json(line)
    if error is not None:
        return lineno, None, error
    try:
        conv = parse_conversation(raw)
    except ConversationError as exc:
        return lineno, None, f"invalid conversation: {exc}"
    half = _lone_surrogate(conv)
    if half is not None:
        return lineno, None, f"invalid conversation: {half}"
    try:
        return lineno, _engine.score(conv).to_dict(), None
    except Exception as exc:  # a bug must not lose the rest of a 100 % batch
        return lineno, None, f"internal error while scoring {conv.id!r}: {type(exc).__name__}: {exc}"


def _results(
    items: Iterable[tuple[int, str]], rulebook: str | None, workers: int, per_turn: bool = False
) -> Generator[tuple[int, dict[str, Any] | None, str | None], None, None]:
    if workers <= 1:
        _init_worker(rulebook, per_turn)
        yield from map(_score_line, items)
        return
    # Build the emotion model and rulebook before forking so the children
    # share them instead of each building its own.
    from kefu.qa.emotion import default_model

    default_model()
    if rulebook is not None:
        load_rulebook(rulebook)
    else:
        default_rulebooks()
    ctx = get_context("fork") if sys.platform != "win32" else get_context()
    with ctx.Pool(workers, initializer=_init_worker, initargs=(rulebook, per_turn)) as pool:
        yield from pool.imap(_score_line, items, chunksize=16)


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.enabled = total >= PROGRESS_MIN_LINES and stream.isatty()
        self.started = time.perf_counter()
        self.done = 0

    def step(self) -> None:
        self.done += 1
        if self.enabled and (self.done % 50 == 0 or self.done == self.total):
            width = 30
            filled = int(width * self.done / self.total)
            rate = self.done / max(time.perf_counter() - self.started, 1e-9)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  {rate:,.0f}/s")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


# --- output formats -----------------------------------------------------------------------


def _table_row(card: dict[str, Any]) -> str:
    failed = [h["rule"] for h in card["hits"] if h["outcome"] == "fail"]
    mark = "PASS" if card["passed"] else "FAIL"
    crit = ",".join(card["critical"]) or "-"
    return f"{card['id'][:28]:<28} {card['rulebook']:<17} {card['score']:>5} {mark:<4}  {crit:<24} {', '.join(failed)}"


TABLE_HEADER = f"{'id':<28} {'rulebook':<17} {'score':>5} {'':<4}  {'critical':<24} failed rules"


def _html_card(card: dict[str, Any]) -> str:
    rows = []
    for hit in card["hits"]:
        if hit["outcome"] == "na":
            continue
        evidence = "<br>".join(html.escape(f"#{e['turn']}: {e['text']}") for e in hit["evidence"])
        rows.append(
            f"<tr class='{hit['outcome']}'><td>{html.escape(hit['rule'])}</td><td>{html.escape(hit['title'])}</td>"
            f"<td>{hit['outcome']}</td><td>{hit['points']}</td><td>{html.escape(', '.join(hit['cites']))}</td><td>{evidence}</td></tr>"
        )
    status = "通过" if card["passed"] else "未通过"
    return (
        f"<section><h2>{html.escape(card['id'])} — {card['score']} 分（{status}）</h2>"
        "<table><tr><th>规则</th><th>标题</th><th>结果</th><th>分值</th><th>规范</th><th>证据</th></tr>"
        + "".join(rows)
        + "</table></section>"
    )


HTML_HEAD = (
    "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>质检结果</title>"
    "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}"
    "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}.fail{background:#fde2e2}.pass{background:#e6f6e6}</style><body>"
)


def _write_card(out: TextIO, card: dict[str, Any], fmt: str) -> str | None:
    """Write one card; returns why it could not be written, if so."""
    if fmt == "jsonl":
        text = json.dumps(card, ensure_ascii=False) + "\n"
    elif fmt == "table":
        text = _table_row(card) + "\n"
    else:
        text = _html_card(card) + "\n"
    try:
        _write(out, text)  # encodes the whole text before writing any of it
    except UnicodeEncodeError as exc:  # e.g. a lone surrogate from a "\\ud800" escape in the input
        return f"cannot be written as {exc.encoding}: character {exc.object[exc.start]!a}"
    return None


# --- commands ------------------------------------------------------------------------------


class OutputError(Exception):
    """Writing the results failed (a full disk, say): one line, not a traceback."""


def _write(out: TextIO, text: str) -> None:
    try:
        out.write(text)
    except BrokenPipeError:  # the reader went away: handled in main()
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from exc


def _open_output(path: str | None) -> TextIO:
    """stdout, or ``path`` opened for writing; raises :class:`OutputError`."""
    if not path:
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from exc


def _finish_output(out: TextIO) -> None:
    """Flush (stdout) or close (a file) so a late write error is still ours to report."""
    try:
        if out is sys.stdout:
            out.flush()
        else:
            out.close()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from exc


def _abandon_output(out: TextIO) -> None:
    if out is sys.stdout:
        _discard_stdout()  # else the interpreter retries the failed flush at exit
        return
    try:
        out.close()
    except OSError:
        pass  # already reported


def _discard_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file descriptor (captured, say)
        pass


def cmd_score(args: argparse.Namespace) -> int:
    rulebook = args.rulebook
    if rulebook is not None:
        try:
            load_rulebook(rulebook)  # fail fast, before any worker starts
        except RulebookError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    name = _display_name(args.input)
    try:
        lines = read_input_lines(args.input)
    except OSError as exc:
        print(f"error: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        out = _open_output(args.output)  # before scoring, so a typo costs no time
    except OutputError as exc:
        print(f"error: cannot write {args.output}: {exc}", file=sys.stderr)
        return 2
    if not len(lines):
        _finish_output(out)
        print(f"error: no conversations in {name}", file=sys.stderr)
        return 1
    try:
        errors = _score_into(out, lines, args, name)
        _finish_output(out)
    except OutputError as exc:
        _abandon_output(out)
        print(f"error: cannot write {args.output or '<stdout>'}: {exc}", file=sys.stderr)
        return 2
    if errors:
        print(f"{errors} of {len(lines)} lines could not be scored", file=sys.stderr)
    return 1 if errors else 0


def _score_into(out: TextIO, lines: InputLines, args: argparse.Namespace, name: str) -> int:
    """Write a scorecard per good line to ``out`` in input order and report
    each bad line on stderr; returns the number of bad lines."""
    progress = _Progress(len(lines), sys.stderr)
    scored = _results(lines.text, args.rulebook, max(1, args.workers), args.emotion_per_turn)
    # Both streams are in line order, so merging keeps the reasons in order too.
    undecodable = ((lineno, None, reason) for lineno, reason in lines.undecodable)
    errors = 0
    try:
        if args.format == "table":
            _write(out, TABLE_HEADER + "\n")
        elif args.format == "html":
            _write(out, HTML_HEAD)
        for lineno, card, error in heapq.merge(scored, undecodable, key=lambda result: result[0]):
            progress.step()
            if error is None:
                assert card is not None
                error = _write_card(out, card, args.format)
            if error is not None:
                errors += 1
                after_bar = "\n" if progress.enabled else ""
                print(f"{after_bar}{name}: line {lineno}: {error}", file=sys.stderr)
        if args.format == "html":
            _write(out, "</body></html>\n")
    finally:
        progress.close()
        scored.close()  # stops the worker pool early when a write failed
    return errors


def cmd_rulebooks(args: argparse.Namespace) -> int:
    cited: set[str] = set()
    for name in builtin_names():
        book = load_rulebook(name)
        cited |= book.cites
        channels = ",".join(book.channels) or "-"
        print(f"{name:<12} {len(book.rules):>3} rules  channels: {channels:<40} {book.title}")
        if book.compose_into:
            print(f"{'':<12} added by default to {', '.join(book.compose_into)} when it applies ({book.compose_weight}% of the score)")
    ratio, covered, missing = coverage(cited)
    print(f"\nR-marked norms cited: {len(covered)}/{len(covered) + len(missing)} ({ratio:.0%})")
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    cited: set[str] = set()
    for name in builtin_names():
        cited |= load_rulebook(name).cites
    ratio, covered, missing = coverage(cited)
    print(f"R-marked norms cited by the built-in rulebooks: {len(covered)}/{len(covered) + len(missing)} ({ratio:.1%})")
    for nid in missing:
        print(f"  not cited: {nid}")
    return 0


def cmd_check_rulebook(args: argparse.Namespace) -> int:
    errors = check_rulebook(args.path)
    if errors:
        print(f"{args.path}: {len(errors)} error(s)")
        for error in errors:
            print(f"  - {error}")
        return 1
    book = load_rulebook(args.path)
    print(f"{args.path}: OK — rulebook {book.name!r}, {len(book.rules)} rules, {len(book.phrases)} phrases, cites {len(book.cites)} norms")
    return 0


def _checked_eval_input(path: str) -> Path | int:
    """``path`` when every line of it is JSON; otherwise the exit status, after
    saying why on stderr.

    The evaluation reads the file itself (kefu.qa.evaluate), so it is checked
    here first with the reader ``score`` uses: a bad line is named by its
    number instead of ending the run with a traceback.
    """
    if not Path(path).exists():
        print(f"error: {path} not found (the eval data lives in ../shared/eval/)", file=sys.stderr)
        return 2
    try:
        lines = read_input_lines(path)
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    bad = list(lines.undecodable)
    for lineno, text in lines.text:
        _, error = _parse_json(text)
        if error is not None:
            bad.append((lineno, error))
    for lineno, error in sorted(bad):
        print(f"{path}: line {lineno}: {error}", file=sys.stderr)
    if bad:
        print(f"{len(bad)} of {len(lines)} lines are malformed; nothing evaluated", file=sys.stderr)
        return 1
    if not len(lines):
        print(f"error: no records in {path}", file=sys.stderr)
        return 1
    return Path(path)


def _cannot_evaluate(path: Path, exc: Exception) -> int:
    # A record without the fields the evaluation needs (labels, text, …).
    print(f"error: cannot evaluate {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 1


def cmd_eval(args: argparse.Namespace) -> int:
    from kefu.qa.evaluate import evaluate_dialogues

    path = _checked_eval_input(args.path)
    if isinstance(path, int):
        return path
    try:
        report = evaluate_dialogues(path, args.rulebook)
    except RulebookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        return _cannot_evaluate(path, exc)
    print("\n".join(report.lines()))
    return 0


def cmd_eval_emotion(args: argparse.Namespace) -> int:
    from kefu.qa.evaluate import evaluate_emotion

    path = _checked_eval_input(args.path)
    if isinstance(path, int):
        return path
    try:
        report = evaluate_emotion(path)
    except Exception as exc:
        return _cannot_evaluate(path, exc)
    print("\n".join(report.lines()))
    return 0


def cmd_check_draft(args: argparse.Namespace) -> int:
    from kefu.qa.engine import check_draft

    alerts = check_draft(args.text, rulebook=args.rulebook)
    for alert in alerts:
        hint = f"  → 建议：{alert.suggest}" if alert.suggest else ""
        print(f"[{alert.severity}] {alert.rule} {alert.title}{hint}")
    if not alerts:
        print("OK")
    return 1 if alerts else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kefu qa", description="Quality inspection (质检) of service conversations.")
    sub = parser.add_subparsers(dest="command", required=True)

    score = sub.add_parser("score", help="score conversations (JSON lines) against a rulebook")
    score.add_argument("input", help="JSON-lines file, one conversation per line ('-' for stdin)")
    score.add_argument("--rulebook", help="built-in name or YAML path (default: by each conversation's channel)")
    score.add_argument("--format", choices=("jsonl", "table", "html"), default="jsonl")
    score.add_argument("--workers", type=int, default=1, help="processes to score in parallel")
    score.add_argument("--output", help="write here instead of stdout")
    score.add_argument("--emotion-per-turn", action="store_true", help="score the emotion of every customer turn (slower)")
    score.set_defaults(func=cmd_score)

    sub.add_parser("rulebooks", help="list the built-in rulebooks").set_defaults(func=cmd_rulebooks)
    sub.add_parser("coverage", help="R-marked NORMS.md ids cited by the built-in rulebooks").set_defaults(func=cmd_coverage)

    check = sub.add_parser("check-rulebook", help="validate a rulebook file and explain every error")
    check.add_argument("path")
    check.set_defaults(func=cmd_check_rulebook)

    ev = sub.add_parser("eval", help="agreement with human scores on labelled dialogues")
    ev.add_argument("path")
    ev.add_argument("--rulebook", help="built-in name or YAML path (default: as `score` does, by channel)")
    ev.set_defaults(func=cmd_eval)

    emo = sub.add_parser("eval-emotion", help="emotion model accuracy and speed on labelled sentences")
    emo.add_argument("path")
    emo.set_defaults(func=cmd_eval_emotion)

    draft = sub.add_parser("check-draft", help="check an agent's draft reply (agent assist)")
    draft.add_argument("text")
    draft.add_argument("--rulebook", default="chat")
    draft.set_defaults(func=cmd_check_draft)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and usage errors
        return int(exc.code or 0)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # e.g. `kefu qa score … | head`: not an error of ours
        _discard_stdout()
        return 0


if __name__ == "__main__":
    sys.exit(main())
