"""A job's page (progress bar, polled while it runs) and the operators' status page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.roles import Cap
from kefu.front.shortcuts import forbidden
from kefu.jobs import registry, schedules, services
from kefu.jobs.models import Heartbeat, Job
from kefu.lib.errors import InvalidInput, NotAllowed


def _can_see(job: Job, request: HtmxHttpRequest) -> bool:
    return job.created_by_id == request.user.pk or request.user.can(Cap.ADMIN)


@login_required
@require_safe
def detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    job = Job.objects.filter(pk=pk).select_related("created_by").first()
    if job is None or not _can_see(job, request):
        raise Http404("no such job")
    kind = registry.get(job.kind)
    context = {"job": job, "title": kind.title if kind else job.kind}
    if request.htmx:
        return render(request, "jobs/detail.html#progress", context)
    return render(request, "jobs/detail.html", context)


@login_required
@require_POST
def start(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    try:
        job = services.job_start(actor=request.user, kind=kind)
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except InvalidInput as exc:
        raise Http404(exc.message) from exc
    return redirect("jobs:detail", pk=job.pk)


@login_required
@require_safe
def status(request: HtmxHttpRequest) -> HttpResponse:
    """For administrators: the scheduler's heartbeat, recent jobs, failures and stuck jobs, the schedules."""
    if not request.user.can(Cap.ADMIN):
        raise PermissionDenied
    from django_q.models import Failure, Schedule

    now = timezone.now()
    beat = Heartbeat.objects.filter(name="scheduler").first()
    context = {
        "beat": beat,
        "beat_age": (now - beat.at) if beat else None,
        "beat_ok": beat is not None and now - beat.at < timedelta(minutes=3),
        "jobs": Job.objects.select_related("created_by")[:30],
        "stuck": Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=now - services.STALE_AFTER).count(),
        "failures": [(schedules.label(f.func), f) for f in Failure.objects.order_by("-stopped")[:20]],
        "schedules": [(schedules.label(s.name), s) for s in Schedule.objects.order_by("name")],
        "kinds": registry.all_kinds(),
    }
    return render(request, "jobs/status.html", context)
