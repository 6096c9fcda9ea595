"""Record writers tell the search index what changed, without importing the search app.

Imports point down: customers and complaints are records, search is built on
them. So the writers of records call :func:`changed` (inside their transaction,
so a record and its index row commit together) and the search app subscribes at
start-up. A record that no longer exists is forgotten by the subscriber.
Bulk writes (``bulk_create``, ``update``) must call it too, or be followed by
``kefu search reindex``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

CUSTOMER = "customer"
CONTACT = "contact"
COMPLAINT = "complaint"

Listener = Callable[[str, int], None]

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call ``listener(kind, pk)`` on every change (idempotent: a listener is added once)."""
    if listener not in _listeners:
        _listeners.append(listener)


def changed(kind: str, pk: int | None) -> None:
    """Record ``kind`` ``pk`` was created, changed or deleted; listeners run now, in the caller's transaction."""
    if pk is None:
        return
    for listener in _listeners:
        listener(kind, pk)


def changed_many(kind: str, pks: Iterable[int]) -> None:
    for pk in pks:
        changed(kind, pk)
