"""Learned models (学习模型): a versioned store for models learned from an operator's own data.

Each *kind* of model (``"satisfaction"``, ``"complaint-classifier"``, …) has numbered
versions (1, 2, …); at most one version per kind is *active* — the one the app predicts
with. A version keeps who trained it and when, a training summary for people, its
cross-validated metrics (JSON), the number of training samples, and its files.

Files are stored as bytes in the database, in safe formats only: JSON (``*.json``) and
numpy arrays (``*.npy``, ``*.npz``) that load with ``allow_pickle=False``. Every file is
read back once when stored, so a pickle, an object array or a damaged file is refused
(:class:`kefu.lib.errors.InvalidInput`) and nothing of that version is written. Nothing
here ever unpickles.

Register a kind once, in your ``AppConfig.ready``::

    from kefu.learning.registry import ModelKind, register
    register(ModelKind("complaint-classifier", _("Complaint classifier"), Cap.INSIGHT_VIEW))

(the capability a person needs to store or activate a version; jobs and commands pass
no actor and are not checked). Store and activate (:mod:`kefu.learning.services`)::

    from kefu.learning.safe import json_bytes, npz_bytes
    from kefu.learning.services import model_save, model_activate
    model = model_save(
        "complaint-classifier",
        {"model.json": json_bytes({...}), "arrays.npz": npz_bytes(coef=coef, intercept=b)},
        {"macro_f1": 0.81, "folds": [0.8, 0.82]},        # cross-validated metrics (JSON)
        summary="5-fold CV on 2,000 complaints", n_samples=2000,
        created_by=user, actor=user,   # actor: checked against the kind's capability (None: system)
        activate=True,                 # or later: model_activate(model, actor=user)
    )
    model.kind, model.version, model.active, model.metrics, model.digest

Read (:mod:`kefu.learning.selectors`)::

    from kefu.learning.selectors import active_model, load_json, load_arrays, model_files
    model = active_model("complaint-classifier")   # LearnedModel | None
    meta = load_json(model, "model.json")
    arrays = load_arrays(model, "arrays.npz")      # {name: ndarray}, allow_pickle=False
    raw = model_files(model)                       # {name: bytes}
    model_versions(kind), model_get(kind, version), load(model) → every file decoded

Record the version used on each prediction (``model.kind`` + ``model.version``), so a
prediction can always be traced to the model that made it. The satisfaction predictor
(kind ``"satisfaction"``, :mod:`kefu.qa.satisfaction`) is stored this way by
:mod:`kefu.quality.learning`.
"""
