"""Reading learned models; loading their files never unpickles."""

from __future__ import annotations

from typing import Any

import numpy.typing as npt
from django.db.models import QuerySet

from kefu.learning.models import LearnedModel, ModelFile
from kefu.learning.safe import check_name, read_json, read_npy, read_npz


def active_model(kind: str) -> LearnedModel | None:
    return LearnedModel.objects.filter(kind=kind, active=True).select_related("created_by").first()


def model_versions(kind: str) -> QuerySet[LearnedModel]:
    """Every stored version of ``kind``, newest first (files not loaded)."""
    return LearnedModel.objects.filter(kind=kind).select_related("created_by").order_by("-version")


def model_get(kind: str, version: int) -> LearnedModel | None:
    return LearnedModel.objects.filter(kind=kind, version=version).first()


def model_files(model: LearnedModel) -> dict[str, bytes]:
    """The raw bytes of every file of ``model`` (by name)."""
    return {name: bytes(data) for name, data in ModelFile.objects.filter(model=model).values_list("name", "data")}


def _file(model: LearnedModel, name: str) -> bytes:
    check_name(name)
    data = ModelFile.objects.filter(model=model, name=name).values_list("data", flat=True).first()
    if data is None:
        raise KeyError(f"{model}: no file {name}")
    return bytes(data)


def load_json(model: LearnedModel, name: str) -> Any:
    return read_json(name, _file(model, name))


def load_array(model: LearnedModel, name: str) -> npt.NDArray[Any]:
    """A ``.npy`` file, read with ``allow_pickle=False``."""
    return read_npy(name, _file(model, name))


def load_arrays(model: LearnedModel, name: str) -> dict[str, npt.NDArray[Any]]:
    """A ``.npz`` file's arrays, read with ``allow_pickle=False``."""
    return read_npz(name, _file(model, name))


def load(model: LearnedModel) -> dict[str, Any]:
    """Every file decoded: JSON → its value, ``.npy`` → an array, ``.npz`` → a dict of arrays."""
    out: dict[str, Any] = {}
    for name, data in model_files(model).items():
        if name.endswith(".json"):
            out[name] = read_json(name, data)
        elif name.endswith(".npy"):
            out[name] = read_npy(name, data)
        else:
            out[name] = read_npz(name, data)
    return out
