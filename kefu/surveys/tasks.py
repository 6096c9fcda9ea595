"""Background work of the survey app: the scheduled send (every few minutes) and the same as a job."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.jobs.registry import Progress
from kefu.surveys import services

# The schedule's label lives in kefu/jobs/schedules.py; its Chinese is in this app's catalogue.
SCHEDULE_LABEL = gettext_lazy("Surveys: send due links and reminders")


def send_due() -> str:
    """Scheduled (kefu/jobs/schedules.py): send the surveys that are due, remind once, expire old links."""
    report = services.surveys_send_due()
    return f"sent={report.sent} reminded={report.reminded} expired={report.expired}"


# The schedule's label for the summary table's refresh.
ROLLUP_LABEL = gettext_lazy("Surveys: refresh the dashboard's summary table")


def rollup() -> str:
    """Scheduled (kefu/jobs/schedules.py): recompute the dashboard's summary of recent days."""
    from kefu.surveys import rollup as summary_table

    return f"rows={summary_table.refresh()}"


def send_job(params: dict[str, Any], progress: Progress) -> str:
    progress(0, 1)
    report = services.surveys_send_due()
    progress(1, 1)
    return _("%(sent)d sent, %(reminded)d reminded, %(expired)d expired.") % {
        "sent": report.sent, "reminded": report.reminded, "expired": report.expired}
