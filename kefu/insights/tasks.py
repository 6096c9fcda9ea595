"""Scheduled insight work (django-q2 tasks): retrain the complaint classifier, refresh the summaries."""

from __future__ import annotations


def retrain_classifier() -> str:
    from kefu.insights.classifier import retrain_job

    return retrain_job()
