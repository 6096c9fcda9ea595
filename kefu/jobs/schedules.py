"""The periodic work of a Kefu installation, kept as django-q2 schedules (created idempotently)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    minutes: int
    label: str | Promise


SCHEDULES: tuple[Periodic, ...] = (
    Periodic("heartbeat", "kefu.jobs.tasks.heartbeat", 1, _("Scheduler heartbeat")),
    Periodic("sla-sweep", "kefu.complaints.tasks.sla_sweep", 1, _("SLA sweep: flag overdue steps, send reminders")),
    Periodic("search-reconcile", "kefu.search.tasks.reconcile", 10, _("Search index check: index missing records")),
    Periodic("jobs-requeue", "kefu.jobs.tasks.requeue_waiting", 2, _("Queue again the jobs still waiting")),
    Periodic("qa-sample", "kefu.quality.tasks.sample", 60, _("QA sampling: fill the review queues")),
    Periodic("qa-close", "kefu.quality.tasks.close_expired", 60, _("QA: close reviews whose appeal window passed")),
    Periodic("complaint-classifier", "kefu.insights.tasks.retrain_classifier", 1440,
             _("Complaint classifier: learn again from the classified complaints")),
    Periodic("insights-summary", "kefu.insights.tasks.refresh_summaries", 15,
             _("Reports: rebuild the complaint and contact summaries")),
    Periodic("churn-risk", "kefu.insights.tasks.refresh_churn", 60, _("Churn risk: score the customers again")),
    Periodic("surveys-send", "kefu.surveys.tasks.send_due", 5, _("Surveys: send due links and reminders")),
    Periodic("surveys-rollup", "kefu.surveys.tasks.rollup", 10, _("Surveys: refresh the dashboard's summary table")),
    Periodic("onsite-remind", "kefu.fieldservice.tasks.remind", 5,
             _("On-site: remind technicians before a visit, flag overdue confirming calls")),
    Periodic("training-close", "kefu.training.tasks.close_expired", 5,
             _("Training: close timed-out exams and silent sparring sessions")),
)

LABELS: dict[str, str | Promise] = {p.name: p.label for p in SCHEDULES} | {p.func: p.label for p in SCHEDULES}
TASK_LABELS: dict[str, str | Promise] = {
    "kefu.jobs.tasks.run_job": _("Background job"),
    "kefu.notifications.tasks.send_email": _("Notification e-mail"),
}


def label(name_or_func: str) -> str | Promise:
    """What a schedule or task is, in words (never the dotted path)."""
    return LABELS.get(name_or_func) or TASK_LABELS.get(name_or_func) or _("Other task")


def ensure_schedules() -> int:
    """Create or update every schedule by name; return how many were created."""
    from django_q.models import Schedule

    created = 0
    for periodic in SCHEDULES:
        _, was_created = Schedule.objects.update_or_create(
            name=periodic.name,
            defaults={
                "func": periodic.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": periodic.minutes,
                "repeats": -1,
            },
        )
        created += was_created
    return created


def on_migrate(**kwargs: Any) -> None:
    from django.db import connection

    if "django_q_schedule" in connection.introspection.table_names():
        ensure_schedules()
