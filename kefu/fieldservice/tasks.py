"""Task entry points (dotted paths for the workers and the scheduler)."""

from __future__ import annotations

from kefu.fieldservice import services
from kefu.jobs.services import beat


def remind() -> str:
    sent = services.remind_due()
    beat("onsite-remind")
    return f"reminded {sent}"
