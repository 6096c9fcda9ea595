"""Predicting how satisfied the customer was (满意度预测), learned from rated conversations.

Learned by ``kefu qa train-satisfaction RATED.jsonl --output MODEL_DIR``, then::

    from kefu.qa.satisfaction import load_model
    model = load_model("MODEL_DIR")
    model.predict([conversation, …])   # → [float, …] on the scale of the ratings (STC-3: −2…2)
    model.version                      # content hash: the same learned model, the same id
    model.label                        # the rating it predicts (A, S or E)

What it reads in a conversation: character 1–3-grams, TF-IDF weighted, of
three views — the whole dialogue with who said each turn, the customer's last
turn, and the last turn with who said it — and the customer's mood by the
engine's emotion model (first, last, lowest and mean customer turn); a ridge
regression weighs them. Chosen by 5-fold cross-validation on the NTCIR-14
STC-3 training dialogues (Spearman ρ with S): the whole dialogue alone 0.72,
with the customer's last turn 0.81, with the last turn too 0.82, with the mood
0.82. The compliance score and the rules' outcomes added nothing measurable,
so the model does not depend on a rulebook (a recalibrated rulebook does not
make it stale).

Stored without pickle: ``model.json`` (format, label, settings, figures from
training, version), ``vocabulary.json`` (each view's n-grams in column order)
and ``arrays.npz`` (idf weights, coefficients, mood scaling), read back with
``allow_pickle=False``. :func:`load_model` checks the content against the
version, so a damaged or edited model is refused rather than used.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.preprocessing import normalize as l2_normalize

from kefu.lib.textnorm import normalize
from kefu.qa.emotion import default_model
from kefu.qa.evaluate import spearman
from kefu.qa.model import Conversation, parse_conversation

FORMAT = "kefu-satisfaction/1"
VIEWS = ("dialogue", "last_customer", "last_turn")
MOOD = ("first", "last", "lowest", "mean")
NGRAMS = (1, 3)
MIN_DF = 2  # an n-gram in one training conversation only says nothing general
ALPHA = 1.0  # ridge penalty
MOOD_WEIGHT = 0.03  # the standardised mood features' scale next to the TF-IDF columns
FOLDS = 5
_FILES = ("model.json", "vocabulary.json", "arrays.npz")
_MARK = {"customer": "客", "agent": "服", "system": "系"}

FloatArray = npt.NDArray[np.float64]


class ModelError(ValueError):
    """A model directory that cannot be used; the message says why."""


# --- what the model reads -------------------------------------------------------------------


def views(conv: Conversation) -> dict[str, str]:
    """The texts the model reads in a conversation (normalised)."""
    turns = [(turn.speaker, normalize(turn.text)) for turn in conv.turns]
    customer = [text for speaker, text in turns if speaker == "customer"]
    last = f"{turns[-1][1]}|{_MARK[turns[-1][0]]}" if turns else ""
    return {
        "dialogue": "\n".join(f"{_MARK[speaker]}:{text}" for speaker, text in turns),
        "last_customer": customer[-1] if customer else "",
        "last_turn": last,
    }


def mood(conv: Conversation) -> list[float]:
    """The customer's mood by the engine's emotion model, squashed to −1…1 as
    in a scorecard: first, last, lowest and mean customer turn (0 without one)."""
    model = default_model()
    values = [
        math.tanh(model.polarity_normalized(normalize(turn.text)) / 4.0)
        for turn in conv.turns if turn.speaker == "customer"
    ]
    if not values:
        return [0.0] * len(MOOD)
    return [values[0], values[-1], min(values), sum(values) / len(values)]


def _conversations(items: Iterable[Conversation | Mapping[str, Any]]) -> list[Conversation]:
    return [item if isinstance(item, Conversation) else parse_conversation(item) for item in items]


# --- the model ------------------------------------------------------------------------------


class SatisfactionModel:
    """A learned predictor: everything it needs is arrays and strings."""

    def __init__(
        self, *, label: str, vocabularies: Mapping[str, Sequence[str]], idf: Mapping[str, FloatArray],
        coef: FloatArray, intercept: float, mood_mean: FloatArray, mood_scale: FloatArray,
        trained: Mapping[str, Any] | None = None,
    ) -> None:
        self.label = label
        self.vocabularies = {view: list(vocabularies[view]) for view in VIEWS}
        self.idf = {view: np.asarray(idf[view], dtype=np.float64) for view in VIEWS}
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.mood_mean = np.asarray(mood_mean, dtype=np.float64)
        self.mood_scale = np.asarray(mood_scale, dtype=np.float64)
        self.trained = dict(trained or {})  # figures from training, for people: not part of the version
        width = sum(len(v) for v in self.vocabularies.values()) + len(MOOD)
        if self.coef.shape != (width,) or any(len(self.idf[v]) != len(self.vocabularies[v]) for v in VIEWS):
            raise ModelError("the arrays do not fit the vocabularies")
        self._counters = {
            view: CountVectorizer(
                analyzer="char", ngram_range=NGRAMS, lowercase=False, dtype=np.float64,
                vocabulary={term: i for i, term in enumerate(self.vocabularies[view])},
            )
            for view in VIEWS
            if self.vocabularies[view]  # a view with no n-gram learned gives no columns
        }
        self.version = self._content_hash()

    def settings(self) -> dict[str, Any]:
        return {"views": list(VIEWS), "mood": list(MOOD), "ngrams": list(NGRAMS), "min_df": MIN_DF,
                "alpha": ALPHA, "mood_weight": MOOD_WEIGHT, "tf": "sublinear", "norm": "l2"}

    def _arrays(self) -> dict[str, FloatArray]:
        arrays = {f"idf_{view}": self.idf[view] for view in VIEWS}
        arrays.update(coef=self.coef, intercept=np.array([self.intercept]), mood_mean=self.mood_mean,
                      mood_scale=self.mood_scale)
        return arrays

    def _content_hash(self) -> str:
        digest = hashlib.sha256()
        head = {"format": FORMAT, "label": self.label, "settings": self.settings()}
        digest.update(json.dumps(head, sort_keys=True).encode())
        for view in VIEWS:
            digest.update(json.dumps(self.vocabularies[view], ensure_ascii=False).encode("utf-8"))
        for name, array in sorted(self._arrays().items()):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(array, dtype="<f8").tobytes())
        return digest.hexdigest()[:16]

    def features(self, conversations: Sequence[Conversation]) -> sp.csr_matrix:
        texts = [views(conv) for conv in conversations]
        blocks = []
        for view in VIEWS:
            if view not in self._counters:
                continue
            counts = self._counters[view].transform([t[view] for t in texts])
            counts.data = 1.0 + np.log(counts.data)  # sublinear tf, as TfidfVectorizer(sublinear_tf=True)
            blocks.append(l2_normalize(counts @ sp.diags(self.idf[view])))
        moods = np.array([mood(conv) for conv in conversations], dtype=np.float64).reshape(-1, len(MOOD))
        blocks.append(sp.csr_matrix(MOOD_WEIGHT * (moods - self.mood_mean) / self.mood_scale))
        return sp.csr_matrix(sp.hstack(blocks, format="csr"))

    def predict(self, conversations: Iterable[Conversation | Mapping[str, Any]]) -> list[float]:
        """The predicted rating of each conversation (parsed, or its JSON data)."""
        convs = _conversations(conversations)
        if not convs:
            return []
        scores = self.features(convs) @ self.coef + self.intercept
        return [float(x) for x in scores]

    def to_files(self) -> dict[str, bytes]:
        """The model as file contents by name (JSON and ``.npz``, no pickle): what :meth:`save` writes,
        and what :func:`kefu.learning.services.model_save` stores."""
        meta = {"format": FORMAT, "version": self.version, "label": self.label, "settings": self.settings(),
                "trained": self.trained}
        buffer = io.BytesIO()
        np.savez(buffer, **self._arrays())  # type: ignore[arg-type]
        return {
            "model.json": json.dumps(meta, indent=2, ensure_ascii=False).encode("utf-8"),
            "vocabulary.json": json.dumps(self.vocabularies, ensure_ascii=False).encode("utf-8"),
            "arrays.npz": buffer.getvalue(),
        }

    def save(self, directory: str | Path) -> None:
        """Write the model into ``directory`` (created if need be)."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for name, data in self.to_files().items():
            _write(path / name, lambda fh, data=data: fh.write(data))  # type: ignore[misc]


