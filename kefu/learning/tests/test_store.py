"""The learned-model store: numbered versions, one active per kind, safe files only, never unpickled."""

from __future__ import annotations

import io
import pickle
import threading

import numpy as np
import pytest
from django.db import connection

from kefu.accounts.roles import Cap
from kefu.learning import registry, selectors, services
from kefu.learning.models import LearnedModel
from kefu.learning.safe import json_bytes, npy_bytes, npz_bytes
from kefu.lib.errors import InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db

KIND = "test-classifier"


@pytest.fixture(autouse=True)
def _kind():
    registry.register(registry.ModelKind(KIND, "测试分类器", Cap.QA_LEAD))
    yield
    registry._KINDS.pop(KIND, None)


def _files(scale: float = 1.0) -> dict[str, bytes]:
    return {
        "model.json": json_bytes({"labels": ["账单", "网络"], "scale": scale}),
        "arrays.npz": npz_bytes(coef=np.array([0.5, -1.5]) * scale, intercept=np.array([0.25])),
        "bias.npy": npy_bytes(np.arange(3, dtype=np.float64)),
    }


def test_versions_are_numbered_per_kind_and_keep_who_what_and_how_well(cast):
    first = services.model_save(KIND, _files(), {"spearman": 0.8, "folds": [0.79, 0.81]},
                                summary="5 折交叉验证", n_samples=120, created_by=cast["manager"])
    second = services.model_save(KIND, _files(2.0), {"spearman": 0.85}, n_samples=150)
    assert (first.version, second.version) == (1, 2)
    stored = LearnedModel.objects.get(pk=first.pk)
    assert stored.created_by == cast["manager"]
    assert stored.metrics == {"spearman": 0.8, "folds": [0.79, 0.81]}
    assert stored.n_samples == 120 and stored.summary == "5 折交叉验证"
    assert [m.version for m in selectors.model_versions(KIND)] == [2, 1]
    assert first.digest != second.digest


def test_files_come_back_as_stored_without_pickle():
    model = services.model_save(KIND, _files())
    assert selectors.load_json(model, "model.json") == {"labels": ["账单", "网络"], "scale": 1.0}
    arrays = selectors.load_arrays(model, "arrays.npz")
    assert arrays["coef"].tolist() == [0.5, -1.5] and arrays["intercept"].tolist() == [0.25]
    assert selectors.load_array(model, "bias.npy").tolist() == [0.0, 1.0, 2.0]
    assert set(selectors.load(model)) == {"model.json", "arrays.npz", "bias.npy"}
    assert selectors.model_files(model) == _files()


def test_only_one_version_is_active_and_activating_another_switches():
    first = services.model_save(KIND, _files(), activate=True)
    assert selectors.active_model(KIND) == first
    second = services.model_save(KIND, _files(2.0))
    assert selectors.active_model(KIND) == first  # a new version is not used until activated
    services.model_activate(second)
    assert selectors.active_model(KIND) == second
    assert LearnedModel.objects.filter(kind=KIND, active=True).count() == 1
    services.model_deactivate(KIND)
    assert selectors.active_model(KIND) is None


def test_a_pickle_is_refused_and_nothing_is_stored():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    for files in (
        {"model.pkl": pickle.dumps({"x": 1})},
        {"model.json": json_bytes({}), "objects.npy": buffer.getvalue()},
        {"arrays.npz": pickle.dumps([1, 2])},
        {"model.json": b"\x80\x04not json"},
        {"../evil.json": b"{}"},
        {},
    ):
        with pytest.raises(InvalidInput):
            services.model_save(KIND, files)
    assert not LearnedModel.objects.exists()


def test_an_unregistered_kind_is_refused():
    with pytest.raises(InvalidInput):
        services.model_save("no-such-kind", _files())


def test_a_person_without_the_kinds_capability_may_not_store_or_activate(cast):
    with pytest.raises(NotAllowed):
        services.model_save(KIND, _files(), actor=cast["agent"])
    model = services.model_save(KIND, _files(), actor=cast["manager"])
    with pytest.raises(NotAllowed):
        services.model_activate(model, actor=cast["agent"])
    assert selectors.active_model(KIND) is None


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_get_two_versions():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is checked on PostgreSQL")
    results: list[int] = []

    def save() -> None:
        try:
            results.append(services.model_save(KIND, _files()).version)
        finally:
            connection.close()

    threads = [threading.Thread(target=save) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [1, 2]
