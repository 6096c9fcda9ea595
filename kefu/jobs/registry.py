"""Kinds of background job; apps register theirs at start-up (``AppConfig.ready``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

# run(params, progress) -> a short result message; progress(done, total) records how far it got.
Progress = Callable[[int, int], None]
Runner = Callable[[dict[str, Any], Progress], str]


@dataclass(frozen=True)
class JobKind:
    key: str
    title: str | Promise
    run: Runner
    cap: str  # the capability needed to start it


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    _KINDS[kind.key] = kind


def get(key: str) -> JobKind | None:
    return _KINDS.get(key)


def all_kinds() -> list[JobKind]:
    return list(_KINDS.values())
