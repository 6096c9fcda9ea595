"""The insight API (figures, retention queue) and the background jobs that keep the summaries fresh."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.complaints.models import Complaint
from kefu.complaints.tests.api_client import Api
from kefu.insights import tasks
from kefu.insights.models import ComplaintStat, SummaryRun
from kefu.jobs.models import Job
from kefu.jobs.schedules import SCHEDULES

pytestmark = pytest.mark.django_db


def _complaints(cast, n: int = 3) -> None:  # type: ignore[no-untyped-def]
    Complaint.objects.bulk_create(Complaint(complainant_name="客户", channel="hotline", created_by=cast["agent"],
                                            subject="s", content="c", cause="attitude", cause_category="service")
                                  for _ in range(n))


def test_the_scheduled_refresh_rebuilds_the_summary(cast) -> None:  # type: ignore[no-untyped-def]
    _complaints(cast)
    assert "complaints" in tasks.refresh_summaries()
    assert ComplaintStat.objects.filter(dim="cause", value="attitude").get().n == 3
    assert SummaryRun.objects.filter(name="complaints").exists()
    names = {p.func for p in SCHEDULES}
    assert {"kefu.insights.tasks.refresh_summaries", "kefu.insights.tasks.retrain_classifier",
            "kefu.insights.tasks.refresh_churn"} <= names


def test_a_manager_starts_a_rebuild_from_the_dashboard(cast, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["manager"])
    assert client.post(reverse("insights:refresh")).status_code == 302
    assert Job.objects.filter(kind="insights-refresh").exists()


def test_the_api_gives_the_figures_of_a_dimension(cast) -> None:  # type: ignore[no-untyped-def]
    _complaints(cast)
    tasks.refresh_summaries()
    response = Api(cast["manager"]).get("/insights/complaints", dimension="cause")
    assert response.status_code == 200
    body = response.json()
    assert body["rows"][0]["value"] == "attitude" and body["rows"][0]["complaints"] == 3
    assert body["refreshed_at"]


@pytest.mark.parametrize("params,field", [
    ({"dimension": "password"}, "dimension"),
    ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"),
    ({"date_from": "1700-01-01"}, "date_from"),
])
def test_the_api_answers_bad_input_with_422_naming_the_field(cast, params: dict[str, str], field: str) -> None:  # type: ignore[no-untyped-def]
    response = Api(cast["manager"]).get("/insights/complaints", **params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_the_api_refuses_those_without_the_right(cast) -> None:  # type: ignore[no-untyped-def]
    assert Api(cast["agent"]).get("/insights/complaints").status_code == 403
    assert Api(cast["agent"]).get("/insights/retention").status_code == 403
    assert Api(cast["manager"]).get("/insights/retention").status_code == 200
