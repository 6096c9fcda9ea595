"""The complaint classifier in the app: learn from the operator's classified complaints, store, suggest.

The learning itself is :mod:`kefu.insights.learn`; versions live in :mod:`kefu.learning`
(kind ``complaint-classifier``). A suggestion is only a suggestion: the form shows it with
its confidence, the person decides (complaint.causes, complaint.focus_telecom).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.complaints.choices import Cause, CauseCategory, Hotspot
from kefu.complaints.models import Complaint
from kefu.insights import learn
from kefu.lib.errors import InvalidInput

KIND = "complaint-classifier"
TARGETS = ("cause_category", "cause", "hotspot")
MIN_SAMPLES = 20  # fewer classified complaints than this teach nothing worth suggesting
MAX_SAMPLES = 50_000  # the newest; older classifications say less about today's complaints
LABELS: Mapping[str, Mapping[str, Any]] = {
    "cause_category": {c.value: c.label for c in CauseCategory},
    "cause": {c.value: c.label for c in Cause},
    "hotspot": {c.value: c.label for c in Hotspot},
}


def complaint_text(subject: str, content: str, demands: str = "") -> str:
    return "\n".join(part for part in (subject, content, demands) if part)


def training_rows(limit: int = MAX_SAMPLES) -> tuple[list[str], dict[str, list[str]]]:
    """The newest classified complaints: text and, per target, the label people gave ("" if none)."""
    rows = (
        Complaint.objects.exclude(cause_category="", cause="", hotspot="")
        .order_by("-received_at", "-pk")
        .values_list("subject", "content", "demands", *TARGETS)[:limit]
    )
    texts: list[str] = []
    labels: dict[str, list[str]] = {t: [] for t in TARGETS}
    for subject, content, demands, *values in rows:
        texts.append(complaint_text(subject, content, demands))
        for target, value in zip(TARGETS, values, strict=True):
            labels[target].append(value or "")
    return texts, labels


def train_from_db(*, actor: User | None = None, activate: bool = True) -> Any:
    """Learn from the database's classified complaints and store a new version (active by default)."""
    from kefu.learning.services import model_save

    texts, labels = training_rows()
    if len(texts) < MIN_SAMPLES:
        raise InvalidInput(
            _("Only %(n)d complaints are classified; at least %(min)d are needed to learn from.")
            % {"n": len(texts), "min": MIN_SAMPLES}
        )
    try:
        model = learn.fit(texts, labels)
    except learn.ModelError as exc:
        raise InvalidInput(_("Nothing to learn from: %(reason)s") % {"reason": str(exc)}) from None
    metrics: dict[str, Any] = {}
    for target in model.targets:
        try:
            folds = learn.cross_validate(texts, labels[target], folds=3)
        except learn.ModelError:  # too few examples per class to split into folds: no figure, not no model
            folds = []
        if folds:
            metrics[f"{target}_macro_f1"] = round(sum(folds) / len(folds), 4)
    model.trained = {"samples": len(texts), **metrics}
    return model_save(
        KIND, model.to_files(), metrics,
        summary=_("Learned from %(n)d classified complaints (3-fold cross-validation).") % {"n": len(texts)},
        n_samples=len(texts), actor=actor, created_by=actor, activate=activate,
    )


def store_model(model: learn.TextClassifier, *, summary: str, metrics: Mapping[str, Any], n_samples: int,
                activate: bool = True) -> Any:
    from kefu.learning.services import model_save

    return model_save(KIND, model.to_files(), dict(metrics), summary=summary, n_samples=n_samples, activate=activate)


_cache: dict[str, Any] = {}


def active_classifier() -> tuple[learn.TextClassifier, int] | None:
    """The active version, loaded once per version per process."""
    from kefu.learning.selectors import active_model, model_files

    row = active_model(KIND)
    if row is None:
        return None
    key = f"{row.pk}:{row.digest}"
    if _cache.get("key") != key:
        try:
            _cache["model"] = learn.from_files(model_files(row))
        except learn.ModelError:
            return None
        _cache["key"] = key
    return _cache["model"], row.version


@dataclass(frozen=True)
class FieldSuggestion:
    field: str
    value: str
    label: str
    confidence: int  # percent


def suggest(text: str) -> list[FieldSuggestion]:
    """Suggested category, cause and hot spot for ``text`` (nothing while no model is active)."""
    if not text.strip():
        return []
    loaded = active_classifier()
    if loaded is None:
        return []
    model, _version = loaded
    out = []
    for target, s in model.suggest(text).items():
        if target in LABELS:
            label = LABELS[target].get(s.value)
            if label is None:  # a value the current choices no longer have
                continue
        else:  # a model learned from a labelled file: its own category names
            label = s.value
        out.append(FieldSuggestion(target, s.value, str(label), round(s.confidence * 100)))
    order = {t: i for i, t in enumerate(TARGETS)}
    return sorted(out, key=lambda f: order.get(f.field, 99))


def suggest_for(complaint: Complaint) -> list[FieldSuggestion]:
    """Suggestions for the fields of ``complaint`` still blank (what a person already chose stands)."""
    blank = {t for t in TARGETS if not getattr(complaint, t)} | {"label"}
    if blank == {"label"}:
        return []
    text = complaint_text(complaint.subject, complaint.content, complaint.demands)
    return [s for s in suggest(text) if s.field in blank]


def retrain_job() -> str:
    """The scheduled retraining (a django-q2 task): quietly skip while too few are classified."""
    try:
        model = train_from_db()
    except InvalidInput as exc:
        return exc.message
    return f"{KIND} v{model.version}"
