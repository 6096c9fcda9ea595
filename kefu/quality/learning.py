"""The satisfaction predictor in the app (满意度预测): trained from the app's labelled conversations,
stored as a versioned learned model (:mod:`kefu.learning`), and recorded on every prediction.

Training labels, on one 0–100 scale:

* ratings imported with a conversation (``labels.quality.S`` on the STC-3 scale −2…2, mapped linearly;
  or ``labels.satisfaction`` already 0–100) — what customers or annotators said;
* otherwise the inspector's reviewed score (the current reviewed scorecard).

Retraining is a background job (``quality-train-satisfaction``, for the QA lead); it measures the
predictor by k-fold cross-validation (Spearman ρ) before storing it, activates the new version and
predicts every conversation again. Imports predict new conversations with the active version.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.jobs.registry import Progress
from kefu.learning.models import LearnedModel
from kefu.learning.selectors import active_model, model_files
from kefu.learning.services import model_save
from kefu.lib.errors import NotAllowed
from kefu.qa import parse_conversation, satisfaction
from kefu.quality.models import Conversation, Prediction, Scorecard

KIND = "satisfaction"
MIN_SAMPLES = 20  # fewer labelled conversations teach nothing that generalises
PREDICT_CHUNK = 500

_LOADED: dict[int, satisfaction.SatisfactionModel] = {}  # LearnedModel pk → the model read from its files


def satisfaction_label(labels: Any) -> float | None:
    """The 0–100 satisfaction rating imported with a conversation, if there is one."""
    if not isinstance(labels, dict):
        return None
    direct = labels.get("satisfaction")
    if isinstance(direct, int | float) and not isinstance(direct, bool) and 0 <= direct <= 100:
        return float(direct)
    quality = labels.get("quality")
    value = quality.get("S") if isinstance(quality, dict) else None
    value = value.get("mean") if isinstance(value, dict) else value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and -2 <= value <= 2:
        return (float(value) + 2.0) * 25.0
    return None


def _labelled() -> tuple[dict[int, Any], Any]:
    """(reviewed score by conversation id, the conversations that may carry a label)."""
    from django.db.models import Q

    reviewed = dict(
        Scorecard.objects.filter(kind=Scorecard.Kind.REVIEWED, current=True).values_list("conversation_id", "score")
    )
    rows = Conversation.objects.filter(~Q(labels={}) | Q(pk__in=list(reviewed)))
    return reviewed, rows


def training_counts() -> dict[str, int]:
    """How many labelled conversations there are, by source (without reading their turns)."""
    reviewed, rows = _labelled()
    counts = {"imported": 0, "reviewed": 0}
    for pk, labels in rows.values_list("pk", "labels").iterator(chunk_size=2000):
        if satisfaction_label(labels) is not None:
            counts["imported"] += 1
        elif pk in reviewed:
            counts["reviewed"] += 1
    return counts


def training_set() -> tuple[list[dict[str, Any]], list[float], dict[str, int]]:
    """(conversations as the engine reads them, their 0–100 ratings, how many came from each source)."""
    from kefu.quality.services import qa_record

    reviewed, rows = _labelled()
    records: list[dict[str, Any]] = []
    targets: list[float] = []
    sources = {"imported": 0, "reviewed": 0}
    for conv in rows.only("pk", "source_id", "channel", "turns", "labels").order_by("pk").iterator(chunk_size=500):
        label = satisfaction_label(conv.labels)
        if label is not None:
            sources["imported"] += 1
        elif conv.pk in reviewed:
            label = float(reviewed[conv.pk])
            sources["reviewed"] += 1
        else:
            continue
        records.append(qa_record(conv))
        targets.append(label)
    return records, targets, sources


def _finite(values: Iterable[float]) -> list[float]:
    return [round(v, 4) for v in values if math.isfinite(v)]


def train_and_store(*, actor: User | None, progress: Progress | None = None) -> LearnedModel | str:
    """Train on the app's labelled conversations, store and activate the new version; or why not (a message)."""
    if actor is not None and not actor.can(Cap.QA_LEAD):
        raise NotAllowed(_("Only the QA lead retrains the satisfaction predictor."))
    records, targets, sources = training_set()
    n = len(records)
    if n < MIN_SAMPLES:
        return _("Only %(n)d labelled conversations (reviewed or imported with a rating); at least %(min)d are needed.") % {
            "n": n, "min": MIN_SAMPLES}
    if len(set(targets)) < 2:
        return _("Every labelled conversation has the same rating: there is nothing to learn.")
    convs = [parse_conversation(r) for r in records]
    folds = 5 if n >= 50 else max(2, n // 10)
    started = time.perf_counter()
    rhos = _finite(satisfaction.cross_validate(convs, targets, folds=folds))
    model = satisfaction.train(convs, targets, label="satisfaction-100")
    seconds = time.perf_counter() - started
    spearman = round(statistics.fmean(rhos), 4) if rhos else None
    metrics = {"spearman": spearman, "folds": rhos, "k": folds, "sources": sources, "seconds": round(seconds, 1),
               "content_version": model.version}
    summary = _("%(n)d conversations (%(imported)d with imported ratings, %(reviewed)d reviewed scores), "
                "%(k)d-fold cross-validation") % {"n": n, "k": folds, **sources}
    stored = model_save(KIND, model.to_files(), metrics, summary=summary, n_samples=n, created_by=actor,
                        activate=True)
    _LOADED[stored.pk] = model
    predict_all(progress=progress)
    return stored


def loaded(model: LearnedModel) -> satisfaction.SatisfactionModel:
    """The predictor stored as ``model`` (read once per process, without pickle)."""
    found = _LOADED.get(model.pk)
    if found is None:
        found = satisfaction.model_from_files(model_files(model), source=str(model))
        _LOADED[model.pk] = found
    return found


def predictor() -> tuple[LearnedModel, satisfaction.SatisfactionModel] | None:
    """The active satisfaction model, or None when none has been trained (or it cannot be read)."""
    model = active_model(KIND)
    if model is None:
        return None
    try:
        return model, loaded(model)
    except satisfaction.ModelError:
        return None


def predict(conversations: Sequence[Conversation], using: tuple[LearnedModel, Any] | None = None) -> int:
    """Predict and store the satisfaction of ``conversations`` with the active model; the number stored."""
    from kefu.quality.services import qa_record

    using = using or predictor()
    if using is None or not conversations:
        return 0
    stored, model = using
    values = model.predict([qa_record(c) for c in conversations])
    now = timezone.now()
    # An upsert: a re-prediction running beside an import never collides with it.
    Prediction.objects.bulk_create(
        [Prediction(conversation_id=c.pk, value=round(min(100.0, max(0.0, v)), 1), model_kind=KIND,
                    model_version=stored.version, created_at=now)
         for c, v in zip(conversations, values, strict=True)],
        update_conflicts=True, unique_fields=["conversation"],
        update_fields=["value", "model_kind", "model_version", "created_at"],
    )
    return len(conversations)


def predict_all(*, progress: Progress | None = None) -> int:
    using = predictor()
    if using is None:
        return 0
    total = Conversation.objects.count()
    done = 0
    chunk: list[Conversation] = []
    for conv in Conversation.objects.only("pk", "source_id", "channel", "turns").order_by("pk").iterator(chunk_size=500):
        chunk.append(conv)
        if len(chunk) >= PREDICT_CHUNK:
            done += predict(chunk, using)
            chunk = []
            if progress:
                progress(done, total)
    done += predict(chunk, using)
    if progress:
        progress(done, total)
    return done


def train_job(params: dict[str, Any], progress: Progress) -> str:
    actor = User.objects.filter(pk=params.get("actor", 0)).first()
    result = train_and_store(actor=actor, progress=progress)
    if isinstance(result, str):
        return result
    rho = result.metrics.get("spearman")
    return _("Version %(version)d trained on %(n)d conversations; cross-validated agreement ρ = %(rho)s; "
             "every conversation predicted again.") % {
        "version": result.version, "n": result.n_samples, "rho": "—" if rho is None else f"{rho:.2f}"}


def predict_job(params: dict[str, Any], progress: Progress) -> str:
    """Predict every conversation again with the active version (after the QA lead switched versions)."""
    using = predictor()
    if using is None:
        return _("No satisfaction predictor is active: nothing was predicted.")
    done = predict_all(progress=progress)
    return _("%(n)d conversations predicted with version %(version)d.") % {"n": done, "version": using[0].version}


def model_summary(model: LearnedModel | None) -> dict[str, Any] | None:
    """What a page shows beside a prediction: the version and its measured agreement."""
    if model is None:
        return None
    return {"version": model.version, "spearman": model.metrics.get("spearman"), "n": model.n_samples,
            "at": model.created_at}
