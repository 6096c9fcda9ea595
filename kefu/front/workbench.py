"""The workbench (工作台): the page each user lands on, built from the apps' panels.

The front app does not know about complaints, training or work orders. Each app
registers a :class:`Panel` at start-up (``AppConfig.ready``); the workbench shows
the panels that apply to the signed-in user, in ``order``. A panel renders its own
HTML and answers its own htmx updates (pagination, tabs) — requests whose
``HX-Target`` is one of its ``targets``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.functional import Promise

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User


@dataclass(frozen=True)
class Shortcut:
    """A button in the workbench header (e.g. "Record a complaint", key n)."""

    label: str | Promise
    url: str
    key: str = ""


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    applies: Callable[[User], bool]
    render: Callable[[HtmxHttpRequest], str]  # the panel's HTML in the full page
    update: Callable[[HtmxHttpRequest], HttpResponse] | None = None  # its htmx fragment
    targets: frozenset[str] = field(default_factory=frozenset)  # HX-Target ids ``update`` answers
    shortcuts: Callable[[User], list[Shortcut]] = lambda user: []


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    """Add (or replace) a workbench panel; call from the owning app's ``ready``."""
    _PANELS[panel.key] = panel


def panels_for(user: User) -> list[Panel]:
    return sorted((p for p in _PANELS.values() if p.applies(user)), key=lambda p: (p.order, p.key))
