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

Exit status: 0 success; 1 some input lines were malformed (the others were
scored) or a rulebook has errors; 2 usage errors (unknown rulebook, missing
file).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from collections.abc import Iterable, Iterator
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TextIO

from kefu.qa.model import ConversationError, parse_conversation
from kefu.qa.norms import coverage
from kefu.qa.rulebook import RulebookError, builtin_names, check_rulebook, default_rulebooks, load_rulebook

PROGRESS_MIN_LINES = 200

# --- scoring one line (also in worker processes) ------------------------------------------

_engine: Any = None


def _init_worker(rulebook: str | None, per_turn: bool = False) -> None:
    global _engine
    from kefu.qa.engine import Engine

    _engine = Engine(rulebook, emotion_per_turn=per_turn)


def _score_line(item: tuple[int, str]) -> tuple[int, dict[str, Any] | None, str | None]:
    """(line number, scorecard dict or None, error message or None)."""
    lineno, line = item
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        return lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
    try:
        conv = parse_conversation(raw)
    except ConversationError as exc:
        return lineno, None, f"invalid conversation: {exc}"
    try:
        return lineno, _engine.score(conv).to_dict(), None
    except Exception as exc:  # a bug must not lose the rest of a 100 % batch
        return lineno, None, f"internal error while scoring {conv.id!r}: {type(exc).__name__}: {exc}"


def _lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    for lineno, line in enumerate(stream, start=1):
        if line.strip():
            yield lineno, line


def _results(
    items: Iterable[tuple[int, str]], rulebook: str | None, workers: int, per_turn: bool = False
) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
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


def _write_card(out: TextIO, card: dict[str, Any], fmt: str) -> None:
    if fmt == "jsonl":
        out.write(json.dumps(card, ensure_ascii=False) + "\n")
    elif fmt == "table":
        out.write(_table_row(card) + "\n")
    else:
        out.write(_html_card(card) + "\n")


# --- commands ------------------------------------------------------------------------------


def cmd_score(args: argparse.Namespace) -> int:
    rulebook = args.rulebook
    if rulebook is not None:
        try:
            load_rulebook(rulebook)  # fail fast, before any worker starts
        except RulebookError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot read {args.input}: {exc.strerror}", file=sys.stderr)
        return 2
    with source:
        items = list(_lines(source))
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    progress = _Progress(len(items), sys.stderr)
    errors = 0
    try:
        if args.format == "table":
            out.write(TABLE_HEADER + "\n")
        elif args.format == "html":
            out.write(HTML_HEAD)
        for lineno, card, error in _results(items, rulebook, max(1, args.workers), args.emotion_per_turn):
            progress.step()
            if error is not None:
                errors += 1
                print(f"\n{args.input}: line {lineno}: {error}" if progress.enabled else f"{args.input}: line {lineno}: {error}", file=sys.stderr)
                continue
            assert card is not None
            _write_card(out, card, args.format)
        if args.format == "html":
            out.write("</body></html>\n")
    finally:
        progress.close()
        if out is not sys.stdout:
            out.close()
    if errors:
        print(f"{errors} of {len(items)} lines could not be scored", file=sys.stderr)
    return 1 if errors else 0


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


def _eval_path(path: str) -> Path | None:
    p = Path(path)
    if not p.exists():
        print(f"error: {path} not found (the eval data lives in ../shared/eval/)", file=sys.stderr)
        return None
    return p


def cmd_eval(args: argparse.Namespace) -> int:
    from kefu.qa.evaluate import evaluate_dialogues

    path = _eval_path(args.path)
    if path is None:
        return 2
    try:
        report = evaluate_dialogues(path, args.rulebook)
    except RulebookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0


def cmd_eval_emotion(args: argparse.Namespace) -> int:
    from kefu.qa.evaluate import evaluate_emotion

    path = _eval_path(args.path)
    if path is None:
        return 2
    print("\n".join(evaluate_emotion(path).lines()))
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
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
