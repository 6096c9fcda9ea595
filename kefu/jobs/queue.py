"""Hand work to the background workers: after the commit, never twice for one event, broker outages survived.

Tasks are thin (fetch the row, call a service) and idempotent: run twice, the second run
changes nothing. They are pushed in ``transaction.on_commit``, so a rolled-back request
enqueues nothing and a worker never looks for a row that is not committed yet.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def push_now(func: str, *args: Any, **kwargs: Any) -> bool:
    """Push a task to the broker now; False (logged) if the broker cannot be reached.

    A lost push is not lost work: the periodic sweeps (SLA, index reconciliation, queued jobs)
    find what it would have done.
    """
    from django_q.tasks import async_task

    try:
        async_task(func, *args, **kwargs)
    except Exception as exc:
        log.warning("task %s not queued: broker unavailable (%s); the periodic sweep will pick it up", func, exc)
        return False
    return True


def enqueue(func: str, *args: Any, **kwargs: Any) -> None:
    """Push a task once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: push_now(func, *args, **kwargs))
