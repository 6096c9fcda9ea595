"""Finished service, announced without importing who listens.

A contact logged, a complaint closed, an on-site work order finished: each is a
moment after which a customer may be asked how it went (surveys) or a follow-up
is due. The writer calls :func:`finished` inside its transaction; listeners
(subscribed at start-up) decide what to do, usually with ``transaction.on_commit``
so nothing happens for a write that rolls back. Imports point down: surveys
subscribe to contacts and complaints, not the other way round.
"""

from __future__ import annotations

from collections.abc import Callable

CONTACT = "contact"
COMPLAINT = "complaint"
WORK_ORDER = "work_order"

Listener = Callable[[str, int], None]

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call ``listener(kind, pk)`` whenever a service of ``kind`` finishes (a listener is added once)."""
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def finished(kind: str, pk: int | None) -> None:
    """Service ``kind`` ``pk`` has just finished; listeners run now, in the caller's transaction."""
    if pk is None:
        return
    for listener in list(_listeners):
        listener(kind, pk)
