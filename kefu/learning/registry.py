"""Kinds of learned model; an app registers its kind in ``AppConfig.ready`` (as job kinds are)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class ModelKind:
    key: str  # e.g. "satisfaction", "complaint-classifier"
    title: str | Promise  # shown to people (Chinese through gettext_lazy)
    cap: str  # the capability a person needs to store or activate a version of it


_KINDS: dict[str, ModelKind] = {}


def register(kind: ModelKind) -> None:
    _KINDS[kind.key] = kind


def get(key: str) -> ModelKind | None:
    return _KINDS.get(key)


def all_kinds() -> list[ModelKind]:
    return list(_KINDS.values())
