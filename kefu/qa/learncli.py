"""``kefu qa calibrate`` and ``kefu qa train-satisfaction``: learning from rated conversations.

    kefu qa calibrate RATED.jsonl --output RULEBOOK.yaml [--rulebook NAME|PATH] [--label A|S|E]
                      [--folds K] [--attribution TEXT]
    kefu qa train-satisfaction RATED.jsonl --output MODEL_DIR [--label A|S|E] [--folds K]

RATED.jsonl holds one conversation a line with what people rated it, as the
STC-3 dialogues do: ``{"id", "turns", "labels": {"quality": {"S": {"mean": 0.4}, …}}}``
(a plain number for a rating works too). Both commands report their
cross-validated agreement (Spearman's ρ over K held-out folds) before writing
anything.

``calibrate`` learns the rule points of the rulebook that scores these
conversations (by default what ``score`` picks by channel: ``chat+complaint``
for conversations without one) and writes a new version of it: a single
rulebook to the ``--output`` file, a composition as one file per rulebook in
the ``--output`` directory (score with ``--rulebook DIR/chat.yaml+DIR/complaint.yaml``).
The rulebook read is never written over. See :mod:`kefu.qa.learn`.

``train-satisfaction`` learns a predictor of the rating (see
:mod:`kefu.qa.satisfaction`); ``kefu qa eval FILE --satisfaction-model DIR``
measures it.

Exit status: 0 written; 1 the input has malformed lines or a conversation
without the rating; 2 usage errors (unknown rulebook, unwritable output, too
few conversations for the folds).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from kefu.qa.cli import _checked_eval_input, _usage_error
from kefu.qa.learn import FOLDS, LABELS, Calibration, LabelError, Rated, read_rated
from kefu.qa.rulebook import Rulebook, RulebookError, default_rulebook, load_rulebook


def add_commands(sub: Any) -> None:
    """Register the learning commands on ``kefu qa``'s subparsers."""
    cal = sub.add_parser("calibrate", help="learn the rule points from rated conversations (a new rulebook version)")
    cal.add_argument("path", help="rated conversations, JSON lines (labels.quality.A/S/E)")
    cal.add_argument("--output", required=True,
                     help="the new rulebook file (for a composition such as chat+complaint: a directory)")
    cal.add_argument("--rulebook", help="built-in name or YAML path (default: as `score` does, by channel)")
    cal.add_argument("--label", choices=tuple(LABELS), default="S", help="the rating to agree with (default S)")
    cal.add_argument("--folds", type=int, default=FOLDS, help=f"cross-validation folds (default {FOLDS})")
    cal.add_argument("--attribution", default="", help="a line for the note in the file: where the ratings come from")
    cal.set_defaults(func=cmd_calibrate)

    sat = sub.add_parser("train-satisfaction", help="learn a satisfaction predictor from rated conversations")
    sat.add_argument("path", help="rated conversations, JSON lines (labels.quality.A/S/E)")
    sat.add_argument("--output", required=True, help="the model directory")
    sat.add_argument("--label", choices=tuple(LABELS), default="S", help="the rating to predict (default S)")
    sat.add_argument("--folds", type=int, default=FOLDS, help=f"cross-validation folds (default {FOLDS})")
    sat.set_defaults(func=cmd_train_satisfaction)


def _read(path_arg: str) -> list[Rated] | int:
    """The rated conversations, or the exit status after saying why not."""
    path = _checked_eval_input(path_arg)
    if isinstance(path, int):
        return path
    try:
        return read_rated(path)
    except LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _mean(values: tuple[float, ...] | list[float]) -> float:
    return sum(values) / len(values)


def _folds(values: tuple[float, ...] | list[float]) -> str:
    return " ".join(f"{v:+.3f}" for v in values)


# --- kefu qa calibrate ----------------------------------------------------------------------


def _rulebook(args: argparse.Namespace, rated: list[Rated]) -> Rulebook | str:
    """The rulebook to calibrate, or why there is none."""
    if args.rulebook is not None:
        try:
            return load_rulebook(args.rulebook)
        except RulebookError as exc:
            return str(exc)
    books = {book.name: book for book in (default_rulebook(item.conversation.channel) for item in rated)}
    if len(books) > 1:
        return f"these conversations are scored by different rulebooks ({', '.join(sorted(books))}): name one with --rulebook"
    return next(iter(books.values()))


