"""Scheduled training work: close exams past their deadline and sparring sessions left silent.

Pages close them lazily when opened; this sweep closes the ones nobody opens again, so the
dashboard shows every timed-out exam and every silent trainee's session as ended.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from kefu.training import services
from kefu.training.models import ExamAttempt

# The schedule's name on the status page (kefu/jobs/schedules.py says the same words).
LABEL = gettext_lazy("Training: close timed-out exams and silent sparring sessions")


def close_expired() -> dict[str, int]:
    now = timezone.now()
    exams = 0
    for attempt in ExamAttempt.objects.filter(state=ExamAttempt.State.OPEN, deadline_at__lt=now):
        if services.attempt_expire_if_due(attempt, now=now).state == ExamAttempt.State.EXPIRED:
            exams += 1
    return {"exams": exams, "sessions": services.sessions_expire_idle(now=now)}
