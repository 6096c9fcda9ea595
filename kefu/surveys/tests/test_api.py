"""The survey API: figures for a period, permissions, impossible periods as 422 with the field."""

from __future__ import annotations

from kefu.accounts.services import token_create
from kefu.surveys import services
from kefu.surveys.tests.conftest import sent_survey


def _get(client, user, path, **params):  # type: ignore[no-untyped-def]
    _, key = token_create(user=user, name="t")
    return client.get(f"/api/v1/surveys{path}", params, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_supervisor_reads_the_summary(client, cast, customer, rule):
    services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=2)
    body = _get(client, cast["supervisor"], "/summary").json()
    assert (body["sent"], body["answered"], body["csat"], body["low"], body["open_follow_ups"]) == (1, 1, 2.0, 1, 1)


def test_an_agent_may_not_read_survey_reports(client, cast):
    assert _get(client, cast["agent"], "/summary").status_code == 403


def test_an_impossible_period_is_a_422_naming_the_field(client, cast):
    response = _get(client, cast["manager"], "/servqual", start="2026-05-01", end="2026-04-01")
    assert response.status_code == 422 and "query.end" in str(response.json())
    assert _get(client, cast["manager"], "/summary", start="not-a-date").status_code == 422


def test_the_servqual_report_lists_the_five_dimensions(client, cast):
    body = _get(client, cast["manager"], "/servqual").json()
    assert [d["title"] for d in body["dimensions"]] == ["可靠性", "保证性", "响应性", "移情性", "有形性"]
