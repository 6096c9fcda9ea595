"""``kefu qa …`` — the quality-inspection command line (no Django).

    kefu qa score INPUT… [--rulebook NAME|PATH] [--format jsonl|table|html]
                         [--workers N] [--ray [ADDRESS]] [--output FILE]
    kefu qa rulebooks
    kefu qa check-rulebook PATH
    kefu qa coverage
    kefu qa eval DIALOGUES.jsonl [--rulebook NAME|PATH] [--satisfaction-model MODEL_DIR]
    kefu qa calibrate RATED.jsonl --output RULEBOOK.yaml [--rulebook NAME|PATH] [--label A|S|E]
    kefu qa train-satisfaction RATED.jsonl --output MODEL_DIR [--label A|S|E]
    kefu qa eval-emotion SENTENCES.jsonl
    kefu qa check-draft TEXT [--rulebook NAME]

Without ``--rulebook`` each conversation is scored by its channel's rulebook
plus the complaint-handling rules, which apply when a complaint is detected
(``"rulebook": "hotline+complaint"``, ``"complaint_detected": true``); with
it, by exactly the rulebook named (``hotline+complaint`` names the
composition too).

Input is one or more shards, scored in the order given into one output:
UTF-8 JSON lines (a leading BOM is ignored; ``-`` reads stdin) or Parquet
files with a row per conversation (``.parquet``; needs pyarrow). Each line
or row that cannot be used — not UTF-8, not JSON, nested too deeply, not a
conversation — is reported on stderr by its number, and the others are
still scored. ``--workers N`` scores in N processes; ``--ray`` runs the same
scoring as a Ray Data job, on a local Ray instance or on the cluster at
ADDRESS (see :mod:`kefu.qa.raybatch`), with ``--workers`` actors (default:
one per CPU). All three write the same bytes.

``--output FILE`` is written under a temporary name and put in place only
when the run completes: a run that fails part-way leaves no partial file.

Exit status: 0 success; 1 some input lines were malformed (the others were
scored), the input holds no conversations, or a rulebook has errors; 2 usage
errors (unknown rulebook, missing or unreadable input, unwritable output,
no Ray, an unreachable Ray cluster or a failed Ray job).
``eval`` and ``eval-emotion`` evaluate nothing when a line is malformed (the
figures would describe a different data set): they report every such line
and exit 1.
"""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TextIO

from kefu.qa import raybatch
from kefu.qa.batch import FORMATS, RecordScorer, Result, head, parse_json, tail
from kefu.qa.norms import coverage
from kefu.qa.rulebook import (
    Rulebook,
    RulebookError,
    builtin_names,
    check_rulebook,
    default_rulebooks,
    load_rulebook,
)
from kefu.qa.shards import Record, ShardError, check_shard, is_parquet, jsonl_records, read_shard, unit

PROGRESS_MIN_LINES = 200
STDIN = "-"

# --- reading input ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InputLines:
    """The non-blank lines of a JSON-lines input, numbered from 1."""

    text: list[tuple[int, str]]  # (line number, decoded line)
    undecodable: list[tuple[int, str]]  # (line number, why it is not UTF-8)

    def __len__(self) -> int:
        return len(self.text) + len(self.undecodable)


def _read_bytes(path: str) -> bytes:
    if path == STDIN:
        return sys.stdin.buffer.read()
    with open(path, "rb") as fh:
        return fh.read()


def read_input_lines(path: str) -> InputLines:
    """Read ``path`` (``-`` for stdin) as JSON lines (see :mod:`kefu.qa.shards`).

    Raises :class:`OSError` when the input cannot be read.
    """
    text: list[tuple[int, str]] = []
    undecodable: list[tuple[int, str]] = []
    for lineno, line, reason in jsonl_records(_read_bytes(path)):
        if line is not None:
            text.append((lineno, line))
        else:
            undecodable.append((lineno, reason or ""))
    return InputLines(text, undecodable)


def _records(path: str) -> Iterator[Record]:
    """The records of one input; raises :class:`ShardError`."""
    if path != STDIN:
        return read_shard(path)
    try:
        return jsonl_records(_read_bytes(STDIN))
    except OSError as exc:
        raise ShardError("<stdin>", exc.strerror or str(exc)) from None


def _display_name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


# --- scoring in this process, or in worker processes -------------------------------------

_scorer: RecordScorer | None = None


def _init_worker(rulebook: str | None, fmt: str = "jsonl", per_turn: bool = False) -> None:
    global _scorer
    _scorer = RecordScorer(rulebook, fmt=fmt, emotion_per_turn=per_turn)


def _score_item(item: tuple[int, Record]) -> tuple[int, Result]:
    assert _scorer is not None
    shard, record = item
    return shard, _scorer(record)