def _write(path: Path, write: Callable[[Any], object]) -> None:
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    with open(part, "wb") as fh:
        write(fh)
    os.replace(part, path)


def load_model(directory: str | Path) -> SatisfactionModel:
    """The model saved in ``directory``; raises :class:`ModelError` when it is
    missing, of another format, or not what its version says."""
    path = Path(directory)
    missing = [name for name in _FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(f"{path}: not a satisfaction model (missing {', '.join(missing)})")
    try:
        files = {name: (path / name).read_bytes() for name in _FILES}
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model: {exc}") from None
    return model_from_files(files, source=str(path))


def model_from_files(files: Mapping[str, bytes], *, source: str = "model") -> SatisfactionModel:
    """The model from its files' contents (as :meth:`SatisfactionModel.to_files` gives them), read
    without pickle; raises :class:`ModelError` as :func:`load_model` does."""
    missing = [name for name in _FILES if name not in files]
    if missing:
        raise ModelError(f"{source}: not a satisfaction model (missing {', '.join(missing)})")
    try:
        meta = json.loads(bytes(files["model.json"]).decode("utf-8"))
        vocabularies = json.loads(bytes(files["vocabulary.json"]).decode("utf-8"))
        with np.load(io.BytesIO(bytes(files["arrays.npz"])), allow_pickle=False) as npz:
            arrays = {name: np.array(npz[name]) for name in npz.files}
    except (OSError, ValueError, EOFError) as exc:
        raise ModelError(f"{source}: cannot read the model: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{source}: model format {meta.get('format') if isinstance(meta, dict) else None!r}, "
                         f"this Kefu reads {FORMAT}")
    try:
        model = SatisfactionModel(
            label=str(meta["label"]), vocabularies=vocabularies,
            idf={view: arrays[f"idf_{view}"] for view in VIEWS}, coef=arrays["coef"],
            intercept=float(arrays["intercept"][0]), mood_mean=arrays["mood_mean"], mood_scale=arrays["mood_scale"],
            trained=meta.get("trained"),
        )
    except (KeyError, TypeError, IndexError) as exc:
        raise ModelError(f"{source}: incomplete model ({exc})") from None
    if meta.get("settings") != model.settings():
        raise ModelError(f"{source}: learned with other settings than this Kefu uses: retrain it")
    if model.version != meta.get("version"):
        raise ModelError(f"{source}: content does not match version {meta.get('version')!r} (damaged or edited)")
    return model


# --- learning ---------------------------------------------------------------------------------


def train(conversations: Iterable[Conversation | Mapping[str, Any]], targets: Sequence[float], *,
          label: str = "S", trained: Mapping[str, Any] | None = None) -> SatisfactionModel:
    """Learn a model predicting ``targets`` (the ratings ``label``) of ``conversations``."""
    convs = _conversations(conversations)
    if len(convs) != len(targets) or len(convs) < 2:
        raise ValueError("need at least two conversations, each with its rating")
    texts = [views(conv) for conv in convs]
    vocabularies: dict[str, list[str]] = {}
    idf: dict[str, FloatArray] = {}
    for view in VIEWS:
        docs = [t[view] for t in texts]
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, lowercase=False, sublinear_tf=True,
                                     min_df=min(MIN_DF, len(docs)))
        try:
            vectorizer.fit(docs)
        except ValueError:  # no n-gram in enough documents (tiny or empty texts)
            vocabularies[view], idf[view] = [], np.zeros(0)
            continue
        order = sorted(vectorizer.vocabulary_.items(), key=lambda item: int(item[1]))
        vocabularies[view] = [term for term, _ in order]
        idf[view] = np.asarray(vectorizer.idf_, dtype=np.float64)
    moods = np.array([mood(conv) for conv in convs], dtype=np.float64)
    scale = moods.std(axis=0)
    width = sum(len(v) for v in vocabularies.values()) + len(MOOD)
    # Built first with zero coefficients, so training reads the features
    # exactly as prediction will.
    model = SatisfactionModel(label=label, vocabularies=vocabularies, idf=idf, coef=np.zeros(width), intercept=0.0,
                              mood_mean=moods.mean(axis=0), mood_scale=np.where(scale > 0, scale, 1.0))
    ridge = Ridge(alpha=ALPHA).fit(model.features(convs), np.asarray(targets, dtype=np.float64))
    return SatisfactionModel(label=label, vocabularies=vocabularies, idf=idf,
                             coef=np.asarray(ridge.coef_, dtype=np.float64), intercept=float(ridge.intercept_),
                             mood_mean=model.mood_mean, mood_scale=model.mood_scale, trained=trained)


def cross_validate(conversations: Iterable[Conversation | Mapping[str, Any]], targets: Sequence[float], *,
                   folds: int = FOLDS, seed: int = 0) -> list[float]:
    """Spearman's ρ of predictions with ``targets`` on each held-out fold,
    each predicted by a model trained on the other folds."""
    convs = _conversations(conversations)
    if folds < 2 or len(convs) < 2 * folds:
        raise ValueError(f"{len(convs)} rated conversations are too few for {folds}-fold cross-validation "
                         f"(at least {2 * max(folds, 2)} needed)")
    y = list(targets)
    out = []
    for train_idx, test_idx in KFold(folds, shuffle=True, random_state=seed).split(convs):
        model = train([convs[i] for i in train_idx], [y[i] for i in train_idx])
        predicted = model.predict([convs[i] for i in test_idx])
        out.append(spearman(predicted, [y[i] for i in test_idx]))
    return out
