"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models


class DocumentField(models.JSONField):
    """A JSON document (a transcript, a scorecard): stored like JSONField.

    On PostgreSQL, Django 5.2 bulk-inserts rows through ``UNNEST`` of arrays, and psycopg escapes
    a large JSON document into an array literal character by character — for 1,000 scorecards that
    took seconds. Declaring a placeholder makes Django use plain multi-row ``VALUES`` for tables with
    such documents (measured in bench/bench_quality.py).
    """

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"
