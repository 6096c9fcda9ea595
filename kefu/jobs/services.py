"""Start, run and watch background jobs; record the scheduler's heartbeat."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.jobs import queue, registry
from kefu.jobs.models import Heartbeat, Job
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.lib.masking import mask_numbers_in

log = logging.getLogger(__name__)

# A running job that has not reported progress for this long is taken to be dead (its worker was killed).
STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
RUN_TASK = "kefu.jobs.tasks.run_job"


@transaction.atomic
def job_start(*, actor: User, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Record a job and queue it after the commit; the page can show it at once."""
    found = registry.get(kind)
    if found is None:
        raise InvalidInput(_("Unknown kind of job."))
    if not actor.can(found.cap):  # type: ignore[arg-type]
        raise NotAllowed(_("You are not allowed to do this."))
    job = Job.objects.create(kind=kind, params=params or {}, created_by=actor, message=_("Waiting for a worker…"))
    queue.enqueue(RUN_TASK, job.pk)
    return job


def _claim(job_id: int) -> Job | None:
    """Take the job for this run: queued, or running but silent too long (its worker died). One winner."""
    now = timezone.now()
    due = Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    claimable = (Q(state=Job.State.QUEUED) & due) | Q(state=Job.State.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    claimed = (
        Job.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS)
        .update(state=Job.State.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1, error="")
    )
    return Job.objects.get(pk=job_id) if claimed else None


def job_run(job_id: int) -> None:
    """Run a claimed job, reporting progress; a failure is recorded with its reason (the task does not raise)."""
    job = _claim(job_id)
    if job is None:
        return  # done already, running elsewhere, or out of attempts: nothing to do
    kind = registry.get(job.kind)
    if kind is None:
        _finish(job, Job.State.FAILED, error=_("Unknown kind of job."))
        return

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=job.pk).update(done=done, total=total, heartbeat_at=timezone.now(), message="")

    try:
        message = kind.run(job.params, progress)
    except Exception as exc:  # every failure is reported on the job page
        log.exception("job %s failed (attempt %d)", job, job.attempts)
        # An exception may quote the input it choked on: the job page must not show a number whole.
        reason = mask_numbers_in(f"{type(exc).__name__}: {exc}")
        if job.attempts < MAX_ATTEMPTS:
            _retry_later(job, reason)
        else:
            _finish(job, Job.State.FAILED, error=reason, detail=mask_numbers_in(traceback.format_exc()))
        return
    _finish(job, Job.State.DONE, message=message)


def backoff(attempts: int) -> timedelta:
    """Wait 1, 4, 16 … minutes before the next attempt."""
    return timedelta(minutes=4 ** max(0, attempts - 1))


def _retry_later(job: Job, reason: str) -> None:
    """Put a failed job back in the queue after a backoff; the reason stays visible meanwhile."""
    wait = backoff(job.attempts)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.QUEUED, error=reason, retry_at=timezone.now() + wait,
        message=_("Attempt %(n)d failed; trying again in %(minutes)d minutes.")
        % {"n": job.attempts, "minutes": int(wait.total_seconds() // 60)},
    )


def _finish(job: Job, state: str, *, message: str = "", error: str = "", detail: str = "") -> None:
    fields: dict[str, Any] = {
        "state": state, "finished_at": timezone.now(), "message": message[:300], "details": message,
        "problems": getattr(message, "problems", 0),
    }
    if error:
        fields["error"] = error + ("\n\n" + detail if detail else "")
    if state == Job.State.DONE:
        fields["done"] = F("total")
    Job.objects.filter(pk=job.pk).update(**fields)


def requeue_waiting(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Push again the jobs still waiting after ``older_than`` (their first push found the broker down)."""
    now = timezone.now()
    cutoff = now - older_than
    waiting = Q(state=Job.State.QUEUED, retry_at__isnull=True, created_at__lt=cutoff) | Q(
        state=Job.State.QUEUED, retry_at__lte=now
    ) | Q(
        state=Job.State.RUNNING, heartbeat_at__lt=timezone.now() - STALE_AFTER, attempts__lt=MAX_ATTEMPTS
    )
    ids = list(Job.objects.filter(waiting).values_list("pk", flat=True)[:500])
    for pk in ids:
        queue.push_now(RUN_TASK, pk)
    return len(ids)


def beat(name: str = "scheduler") -> None:
    """Record that ``name`` is alive now (read by /healthz)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