def _local_results(
    items: Iterable[tuple[int, Record]], rulebook: str | None, workers: int, fmt: str, per_turn: bool
) -> Generator[tuple[int, Result]]:
    if workers <= 1:
        _init_worker(rulebook, fmt, per_turn)
        yield from map(_score_item, items)
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
    with ctx.Pool(workers, initializer=_init_worker, initargs=(rulebook, fmt, per_turn)) as pool:
        yield from pool.imap(_score_item, items, chunksize=16)


def _ray_results(
    inputs: list[str], address: str | None, book: Rulebook | None, args: argparse.Namespace
) -> Generator[tuple[int, Result]]:
    shards = [raybatch.ShardSpec(os.path.abspath(path), path) for path in inputs]
    with raybatch.ray_session(address, num_cpus=args.workers):
        yield from raybatch.score_shards(
            shards, book, fmt=args.format, emotion_per_turn=args.emotion_per_turn, actors=args.workers
        )


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal;
    a count when the total is not known in advance."""

    def __init__(self, total: int | None, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.enabled = (total is None or total >= PROGRESS_MIN_LINES) and stream.isatty()
        self.started = time.perf_counter()
        self.done = 0

    def step(self) -> None:
        self.done += 1
        if self.enabled and (self.done % 50 == 0 or self.done == self.total):
            rate = self.done / max(time.perf_counter() - self.started, 1e-9)
            if self.total is None:
                self.stream.write(f"\r{self.done} scored  {rate:,.0f}/s")
            else:
                width = 30
                filled = int(width * self.done / self.total)
                self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  {rate:,.0f}/s")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


# --- output -------------------------------------------------------------------------------


class OutputError(Exception):
    """Writing the results failed (a full disk, say): one line, not a traceback."""


def _write(out: TextIO, text: str) -> None:
    try:
        out.write(text)
    except BrokenPipeError:  # the reader went away: handled in main()
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from exc


def _write_result(out: TextIO, text: str) -> str | None:
    """Write one scorecard's text; returns why it could not be written, if so."""
    try:
        _write(out, text)  # encodes the whole text before writing any of it
    except UnicodeEncodeError as exc:  # stdout in an encoding that cannot hold the text
        return f"cannot be written as {exc.encoding}: character {exc.object[exc.start]!a}"
    return None


