"""Benchmark learning from rated conversations (kefu qa train-satisfaction, calibrate).

On the rated training dialogues in ../shared/train (skipped when absent), in
one run, against the same-run baseline of scoring those dialogues with the
engine (default rulebook, chat+complaint) — these machines are noisy, so
each figure is the best of a few rounds and the ratios compare figures
measured side by side:

* training the satisfaction predictor on all of them, as a multiple of
  scoring them all once;
* predicting satisfaction, per conversation, as a multiple of scoring one
  (a model saved and loaded back, predictions checked identical);
* calibrating the rule points (5-fold cross-validation and the final fit),
  as a multiple of scoring them all once.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kefu.qa import Engine
from kefu.qa.learn import calibrate, label_values, read_rated
from kefu.qa.rulebook import default_rulebook
from kefu.qa.satisfaction import load_model, train

TRAIN = Path(__file__).resolve().parents[1].parent / "shared" / "train" / "dialogues.jsonl"
ROUNDS = 3


def best(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    if not TRAIN.exists():
        print(f"skipped: {TRAIN} not present (rated dialogues live in ../shared/train beside the repository)")
        return 0
    rated = read_rated(TRAIN)
    convs = [r.conversation for r in rated]
    targets = label_values(rated, "S")
    n = len(convs)
    book = default_rulebook("chat")
    engine = Engine(book)
    engine.score(convs[0])  # build the emotion model outside the timing

    def score_all() -> None:
        for conv in convs:
            engine.score(conv)

    scoring = best(score_all)
    training = best(lambda: train(convs, targets), rounds=2)
    model = train(convs, targets)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(tmp)
        loaded = load_model(tmp)
    predicting = best(lambda: loaded.predict(convs))
    identical = loaded.predict(convs) == model.predict(convs)
    calibrating = best(lambda: calibrate(book, rated, "S"), rounds=1)

    print(f"rated training dialogues: {n}  (scored by {book.name})")
    print(f"baseline, engine scoring: {scoring:.2f} s for all, {1000 * scoring / n:.3f} ms per conversation")
    print(f"satisfaction predictor training: {training:.2f} s = {training / scoring:.1f}x scoring them all once")
    print(f"satisfaction prediction: {1000 * predicting / n:.3f} ms per conversation = "
          f"{predicting / scoring:.2f}x the engine's scoring (model {model.version}, "
          f"{len(model.coef):,} weights; saved and loaded: {'identical' if identical else 'DIFFERENT'} predictions)")
    print(f"rule-point calibration (5-fold CV + fit): {calibrating:.2f} s = {calibrating / scoring:.1f}x scoring them all once")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
