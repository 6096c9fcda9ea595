"""Kinds of background job; apps register theirs at start-up (``AppConfig.ready``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

# run(params, progress) -> a short result message; progress(done, total) records how far it got.
Progress = Callable[[int, int], None]
Runner = Callable[[dict[str, Any], Progress], str]


class WithProblems(str):
    """A result message of a job that ran to its end but left ``problems`` items undone (lines
    not imported): the job page shows it finished with problems, not plain done."""

    problems: int

    def __new__(cls, message: str, problems: int) -> WithProblems:
        result = super().__new__(cls, message)
        result.problems = max(0, int(problems))
        return result


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