class _Output:
    """stdout, or the ``--output`` file.

    A regular file is written under a temporary name beside it and renamed
    into place by :meth:`commit`, so a run that fails part-way leaves no
    partial file (and an earlier file of that name as it was). A device or
    pipe (``/dev/stdout``, say) is written directly.
    Raises :class:`OutputError` when the file cannot be written.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.part: str | None = None
        self.stream: TextIO = sys.stdout
        if not path:
            return
        try:
            if os.path.isdir(path):
                raise OSError(errno.EISDIR, os.strerror(errno.EISDIR))
            target = os.path.realpath(path)
            if os.path.exists(target) and not os.path.isfile(target):
                self.stream = open(path, "w", encoding="utf-8")
                return
            if os.path.exists(target) and not os.access(target, os.W_OK):
                raise OSError(errno.EACCES, os.strerror(errno.EACCES))
            part = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.{os.getpid()}.part")
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc)) from exc
        self.part, self.target = part, target
        self.stream = open(fd, "w", encoding="utf-8")

    def commit(self) -> None:
        """Flush (stdout) or close and put in place (a file), so a late write
        error is still ours to report."""
        try:
            if self.stream is sys.stdout:
                self.stream.flush()
                return
            self.stream.close()
            if self.part is not None:
                if os.path.exists(self.target):  # keep the mode of the file replaced
                    os.chmod(self.part, stat.S_IMODE(os.stat(self.target).st_mode))
                os.replace(self.part, self.target)
                self.part = None
        except BrokenPipeError:
            raise
        except OSError as exc:
            self.abandon()
            raise OutputError(exc.strerror or str(exc)) from exc

    def abandon(self) -> None:
        if self.stream is sys.stdout:
            _discard_stdout()  # else the interpreter retries the failed flush at exit
            return
        try:
            self.stream.close()
        except OSError:
            pass  # already reported
        if self.part is not None:
            try:
                os.unlink(self.part)
            except OSError:
                pass
            self.part = None


def _discard_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file descriptor (captured, say)
        pass


# --- kefu qa score ----------------------------------------------------------------------------


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _check_score_args(args: argparse.Namespace) -> str | None:
    """Why these arguments cannot run, before anything is read or started."""
    if args.workers is not None and args.workers < 1:
        return "--workers must be at least 1"
    if STDIN in args.input and len(args.input) > 1:
        return "'-' (stdin) cannot be combined with other inputs"
    if args.ray is None:
        return None
    if STDIN in args.input:
        return "--ray reads shards from files, not from stdin"
    if os.path.exists(args.ray) or is_parquet(args.ray) or args.ray.endswith((".jsonl", ".json")):
        return f"--ray took {args.ray!r} as the Ray address: put the shards before --ray, or write --ray=ADDRESS"
    if not raybatch.ray_installed():
        return "--ray needs Ray, which is not installed: pip install 'kefu[ray]'"
    return None


def cmd_score(args: argparse.Namespace) -> int:
    problem = _check_score_args(args)
    if problem is not None:
        return _usage_error(problem)
    book = None
    if args.rulebook is not None:
        try:
            book = load_rulebook(args.rulebook)  # fail fast, before any worker starts
        except RulebookError as exc:
            return _usage_error(str(exc))
    inputs: list[str] = args.input
    names = [_display_name(path) for path in inputs]
    units = [unit(path) for path in inputs]
    total = None
    try:
        for path in inputs:
            if path != STDIN:
                check_shard(path)  # a missing shard costs no time
        if args.ray is not None:
            address = None if args.ray == "local" else args.ray
            results = _ray_results(inputs, address, book, args)
        else:
            items: Iterable[tuple[int, Record]]
            if len(inputs) == 1:  # read first, for the progress bar's total
                records = list(_records(inputs[0]))
                total = len(records)
                items = ((0, record) for record in records)
            else:
                items = ((i, record) for i, path in enumerate(inputs) for record in _records(path))
            results = _local_results(items, args.rulebook, args.workers or 1, args.format, args.emotion_per_turn)
    except ShardError as exc:
        return _usage_error(str(exc))
    try:
        out = _Output(args.output)  # before scoring, so a typo costs no time
    except OutputError as exc:
        return _usage_error(f"cannot write {args.output}: {exc}")
    try:
        count, errors = _score_into(out.stream, results, names, units, args.format, total)
        out.commit()
    except OutputError as exc:
        out.abandon()
        return _usage_error(f"cannot write {args.output or '<stdout>'}: {exc}")
    except (ShardError, raybatch.RayJobError) as exc:
        out.abandon()
        return _usage_error(str(exc))
    except BaseException:
        out.abandon()
        raise
    if not count:
        print(f"error: no conversations in {', '.join(names)}", file=sys.stderr)
        return 1
    if errors:
        what = "lines" if set(units) == {"line"} else "records"
        print(f"{errors} of {count} {what} could not be scored", file=sys.stderr)
    return 1 if errors else 0


def _score_into(
    out: TextIO, results: Generator[tuple[int, Result]], names: list[str], units: list[str], fmt: str, total: int | None
) -> tuple[int, int]:
    """Write the text of every scored record to ``out`` in input order and
    report each record that was not scored on stderr; returns how many
    records there were and how many were not scored."""
    progress = _Progress(total, sys.stderr)
    count = errors = 0
    try:
        for shard, (number, text, reason) in results:
            if not count:
                _write(out, head(fmt))
            count += 1
            progress.step()
            if reason is None:
                assert text is not None
                reason = _write_result(out, text)
            if reason is not None:
                errors += 1
                after_bar = "\n" if progress.enabled else ""
                print(f"{after_bar}{names[shard]}: {units[shard]} {number}: {reason}", file=sys.stderr)
        if count:
            _write(out, tail(fmt))
    finally:
        progress.close()
        results.close()  # stops the worker pool or the Ray job early when a write failed
    return count, errors


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
        _, error = parse_json(text)
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
    model = None
    if args.satisfaction_model is not None:
        from kefu.qa.satisfaction import ModelError, load_model

        try:
            model = load_model(args.satisfaction_model)
        except ModelError as exc:
            return _usage_error(str(exc))
    try:
        report = evaluate_dialogues(path, args.rulebook, satisfaction=model)
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
    score.add_argument(
        "input", nargs="+", help="shards in order: JSON-lines files, one conversation per line ('-' for stdin), or Parquet files"
    )
    score.add_argument("--rulebook", help="built-in name or YAML path (default: by each conversation's channel)")
    score.add_argument("--format", choices=FORMATS, default="jsonl")
    score.add_argument("--workers", type=int, help="processes to score in parallel (with --ray: actors; default one per CPU)")
    score.add_argument(
        "--ray", nargs="?", const="local", metavar="ADDRESS",
        help="score as a Ray Data job: on a new local Ray instance, or on the cluster at ADDRESS (needs kefu[ray])",
    )
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
    ev.add_argument("--satisfaction-model", metavar="MODEL_DIR", help="also measure this satisfaction predictor")
    ev.set_defaults(func=cmd_eval)

    emo = sub.add_parser("eval-emotion", help="emotion model accuracy and speed on labelled sentences")
    emo.add_argument("path")
    emo.set_defaults(func=cmd_eval_emotion)

    draft = sub.add_parser("check-draft", help="check an agent's draft reply (agent assist)")
    draft.add_argument("text")
    draft.add_argument("--rulebook", default="chat")
    draft.set_defaults(func=cmd_check_draft)

    from kefu.qa import learncli  # imports this module: registered here, not at its top

    learncli.add_commands(sub)
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
