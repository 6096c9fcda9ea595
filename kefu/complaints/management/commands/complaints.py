"""``kefu complaints train-classifier`` and ``kefu complaints eval-classifier``.

    kefu complaints train-classifier --from-db            # learn from the classified complaints, activate
    kefu complaints train-classifier FILE.jsonl [--no-activate]
    kefu complaints eval-classifier --train FILE --test FILE [--cv]  # prints the anchor, then macro-F1 last

Files are JSON lines with ``text`` and ``label``. Evaluation learns nothing it keeps.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.insights import classifier, learn
from kefu.lib.errors import ServiceError


def _read(path: str) -> tuple[list[str], list[str]]:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        with file.open(encoding="utf-8") as lines:
            texts, labels = learn.read_jsonl(lines)
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text") from None
    except ValueError as exc:
        raise CommandError(f"{path}: {exc}") from None
    if len(set(labels)) < 2:
        raise CommandError(f"{path}: needs labelled texts of at least two classes")
    return texts, labels


class Command(BaseCommand):
    help = "Complaint classifier: train-classifier (from the database or a file) and eval-classifier."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train-classifier", help="learn the classifier and store a new version")
        train.add_argument("file", nargs="?", help="JSON lines with text and label (else --from-db)")
        train.add_argument("--from-db", action="store_true", help="learn from the classified complaints")
        train.add_argument("--no-activate", action="store_true", help="store without making it the active version")
        ev = sub.add_parser("eval-classifier", help="learn on one file, measure macro-F1 on another")
        ev.add_argument("--train", required=True)
        ev.add_argument("--test", required=True)
        ev.add_argument("--cv", action="store_true",
                        help="also 3×5-fold cross-validation on the training file (how the model was chosen)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "train-classifier":
            self._train(options)
        else:
            self._eval(options)

    def _train(self, options: dict[str, Any]) -> None:
        activate = not options["no_activate"]
        if options["from_db"] == bool(options["file"]):
            raise CommandError("give either --from-db or a FILE")
        try:
            if options["from_db"]:
                model = classifier.train_from_db(activate=activate)
            else:
                texts, labels = _read(options["file"])
                folds = learn.cross_validate(texts, labels)
                learned = learn.fit(texts, {"label": labels})
                metrics = {"macro_f1": round(sum(folds) / len(folds), 4) if folds else None, "folds": folds}
                model = classifier.store_model(
                    learned, summary=f"{Path(options['file']).name}: {len(texts)} texts", metrics=metrics,
                    n_samples=len(texts), activate=activate,
                )
        except (ServiceError, learn.ModelError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from None
        state = "active" if activate else "stored, not active"
        self.stdout.write(f"{classifier.KIND} v{model.version} ({state}): {model.n_samples} samples {model.metrics}")

    def _eval(self, options: dict[str, Any]) -> None:
        train_texts, train_labels = _read(options["train"])
        test_texts, test_labels = _read(options["test"])
        started = time.perf_counter()
        anchor = learn.fit_anchor(train_texts, train_labels)
        anchor_f1 = learn.macro_f1(test_labels, list(anchor.predict(test_texts)))
        self.stdout.write(f"anchor (char 1-3 TF-IDF, linear SVM) macro-F1: {anchor_f1:.4f}")
        if options["cv"]:
            folds = learn.cross_validate(train_texts, train_labels, repeats=3)
            if folds:
                self.stdout.write(f"3×5-fold CV on the training file: {statistics.mean(folds):.4f} "
                                  f"± {statistics.pstdev(folds):.4f}")
        model = learn.fit(train_texts, {"label": train_labels})
        predicted = model.predict(test_texts, "label")
        f1 = learn.macro_f1(test_labels, predicted)
        seconds = time.perf_counter() - started
        self.stdout.write(f"train {len(train_texts)}, test {len(test_texts)}, {seconds:.1f} s; "
                          f"ratio to the anchor {f1 / anchor_f1:.3f}")
        self.stdout.write(f"macro-F1: {f1:.4f}")
