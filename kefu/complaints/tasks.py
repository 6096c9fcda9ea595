"""Task entry points (dotted paths for the workers and the scheduler)."""

from __future__ import annotations

from kefu.complaints import services
from kefu.jobs.services import beat


def sla_sweep() -> str:
    result = services.sla_flag_breaches()
    beat("sla-sweep")
    return f"flagged {result.flagged}, warned {result.warned}, notified {result.notified}"
