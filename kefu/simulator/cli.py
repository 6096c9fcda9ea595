"""``kefu train …`` — sparring with simulated customers from the terminal (no Django).

    kefu train scenarios [--format text|json] [--dir DIR]…
    kefu train run SCENARIO_ID --agent-turns FILE.jsonl [--seed N] [--format text|json] [--dir DIR]…
    kefu train play SCENARIO_ID [--seed N] [--dir DIR]…
    kefu train check FILE…
    kefu train coverage [--format text|json]

``run`` plays the trainee's lines from a JSON-lines file (one ``{"text": …}``
per line; ``-`` reads stdin) and prints the transcript, the outcome, the mood
trajectory, the QA scorecard and the scenario's goals. ``play`` is the same
conversation typed in the terminal (an empty line or end of input ends it).
``coverage`` lists the NORMS.md ids marked T (training) and whether a
scenario or an exam item (``kefu.training.bank.load_items()``, when it
imports) exercises each.

Exit status: 0 success; 1 ``check`` found errors or ``coverage`` is below
100 %; 2 bad usage or input (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from kefu.simulator.coverage import coverage_report
from kefu.simulator.loader import UnknownScenario, get_scenario, load_file, load_scenarios
from kefu.simulator.schema import Scenario, ScenarioError
from kefu.simulator.session import Session, TurnError
from kefu.simulator.vocab import OUTCOMES

MAX_TURN_FILE_BYTES = 5_000_000


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kefu train", description="Sparring with simulated customers (培训陪练).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("scenarios", help="list the scenarios")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--dir", action="append", default=[], help="also load scenarios from DIR")
    p = sub.add_parser("run", help="play the trainee's turns from a JSON-lines file")
    p.add_argument("scenario")
    p.add_argument("--agent-turns", required=True, help='JSON lines, one {"text": …} per trainee turn; - for stdin')
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--dir", action="append", default=[])
    p = sub.add_parser("play", help="spar interactively in the terminal")
    p.add_argument("scenario")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dir", action="append", default=[])
    p = sub.add_parser("check", help="validate scenario files")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("coverage", help="which T-marked norms scenarios and exam items exercise")
    p.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _read_turns(source: str) -> list[str]:
    if source == "-":
        raw = sys.stdin.buffer.read(MAX_TURN_FILE_BYTES + 1)
    else:
        try:
            with open(source, "rb") as fh:
                raw = fh.read(MAX_TURN_FILE_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(raw) > MAX_TURN_FILE_BYTES:
        raise UsageError(f"{source}: larger than {MAX_TURN_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{source}: not UTF-8") from None
    turns = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            raise UsageError(f"{source}:{number}: not JSON") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise UsageError(f'{source}:{number}: expected {{"text": "…"}}')
        turns.append(item["text"])
    if not turns:
        raise UsageError(f"{source}: no trainee turns")
    return turns


def _scenario(scenario_id: str, dirs: Sequence[str]) -> Scenario:
    try:
        return get_scenario(scenario_id, dirs)
    except UnknownScenario:
        raise UsageError(f"unknown scenario {scenario_id!r} (see: kefu train scenarios)") from None


def _scenarios(args: argparse.Namespace, out: TextIO) -> int:
    scenarios = load_scenarios(args.dir)
    if args.format == "json":
        json.dump([s.to_dict() for s in scenarios], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return 0
    for s in scenarios:
        out.write(f"{s.id}\t{s.category_label}\t难度{s.difficulty}\t{s.title}\t{', '.join(s.norm_ids)}\n")
    out.write(f"{len(scenarios)} scenarios\n")
    return 0


def _print_report(report: dict[str, Any], out: TextIO) -> None:
    scenario = report["scenario"]
    out.write(f"{scenario['title']}（{scenario['category_label']}，难度{scenario['difficulty']}）\n")
    for turn in report["transcript"]:
        who = "客户" if turn["speaker"] == "customer" else "学员"
        out.write(f"  {who}：{turn['text']}\n")
    out.write(f"结果：{report['outcome_label']}（{report['outcome']}）\n")
    out.write("情绪（怒气/耐心/信任）：" + " → ".join(f"{m['anger']}/{m['patience']}/{m['trust']}" for m in report["mood"]) + "\n")
    card = report["scorecard"]
    out.write(f"质检得分：{card['score']}（{'合格' if card['passed'] else '不合格'}）\n")
    for hit in card["hits"]:
        if hit["outcome"] == "fail":
            out.write(f"  ✗ {hit['title']}（{hit['points']}）\n")
    out.write(f"场景目标：{report['goals_met']}/{len(report['goals'])}\n")
    for goal in report["goals"]:
        out.write(f"  {'✓' if goal['met'] else '✗'} {goal['title']}\n")
    for mistake in report["mistakes"]:
        better = mistake["better"]["text"]
        if better:
            out.write(f"  建议：{mistake['title']} → {better}\n")


def _run(args: argparse.Namespace, out: TextIO) -> int:
    scenario = _scenario(args.scenario, args.dir)
    turns = _read_turns(args.agent_turns)
    session = Session.start(scenario, args.seed)
    for number, text in enumerate(turns, 1):
        if session.ended:
            raise UsageError(f"{args.agent_turns}: turn {number}: the customer already ended the call")
        try:
            session.say(text)
        except TurnError as exc:
            raise UsageError(f"{args.agent_turns}: turn {number}: {exc.message}") from None
    session.finish("trainee")
    report = session.report()
    if args.format == "json":
        json.dump(report, out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        _print_report(report, out)
    return 0


def _play(args: argparse.Namespace, out: TextIO, inp: TextIO) -> int:
    scenario = _scenario(args.scenario, args.dir)
    session = Session.start(scenario, args.seed)
    out.write(f"【{scenario.title}】{scenario.summary}\n（空行结束通话）\n客户：{session.transcript[0].text}\n")
    while not session.ended:
        out.write("学员：")
        out.flush()
        line = inp.readline()
        if not inp.isatty():  # piped or scripted: show what was "typed"
            out.write(line if line.endswith("\n") else line + "\n")
        if not line or not line.strip():
            break
        try:
            reply = session.say(line.rstrip("\n"))
        except TurnError as exc:
            out.write(f"（{exc.message}）\n")
            continue
        m = reply.mood
        out.write(f"客户：{reply.text}    [怒气{m.anger} 耐心{m.patience} 信任{m.trust}]\n")
    session.finish("trainee")
    out.write(f"通话结束：{OUTCOMES[session.outcome or 'unresolved']}\n")
    _print_report(session.report(), out)
    return 0


def _check(args: argparse.Namespace, out: TextIO) -> int:
    bad = 0
    for name in args.files:
        try:
            scenario = load_file(Path(name))
        except ScenarioError as exc:
            bad += 1
            for problem in exc.problems:
                out.write(f"{name}:{problem.line}: {problem.message_en}\n")
            continue
        out.write(f"{name}: ok ({scenario.id})\n")
    return 1 if bad else 0


def _coverage(args: argparse.Namespace, out: TextIO) -> int:
    report = coverage_report()
    if args.format == "json":
        json.dump(report, out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        for row in report["norms"]:
            where = ", ".join(row["scenarios"][:3] + row["items"][:3]) or "—"
            out.write(f"{'✓' if row['covered'] else '✗'} {row['id']}\t{where}\n")
        note = "" if report["bank_loaded"] else f"（题库未载入：{report['bank_error']}）"
        out.write(f"covered {report['covered']}/{report['total']} ({report['percent']:.0f} %){note}\n")
    return 0 if report["covered"] == report["total"] else 1


def main(argv: list[str] | None = None, out: TextIO | None = None, inp: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
        if args.command == "scenarios":
            return _scenarios(args, out)
        if args.command == "run":
            return _run(args, out)
        if args.command == "play":
            return _play(args, out, inp or sys.stdin)
        if args.command == "check":
            return _check(args, out)
        return _coverage(args, out)
    except UsageError as exc:
        sys.stderr.write(f"kefu train: {exc}\n")
        return 2
    except ScenarioError as exc:
        first = exc.problems[0]
        sys.stderr.write(f"kefu train: {exc.source}:{first.line}: {first.message_en}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("kefu train: interrupted\n")
        return 130
    except BrokenPipeError:  # the reader went away (… | head)
        return 0


if __name__ == "__main__":
    sys.exit(main())
