"""Scheduled insight work (django-q2 tasks): retrain the complaint classifier, refresh the summaries."""

from __future__ import annotations

from typing import Any

from kefu.jobs.registry import Progress


def retrain_classifier() -> str:
    from kefu.insights.classifier import retrain_job

    return retrain_job()


def refresh_summaries() -> str:
    from kefu.insights import summary

    counts = summary.refresh()
    return ", ".join(f"{name}: {n}" for name, n in counts.items())


def refresh_job(params: dict[str, Any], progress: Progress) -> str:
    """The same rebuild started by a person from the dashboard (a job with progress)."""
    progress(0, 1)
    message = refresh_summaries()
    progress(1, 1)
    return message


def refresh_churn() -> str:
    from kefu.insights import churn

    return f"churn risk: {churn.refresh()} customers"
