"""Reading model files without pickle: JSON, and numpy ``.npy``/``.npz`` with ``allow_pickle=False``.

Django-free, so the pure engine and the command line can use the same checks.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

SUFFIXES = (".json", ".npy", ".npz")
MAX_FILE_BYTES = 256 * 1024 * 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")


class UnsafeModelFile(ValueError):
    """A file that is not stored or loaded: the message says which and why."""


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise UnsafeModelFile(f"{name!r}: a file name is letters, digits, '_', '-', '.' (no folders)")
    if not name.endswith(SUFFIXES):
        raise UnsafeModelFile(f"{name}: only {', '.join(SUFFIXES)} files are stored (no pickle)")
    return name


def read_json(name: str, data: bytes) -> Any:
    try:
        return json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnsafeModelFile(f"{name}: not JSON ({exc})") from None


def read_npy(name: str, data: bytes) -> npt.NDArray[Any]:
    try:
        array = np.load(io.BytesIO(bytes(data)), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:  # object arrays need pickle: refused here
        raise UnsafeModelFile(f"{name}: not a numpy array without pickle ({exc})") from None
    if not isinstance(array, np.ndarray):
        raise UnsafeModelFile(f"{name}: not a single numpy array")
    return array


def read_npz(name: str, data: bytes) -> dict[str, npt.NDArray[Any]]:
    try:
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as npz:
            return {key: np.array(npz[key]) for key in npz.files}
    except (ValueError, OSError, EOFError, AttributeError) as exc:
        raise UnsafeModelFile(f"{name}: not numpy arrays without pickle ({exc})") from None


def check_files(files: Mapping[str, bytes]) -> None:
    """Refuse any file that is not of a safe format or cannot be read back without pickle."""
    if not files:
        raise UnsafeModelFile("a model needs at least one file")
    for name, data in files.items():
        check_name(name)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise UnsafeModelFile(f"{name}: bytes expected, got {type(data).__name__}")
        if len(data) > MAX_FILE_BYTES:
            raise UnsafeModelFile(f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        if name.endswith(".json"):
            read_json(name, data)
        elif name.endswith(".npy"):
            read_npy(name, data)
        else:
            read_npz(name, data)


def npz_bytes(**arrays: npt.ArrayLike) -> bytes:
    """Arrays as ``.npz`` bytes (for :func:`kefu.learning.services.model_save`)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def npy_bytes(array: npt.ArrayLike) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