def _check_output(output: Path, composed: bool) -> str | None:
    if composed and ((output.exists() and not output.is_dir()) or output.suffix in (".yaml", ".yml")):
        return f"--output {output}: a composition is written as one file per rulebook, so --output names a directory"
    if not composed and output.is_dir():
        return f"--output {output} is a directory: name the new rulebook file"
    return None


def _report(result: Calibration) -> None:
    label = f"{result.label} ({LABELS[result.label]})"
    print(f"Spearman rho(score, {result.label}), {len(result.cv_after)}-fold cross-validated: "
          f"{_mean(result.cv_before):+.3f} with the rulebook's points, {_mean(result.cv_after):+.3f} learned")
    print(f"  per fold, before: {_folds(result.cv_before)}")
    print(f"  per fold, learned: {_folds(result.cv_after)}")
    print(f"on all {result.n} conversations (learned on them too): {result.rho_before:+.3f} → {result.rho_after:+.3f}")
    print(f"points learned for {len(result.learned)} of {len(result.book.rules)} rules against {label}; "
          "the others keep theirs (too few passes or failures to learn from, or counted in another rule):")
    for rule in result.book.rules:
        if rule.id in result.learned:
            after = result.points[rule.id]
            mark = "  critical" if rule.critical else ""
            print(f"  {rule.id:<40} {rule.points:>3} → {after:>3}{mark}")
    if _mean(result.cv_after) < _mean(result.cv_before):
        print("warning: on held-out conversations the learned points agree less with the ratings than the "
              "rulebook's own; written anyway, for review", file=sys.stderr)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from kefu.qa.learn import calibrate, load_written, write_calibrated

    if args.folds < 2:
        return _usage_error("--folds must be at least 2")
    rated = _read(args.path)
    if isinstance(rated, int):
        return rated
    book = _rulebook(args, rated)
    if isinstance(book, str):
        return _usage_error(book)
    output = Path(args.output)
    problem = _check_output(output, bool(book.parts))
    if problem:
        return _usage_error(problem)
    print(f"calibrating {book.name} ({len(book.rules)} rules, version {book.version}) on {len(rated)} rated "
          f"conversations, label {args.label} ({LABELS[args.label]})", flush=True)
    try:
        result = calibrate(book, rated, args.label, folds=args.folds)
    except LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        return _usage_error(str(exc))
    _report(result)
    try:
        written = write_calibrated(result, output, Path(args.path).name, args.attribution)
    except (OSError, ValueError, RulebookError) as exc:
        return _usage_error(f"cannot write {output}: {exc}")
    new = load_written(written)
    key = "+".join(str(p) for p in written)
    print(f"wrote {', '.join(map(str, written))}: rulebook {new.name}, version {new.version} (was {book.version})")
    print(f"score with it: kefu qa score INPUT --rulebook {key}")
    return 0


# --- kefu qa train-satisfaction ------------------------------------------------------------------


def cmd_train_satisfaction(args: argparse.Namespace) -> int:
    from kefu.qa import satisfaction
    from kefu.qa.learn import label_values

    if args.folds < 2:
        return _usage_error("--folds must be at least 2")
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        return _usage_error(f"--output {output} is a file: name a directory for the model")
    rated = _read(args.path)
    if isinstance(rated, int):
        return rated
    try:
        targets = label_values(rated, args.label)
    except LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    convs = [item.conversation for item in rated]
    print(f"learning to predict {args.label} ({LABELS[args.label]}) from {len(convs)} rated conversations", flush=True)
    try:
        rhos = satisfaction.cross_validate(convs, targets, folds=args.folds)
    except ValueError as exc:
        return _usage_error(str(exc))
    print(f"Spearman rho(predicted, {args.label}), {args.folds}-fold cross-validated: {_mean(rhos):+.3f}  "
          f"(per fold: {_folds(rhos)})", flush=True)
    started = time.perf_counter()
    model = satisfaction.train(convs, targets, label=args.label)
    seconds = time.perf_counter() - started
    model.trained.update(data=Path(args.path).name, conversations=len(convs), folds=args.folds,
                         cv_rho=round(_mean(rhos), 4), seconds=round(seconds, 1))
    try:
        model.save(output)
    except OSError as exc:
        return _usage_error(f"cannot write {output}: {exc.strerror or exc}")
    print(f"trained on all {len(convs)} in {seconds:.1f} s; wrote {output} (model version {model.version})")
    print(f"measure it: kefu qa eval FILE --satisfaction-model {output}")
    return 0
