"""Learning rule weights from people (向人学习): ``kefu qa calibrate``.

Inspectors and customers rate conversations; a rulebook's points say how much
each rule weighs. Calibration learns the points under which the compliance
score ranks a set of rated conversations the way the people did (Spearman's
ρ with label A, S or E), and writes them as a *new* rulebook version::

    rated = read_rated(Path("rated.jsonl"))          # {"id", "turns", "labels": {"quality": {"S": {"mean"}}}}
    result = calibrate(load_rulebook("chat+complaint"), rated, label="S")
    result.cv_before, result.cv_after                # k-fold held-out ρ, the rulebook's points vs learned
    write_calibrated(result, Path("out/"))           # out/chat.yaml, out/complaint.yaml

Each conversation is judged once (a rule's outcome does not depend on
points); the score under any points is then the engine's own arithmetic over
those outcomes (:func:`compliance_scores`), so learning takes seconds.

What stays as the inspector wrote it, so the result can still be explained:

* points are whole numbers 1…100: a failed rule always costs, never earns;
* detections, ``expect``, ``critical`` (a failed critical rule still vetoes),
  ``applies_when``, the pass mark and composition weights do not change;
* a rule seen passing or failing fewer than ``MIN_OUTCOMES`` times keeps its
  points: there is nothing to learn its weight from;
* a rule counted in another (a composition's duplicate detection) keeps its
  points: they never count;
* the points are pulled towards the rulebook's own (``PRIOR``), so they move
  only as far as the ratings carry them.

``PRIOR`` and ``MIN_OUTCOMES`` were chosen by 5-fold cross-validation on the
NTCIR-14 STC-3 training dialogues (never on evaluation data).

The rulebook file is rewritten line by line: only each rule's ``points:``
changes, and a note at the top says what the points were learned from, so
comments, order and layout survive and ``git diff`` shows exactly what moved.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from scipy.optimize import minimize
from sklearn.model_selection import KFold

from kefu.qa.engine import Engine, _weighted_score
from kefu.qa.evaluate import _ranks, spearman
from kefu.qa.model import Conversation, ConversationError, parse_conversation
from kefu.qa.rulebook import Rulebook, RulebookError, _rulebook_data, compile_rulebook, compose_rulebooks

LABELS = {"A": "task accomplishment", "S": "customer satisfaction", "E": "dialogue effectiveness"}
MIN_OUTCOMES = 20
PRIOR = 0.003
MIN_POINTS, MAX_POINTS = 1, 100
FOLDS = 5

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class LabelError(ValueError):
    """A rated record that cannot be used; the message names its line or id."""


# --- rated conversations ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rated:
    """A conversation and what people rated it (label → mean rating)."""

    conversation: Conversation
    labels: Mapping[str, float]


_CONVERSATION_KEYS = ("id", "channel", "turns", "events", "meta")


def rated_from_record(record: Any) -> Rated:
    """A rated conversation from decoded JSON: the conversation's own fields
    and ``labels.quality.{A,S,E}``, each a number or ``{"mean": number}``
    (as in the STC-3 dialogues). Raises :class:`LabelError`."""
    if not isinstance(record, dict):
        raise LabelError("a rated conversation must be a JSON object")
    try:
        conv = parse_conversation({k: record[k] for k in _CONVERSATION_KEYS if k in record})
    except ConversationError as exc:
        raise LabelError(str(exc)) from None
    quality = (record.get("labels") or {}).get("quality") if isinstance(record.get("labels"), dict) else None
    if not isinstance(quality, dict):
        raise LabelError("labels.quality: is required (the ratings, e.g. {\"S\": {\"mean\": 0.5}})")
    labels: dict[str, float] = {}
    for key in LABELS:
        if key not in quality:
            continue
        value = quality[key]
        value = value.get("mean") if isinstance(value, dict) else value
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise LabelError(f"labels.quality.{key}: must be a number or {{\"mean\": number}}, got {value!r}")
        labels[key] = float(value)
    return Rated(conv, labels)


def read_rated(path: Path) -> list[Rated]:
    """The rated conversations of a JSON-lines file; raises :class:`LabelError`
    naming the first line that is not one (and :class:`OSError`)."""
    out = []
    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(rated_from_record(json.loads(line)))
            except (LabelError, ValueError) as exc:
                raise LabelError(f"{path}: line {lineno}: {exc}") from None
    return out


def label_values(rated: Sequence[Rated], label: str) -> list[float]:
    """Each conversation's rating ``label``; raises :class:`LabelError` naming
    the first conversation without it."""
    if label not in LABELS:
        raise LabelError(f"unknown label {label!r} (one of {', '.join(LABELS)})")
    out = []
    for item in rated:
        if label not in item.labels:
            raise LabelError(f"conversation {item.conversation.id}: no rating {label} ({LABELS[label]})")
        out.append(item.labels[label])
    return out


# --- outcomes and the score under other points --------------------------------------------

_CODES = {"pass": 1, "fail": -1, "na": 0}


def outcome_matrix(book: Rulebook, conversations: Sequence[Conversation]) -> npt.NDArray[np.int8]:
    """Every rule's outcome on every conversation (rows) by ``book``:
    1 pass, −1 fail, 0 n/a, columns in the order of ``book.rules``."""
    engine = Engine(book)
    rows = []
    for conv in conversations:
        card = engine.score(conv)
        rows.append([_CODES[hit.outcome] for hit in card.hits])
    return np.array(rows, dtype=np.int8).reshape(len(rows), len(book.rules))


def compliance_scores(book: Rulebook, outcomes: npt.NDArray[np.int8], points: Sequence[int]) -> list[int]:
    """The score the engine gives each conversation when ``book``'s rules weigh
    ``points`` (in the order of ``book.rules``) — its arithmetic, on outcomes
    already judged (see kefu.qa.engine._scorecard)."""
    rules = book.rules
    counted = [i for i, rule in enumerate(rules) if not rule.counted_in]
    out = []
    for row in outcomes.tolist():
        by_part: dict[str, list[int]] = {}
        earned = possible = 0
        vetoed = False
        for i in counted:
            outcome = row[i]
            if not outcome:
                continue
            rule = rules[i]
            weight = int(points[i])
            part = by_part.setdefault(rule.part, [0, 0])
            part[1] += weight
            possible += weight
            if outcome > 0:
                part[0] += weight
                earned += weight
            elif rule.critical:
                vetoed = True
        if book.parts:
            score = _weighted_score(book, by_part)
        else:
            score = round(100 * earned / possible) if possible else 100
        out.append(0 if vetoed and book.veto == "zero" else score)
    return out


class _Objective:
    """The smooth stand-in for Spearman's ρ that the points are fitted to:
    Pearson's r between the (unrounded) score and the ratings' ranks, with
    its gradient, plus the pull towards the rulebook's own points."""

    def __init__(self, book: Rulebook, outcomes: npt.NDArray[np.int8], target: Sequence[float],
                 free: npt.NDArray[np.bool_], base: FloatArray, prior: float) -> None:
        counted = np.array([not rule.counted_in for rule in book.rules])
        self.passed = ((outcomes == 1) & counted).astype(np.float64)
        self.judged = ((outcomes != 0) & counted).astype(np.float64)
        self.free = free
        self.base = base
        self.theta0 = np.log(base[free])
        self.prior = prior
        names = ["", *(part.name for part in book.parts)]
        self.groups = [np.array([rule.part == name for rule in book.rules]) for name in names]
        # Which parts a conversation has judged rules in does not depend on
        # the points (all positive): their shares of the score are fixed.
        active = [(self.judged[:, g].sum(axis=1) > 0) for g in self.groups]
        if book.parts:
            shares = [np.where(a, part.weight, 0.0) for a, part in zip(active[1:], book.parts, strict=True)]
            base_share = np.where(active[0], np.maximum(0.0, 100.0 - sum(shares, np.zeros(len(outcomes)))), 0.0)
            self.shares = [base_share, *shares]
        else:
            self.shares = [np.where(active[0], 1.0, 0.0)]
        self.total = sum(self.shares, np.zeros(len(outcomes)))
        critical = np.array([rule.critical for rule in book.rules]) & counted
        vetoed = ((outcomes == -1) & critical).any(axis=1) if book.veto == "zero" else np.zeros(len(outcomes), bool)
        self.live = ~vetoed  # a vetoed conversation scores 0 whatever the points
        ranks = np.array(_ranks(target))
        self.ranks = (ranks - ranks.mean()) / (ranks.std() or 1.0)

    def points(self, theta: FloatArray) -> FloatArray:
        weights = self.base.copy()
        weights[self.free] = np.exp(theta)
        return weights

    def scores(self, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Unrounded scores and their derivative by each rule's points."""
        n = len(self.total)
        score = np.zeros(n)
        grad = np.zeros((n, len(weights)))
        safe_total = np.where(self.total > 0, self.total, 1.0)
        for group, share in zip(self.groups, self.shares, strict=True):
            earned = self.passed[:, group] @ weights[group]
            possible = self.judged[:, group] @ weights[group]
            safe = np.where(possible > 0, possible, 1.0)
            ratio = earned / safe
            coef = 100.0 * share / safe_total
            score += coef * ratio
            grad[:, group] = (coef / safe)[:, None] * (self.passed[:, group] - ratio[:, None] * self.judged[:, group])
        score = np.where(self.total > 0, score, 100.0)
        score[~self.live] = 0.0
        grad[~self.live | (self.total <= 0)] = 0.0
        return score, grad

    def __call__(self, theta: FloatArray) -> tuple[float, FloatArray]:
        weights = self.points(theta)
        score, grad = self.scores(weights)
        n = len(score)
        sd = score.std()
        if sd == 0:
            r, d_score = 0.0, np.zeros(n)
        else:
            z = (score - score.mean()) / sd
            r = float(np.mean(z * self.ranks))
            d_score = (self.ranks - r * z) / (n * sd)
        d_theta = (d_score @ grad)[self.free] * weights[self.free]
        pull = theta - self.theta0
        value = -r + self.prior * float(np.mean(pull**2))
        return value, -d_theta + 2 * self.prior * pull / len(pull)


def learnable(book: Rulebook, outcomes: npt.NDArray[np.int8], min_outcomes: int = MIN_OUTCOMES) -> npt.NDArray[np.bool_]:
    """Which rules' points can be learned from ``outcomes``: counted, and
    seen both passing and failing at least ``min_outcomes`` times."""
    counted = np.array([not rule.counted_in for rule in book.rules], dtype=bool)
    passes = (outcomes == 1).sum(axis=0)
    fails = (outcomes == -1).sum(axis=0)
    return np.asarray(counted & (passes >= min_outcomes) & (fails >= min_outcomes), dtype=bool)


def fit_points(book: Rulebook, outcomes: npt.NDArray[np.int8], target: Sequence[float], *,
               prior: float = PRIOR, min_outcomes: int = MIN_OUTCOMES) -> IntArray:
    """Points (in the order of ``book.rules``) under which the score ranks the
    conversations most like ``target`` does, within the constraints above."""
    base = np.array([rule.points for rule in book.rules], dtype=np.float64)
    free = learnable(book, outcomes, min_outcomes)
    if not free.any():
        return base.astype(np.int64)
    objective = _Objective(book, outcomes, target, free, base, prior)
    bounds = [(math.log(MIN_POINTS), math.log(MAX_POINTS))] * int(free.sum())
    result = minimize(objective, objective.theta0, jac=True, method="L-BFGS-B", bounds=bounds)
    weights = objective.points(np.asarray(result.x, dtype=np.float64))
    return np.clip(np.rint(weights), MIN_POINTS, MAX_POINTS).astype(np.int64)


# --- calibration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` learned, and how well it agrees with people."""

    book: Rulebook
    label: str
    n: int
    points: dict[str, int]  # rule id → learned points, every rule
    learned: tuple[str, ...]  # the rules whose points were learned
    cv_before: tuple[float, ...]  # per fold: held-out ρ with the rulebook's own points
    cv_after: tuple[float, ...]  # per fold: held-out ρ with points learned on the other folds
    rho_before: float  # on all the conversations, the rulebook's points
    rho_after: float  # on all the conversations, the learned points (learned on them too)

    @property
    def changed(self) -> dict[str, tuple[int, int]]:
        """rule id → (points before, after), for the rules whose points moved."""
        return {r.id: (r.points, self.points[r.id]) for r in self.book.rules if self.points[r.id] != r.points}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def calibrate(book: Rulebook, rated: Sequence[Rated], label: str = "S", *, folds: int = FOLDS, seed: int = 0,
              prior: float = PRIOR, min_outcomes: int = MIN_OUTCOMES) -> Calibration:
    """Learn ``book``'s points from ``rated`` conversations (label A, S or E),
    with ``folds``-fold cross-validated agreement. Raises :class:`LabelError`
    (a conversation without the label) and :class:`ValueError` (too few
    conversations for the folds)."""
    target = label_values(rated, label)
    if folds < 2 or len(rated) < 2 * folds:
        raise ValueError(f"{len(rated)} rated conversations are too few for {folds}-fold cross-validation "
                         f"(at least {2 * max(folds, 2)} needed)")
    outcomes = outcome_matrix(book, [item.conversation for item in rated])
    base = [rule.points for rule in book.rules]
    y = np.array(target)
    before: list[float] = []
    after: list[float] = []
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(outcomes):
        points = fit_points(book, outcomes[train], y[train].tolist(), prior=prior, min_outcomes=min_outcomes)
        held_out = y[test].tolist()
        before.append(spearman(compliance_scores(book, outcomes[test], base), held_out))
        after.append(spearman(compliance_scores(book, outcomes[test], points.tolist()), held_out))
    points = fit_points(book, outcomes, target, prior=prior, min_outcomes=min_outcomes)
    free = learnable(book, outcomes, min_outcomes)
    return Calibration(
        book=book, label=label, n=len(rated),
        points={rule.id: int(p) for rule, p in zip(book.rules, points, strict=True)},
        learned=tuple(rule.id for rule, f in zip(book.rules, free, strict=True) if f),
        cv_before=tuple(before), cv_after=tuple(after),
        rho_before=spearman(compliance_scores(book, outcomes, base), target),
        rho_after=spearman(compliance_scores(book, outcomes, points.tolist()), target),
    )


# --- writing the new rulebook version -------------------------------------------------------

NOTE_START = "# --- calibrated points (kefu qa calibrate) ---"
NOTE_END = "# --- end of calibration note ---"
_RULE_ID = re.compile(r"""^(\s*)-\s+id:\s*["']?([A-Za-z0-9_.]+)["']?\s*(#.*)?$""")
_POINTS = re.compile(r"^(\s+points:\s*)(\d+)(\s*(#.*)?)$")


def source_files(book: Rulebook) -> list[Path]:
    """The YAML files ``book`` was compiled from: one, or for a composition
    the channel's and each added rulebook's."""
    paths = [Path(p) for p in book.source.split(" + ")] if book.source else []
    if len(paths) != 1 + len(book.parts) or not all(p.is_file() for p in paths):
        raise RulebookError(book.source or book.name, ["(file) cannot tell which files this rulebook was read from"])
    return paths


def rewrite_points(text: str, points: Mapping[str, int]) -> str:
    """``text`` (a rulebook file) with each rule's ``points:`` line set from
    ``points`` (rule id → points); every other line as it was. Raises
    :class:`ValueError` when a rule's points line cannot be found (a rule
    written in flow style, say)."""
    lines = text.splitlines(keepends=True)
    current: str | None = None
    done: set[str] = set()
    for i, line in enumerate(lines):
        found = _RULE_ID.match(line.rstrip("\r\n"))
        if found:
            current = found.group(2)
            continue
        if current is None or current in done or current not in points:
            continue
        body = line.rstrip("\r\n")
        match = _POINTS.match(body)
        if match:
            lines[i] = f"{match.group(1)}{int(points[current])}{match.group(3)}{line[len(body):]}"
            done.add(current)
    missing = [rid for rid in points if rid not in done]
    if missing:
        raise ValueError(f"no 'points:' line found for rule(s) {', '.join(missing)}")
    return "".join(lines)


def with_note(text: str, note: Sequence[str]) -> str:
    """``text`` with the calibration note at the top (replacing an earlier one)."""
    start, end = text.find(NOTE_START), text.find(NOTE_END)
    if start != -1 and end > start:
        text = text[:start] + text[text.index("\n", end) + 1 if "\n" in text[end:] else len(text):]
    block = [NOTE_START, *(f"# {line}".rstrip() for line in note), NOTE_END]
    return "\n".join(block) + "\n" + text


def note_lines(result: Calibration, data_name: str, attribution: str = "", rule_ids: Sequence[str] = ()) -> list[str]:
    """The note at the top of a calibrated file holding ``rule_ids`` (all the
    rulebook's by default)."""
    what = LABELS[result.label]
    ids = set(rule_ids or result.points)
    learned = sum(rid in ids for rid in result.learned)
    lines = [
        f"The points of {learned} of the {len(ids)} rules here were learned from {result.n:,} conversations rated by",
        f"people ({data_name}, label {result.label}: {what}), scored as {result.book.name}.",
        f"Spearman rho(score, {result.label}), {len(result.cv_after)}-fold cross-validated: "
        f"{_mean(result.cv_before):.3f} with the points before, {_mean(result.cv_after):.3f} with these.",
    ]
    return lines + [line for line in attribution.splitlines() if line.strip()]


def _yaml_rule_points(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    return {rule["id"]: rule.get("points") for rule in data.get("rules") or [] if isinstance(rule, dict)}


def calibrated_texts(result: Calibration, data_name: str, attribution: str = "") -> dict[Path, str]:
    """Source file → its text with the learned points and the note; each
    checked to decode to the same rulebook but for the points."""
    out = {}
    for path in source_files(result.book):
        text = path.read_text(encoding="utf-8")
        original = yaml.safe_load(text)
        own = {rid: p for rid, p in result.points.items() if rid in _yaml_rule_points(text)}
        new = with_note(rewrite_points(text, own), note_lines(result, data_name, attribution, list(own)))
        expected = dict(original)
        expected["rules"] = [
            {**rule, "points": own[rule["id"]]} if isinstance(rule, dict) and rule.get("id") in own else rule
            for rule in original["rules"]
        ]
        if yaml.safe_load(new) != expected:  # a rewrite may change nothing but the points
            raise ValueError(f"{path}: rewriting the points would change more than the points")
        out[path] = new
    return out


def output_paths(result: Calibration, output: Path) -> dict[Path, Path]:
    """Source file → where its new version goes: ``output`` itself for a
    single rulebook; for a composition, ``output`` is a directory and each
    file keeps its name there."""
    sources = source_files(result.book)
    if len(sources) == 1:
        return {sources[0]: output}
    return {source: output / source.name for source in sources}


def write_calibrated(result: Calibration, output: Path, data_name: str = "", attribution: str = "") -> list[Path]:
    """Write the new rulebook version; returns the files written. Never
    writes over a file the rulebook was read from (raises ValueError)."""
    texts = calibrated_texts(result, data_name or "rated conversations", attribution)
    targets = output_paths(result, output)
    sources = {os.path.realpath(source) for source in texts}
    for target in targets.values():
        if os.path.realpath(target) in sources:
            raise ValueError(f"{target} is a file the rulebook was read from: write the new version elsewhere")
    if len(targets) > 1:
        output.mkdir(parents=True, exist_ok=True)
    written = []
    for source, target in targets.items():
        part = target.with_name(f".{target.name}.{os.getpid()}.part")
        part.write_text(texts[source], encoding="utf-8")
        os.replace(part, target)
        written.append(target)
    return written


def load_written(paths: Sequence[Path]) -> Rulebook:
    """The rulebook :func:`write_calibrated` wrote, read afresh (load_rulebook
    caches by path, and a file may have been written over since)."""
    keys = [str(p) for p in paths]
    if len(keys) > 1:
        return compose_rulebooks(keys[0], keys[1:])
    data, path = _rulebook_data(keys[0])
    return compile_rulebook(data, str(path))
