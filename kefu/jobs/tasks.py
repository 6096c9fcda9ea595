"""Task entry points the workers import by dotted path. Thin: each calls one service."""

from __future__ import annotations

from kefu.jobs import services


def run_job(job_id: int) -> None:
    services.job_run(job_id)


def heartbeat() -> None:
    services.beat("scheduler")


def requeue_waiting() -> int:
    return services.requeue_waiting()
