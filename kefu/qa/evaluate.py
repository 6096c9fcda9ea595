"""Measuring the engine against human judgement (``kefu qa eval``) and the
emotion model against labelled sentences (``kefu qa eval-emotion``).

The data lives outside the project (``../shared/eval``) and is only read;
nothing here learns from it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kefu.qa.emotion import EmotionModel, default_model
from kefu.qa.engine import Engine
from kefu.qa.model import Conversation, parse_conversation

if TYPE_CHECKING:
    from kefu.qa.satisfaction import SatisfactionModel

SOLUTION_RULE = "substance.solution_given"
HUMAN_DRAWS = 200


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2 + 1  # ties share the mean rank
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's ρ with tie-corrected ranks (Pearson on ranks)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("need two equally long sequences of at least two values")
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else 0.0


def _read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


@dataclass
class DialogueReport:
    n: int
    rho: dict[str, float]
    precision: float
    recall: float
    f1: float
    support: int
    rulebooks: tuple[str, ...] = ()
    complaints: int = 0
    # With a satisfaction model: its version, the rating it predicts, and
    # Spearman's rho of its predictions with each human rating.
    model: str = ""
    model_label: str = ""
    predicted_rho: dict[str, float] | None = None
    # For context: how well one annotator agrees with the mean of the others
    # (see human_agreement); empty when the ratings carry no distribution.
    human_rho: dict[str, float] = field(default_factory=dict)
    annotators: int = 0

    def lines(self) -> list[str]:
        out = [f"dialogues: {self.n}  (rulebook {', '.join(self.rulebooks)}; complaint detected in {self.complaints})"]
        for key in ("A", "S", "E"):
            out.append(f"Spearman rho(score, {key}) = {self.rho[key]:+.3f}")
        if self.predicted_rho is not None:
            out.append(f"satisfaction model {self.model} (learned to predict {self.model_label})")
            for key in ("A", "S", "E"):
                out.append(f"Spearman rho(predicted, {key}) = {self.predicted_rho[key]:+.3f}")
        if self.human_rho:
            for key in ("A", "S", "E"):
                if key in self.human_rho:
                    out.append(f"one annotator vs the other {self.annotators - 1}: Spearman rho({key}) = "
                               f"{self.human_rho[key]:+.3f}  (for context; mean of {HUMAN_DRAWS} random draws)")
        out.append(
            f"solution given vs HNUG* nugget: precision {self.precision:.3f}  recall {self.recall:.3f}  "
            f"F1 {self.f1:.3f}  (dialogues with HNUG*: {self.support})"
        )
        return out


def human_agreement(dists: Sequence[Mapping[str, int]], draws: int = HUMAN_DRAWS, seed: int = 0) -> float:
    """How well a single person agrees with the others, the ceiling a score is
    read against: for every dialogue one annotator's rating is drawn from its
    distribution (``{"2": 0, "1": 5, …}``) and set against the mean of the
    remaining ratings; Spearman's rho over the dialogues, averaged over
    ``draws`` seeded draws. Annotators are anonymous per dialogue, so "one
    annotator" is a random one each time, not the same person."""
    rng = np.random.default_rng(seed)
    ratings = [np.repeat([float(k) for k in d], [int(v) for v in d.values()]) for d in dists]
    totals = np.array([r.sum() for r in ratings])
    counts = np.array([len(r) for r in ratings])
    if len(ratings) < 2 or counts.min() < 2:
        raise ValueError("need at least two dialogues rated by at least two annotators each")
    rhos = []
    for _ in range(draws):
        one = np.array([r[rng.integers(len(r))] for r in ratings])
        rest = (totals - one) / (counts - 1)
        rhos.append(spearman(one.tolist(), rest.tolist()))
    return float(np.mean(rhos))


def evaluate_dialogues(
    path: Path, rulebook: str | None = None, satisfaction: SatisfactionModel | None = None
) -> DialogueReport:
    """Scores by the default rulebook (the dialogues have no channel: chat plus
    the complaint-handling rules), or by ``rulebook``; with a ``satisfaction``
    model, measures its predictions too."""
    engine = Engine(rulebook)
    books: dict[str, None] = {}
    complaints = 0
    scores: list[float] = []
    human: dict[str, list[float]] = {"A": [], "S": [], "E": []}
    tp = fp = fn = 0
    convs: list[Conversation] = []
    for record in _read_jsonl(path):
        conv = parse_conversation({"id": record["id"], "turns": record["turns"]})
        convs.append(conv)
        card = engine.score(conv)
        books[card.rulebook] = None
        complaints += bool(card.complaint_detected)
        scores.append(card.score)
        for key in human:
            human[key].append(record["labels"]["quality"][key]["mean"])
        predicted = card.outcome(SOLUTION_RULE) == "pass"
        actual = any(n.get("majority") == "HNUG*" for n in record["labels"].get("nugget", []))
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    rho = {key: spearman(scores, values) for key, values in human.items()}
    report = DialogueReport(len(scores), rho, precision, recall, f1, tp + fn, tuple(books), complaints)
    for key, dists in _distributions(path).items():
        report.human_rho[key] = human_agreement(dists)
        report.annotators = max(report.annotators, max(sum(d.values()) for d in dists))
    if satisfaction is not None:
        predictions = satisfaction.predict(convs)
        report.model, report.model_label = satisfaction.version, satisfaction.label
        report.predicted_rho = {key: spearman(predictions, values) for key, values in human.items()}
    return report


def _distributions(path: Path) -> dict[str, list[dict[str, int]]]:
    """Each rating's per-dialogue distribution, for the ratings every dialogue has one of."""
    out: dict[str, list[dict[str, int]]] = {"A": [], "S": [], "E": []}
    for record in _read_jsonl(path):
        quality = record["labels"]["quality"]
        for key in list(out):
            dist = _distribution(quality.get(key))
            if dist is not None:
                out[key].append(dist)
            else:
                del out[key]  # a dialogue without a usable one: no agreement figure for this rating
    return out


def _distribution(rating: Any) -> dict[str, int] | None:
    """A rating's ``dist`` when it is one: numeric ratings to counts of at least two annotators."""
    dist = rating.get("dist") if isinstance(rating, dict) else None
    if not isinstance(dist, dict):
        return None
    try:
        [float(k) for k in dist]
    except ValueError:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in dist.values()):
        return None
    return dist if sum(dist.values()) >= 2 else None


@dataclass
class EmotionReport:
    n: int
    accuracy: float
    per_second: float

    def lines(self) -> list[str]:
        return [f"sentences: {self.n}", f"accuracy: {self.accuracy:.3f}", f"speed: {self.per_second:,.0f} sentences/s (one core)"]


def evaluate_emotion(path: Path, model: EmotionModel | None = None) -> EmotionReport:
    from kefu.lib.textnorm import normalize

    model = model or default_model()
    records = list(_read_jsonl(path))
    normalize.cache_clear()  # measure normalisation too, not the cache
    # CPU time of this process: "sentences per second on one core", not
    # slowed by whatever else shares the machine.
    started = time.process_time()
    predictions = [model.polarity(r["text"]) > 0 for r in records]
    elapsed = time.process_time() - started
    correct = sum(p == (r["label"] == 1) for p, r in zip(predictions, records, strict=True))
    return EmotionReport(len(records), correct / len(records), len(records) / elapsed if elapsed else float("inf"))
