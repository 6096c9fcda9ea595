"""The staff pages: who may open them, what they show, bad periods, exports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.surveys import services
from kefu.surveys.models import Rule
from kefu.surveys.tests.conftest import sent_survey

PAGES = ["surveys:index", "surveys:tasks", "surveys:servqual", "surveys:gaps", "surveys:sla_evidence"]
MANAGE = ["surveys:rules", "surveys:rule_new", "surveys:management"]


def login(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PAGES + MANAGE)
def test_a_manager_opens_every_survey_page(client, cast, name):
    assert login(client, cast["manager"]).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_a_supervisor_reads_the_reports(client, cast, name):
    assert login(client, cast["supervisor"]).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", MANAGE)
def test_a_supervisor_may_not_change_rules_or_answer_for_management(client, cast, name):
    assert login(client, cast["supervisor"]).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES + MANAGE)
def test_an_agent_sees_no_survey_report(client, cast, name):
    assert login(client, cast["agent"]).get(reverse(name)).status_code == 403


def test_the_survey_pages_need_a_login(client):
    response = client.get(reverse("surveys:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_impossible_date_range_is_a_form_error_not_a_crash(client, cast):
    page = login(client, cast["manager"]).get(reverse("surveys:index"), {"start": "2026-05-01", "end": "2026-04-01"})
    body = page.content.decode()
    assert page.status_code == 200 and "结束日期早于开始日期" in body and "data-period-error" in body
    page = client.get(reverse("surveys:gaps"), {"start": "0001-01-01", "end": "9999-12-31"})
    assert page.status_code == 200 and "1900" in page.content.decode()
    assert client.get(reverse("surveys:index"), {"start": "yesterday"}).status_code == 200
    assert client.get(reverse("surveys:index"), {"start": "2026-05-01", "end": "2026-04-01",
                                                  "format": "csv"})["Content-Type"].startswith("text/html")


def test_the_dashboard_counts_answers_and_lists_the_low_one_with_its_contact(client, cast, customer, rule):
    services.survey_answer(survey=sent_survey(cast["agent"], customer, phone="13812345678"), csat=5, nps=10)
    low = services.survey_answer(survey=sent_survey(cast["agent"], phone="13900000009"), csat=1,
                                 reasons=["not_solved"], comment="没解决")
    sent_survey(cast["agent"], phone="13900000010")  # sent, not answered
    page = login(client, cast["manager"]).get(reverse("surveys:index"))
    body = page.content.decode()
    summary = page.context["summary"]
    assert (summary.sent, summary.answered, summary.csat, summary.low) == (3, 2, 3.0, 1)
    assert summary.response_rate == 66.7 and summary.nps == 100.0
    assert f'data-low-survey="{low.pk}"' in body and reverse("contacts:detail", args=[low.source_id]) in body
    assert "问题没有解决" in body and "王小丽" in body


def test_the_csv_export_streams_every_answer_with_numbers_masked(client, cast, customer, rule):
    services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=2, comment="=HYPERLINK(1)")
    response = login(client, cast["manager"]).get(reverse("surveys:index"), {"format": "csv"})
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "138****5678" in text and "13812345678" not in text and "'=HYPERLINK(1)" in text
    assert text.splitlines()[0].startswith("回访") or "满意度" in text.splitlines()[0]
    xlsx = client.get(reverse("surveys:index"), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_supervisor_records_the_call_back_on_the_survey_page(client, cast, customer, rule):
    survey = services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=1)
    login(client, cast["supervisor"])
    page = client.get(reverse("surveys:detail", args=[survey.pk]))
    assert "138****5678" in page.content.decode() and "13812345678" not in page.content.decode()
    client.post(reverse("surveys:task_close", args=[survey.task.pk]), {"note": "已回电，重新派单处理"})
    survey.task.refresh_from_db()
    assert survey.task.state == "done" and survey.task.done_by == cast["supervisor"]


def test_an_agent_may_not_open_a_survey_or_close_its_task(client, cast, customer, rule):
    survey = services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=1)
    login(client, cast["agent"])
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 404
    assert client.post(reverse("surveys:task_close", args=[survey.task.pk]), {"note": "x"}).status_code == 404


def test_a_manager_adds_the_recommended_rules_and_edits_one(client, cast):
    login(client, cast["manager"]).post(reverse("surveys:rules"), {"recommended": "1"})
    assert Rule.objects.count() == 4
    rule = Rule.objects.get(source_kind="contact", channel="")
    data = {"source_kind": "contact", "channel": "", "category": "", "enabled": "on", "sample_every": "0",
            "cooldown_days": "30", "delay_minutes": "30", "reminder_hours": "24", "expires_days": "7",
            "servqual_every": "0"}
    page = client.post(reverse("surveys:rule_edit", args=[rule.pk]), data)
    assert page.status_code == 200 and "请输入 1 到 1000 之间的整数" in page.content.decode()
    data["sample_every"] = "10"
    client.post(reverse("surveys:rule_edit", args=[rule.pk]), data)
    rule.refresh_from_db()
    assert rule.sample_every == 10 and rule.updated_by == cast["manager"]


def test_an_xlsx_export_too_big_to_build_points_to_the_streamed_csv(client, cast, customer, rule, monkeypatch):
    from kefu.surveys import views

    services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=4)
    monkeypatch.setattr(views, "XLSX_MAX_ROWS", 0)
    page = login(client, cast["manager"]).get(reverse("surveys:index"), {"format": "xlsx"})
    assert page["Content-Type"].startswith("text/html") and "请导出 CSV" in page.content.decode()


def test_a_number_the_customer_wrote_in_the_comment_is_masked_on_the_pages_and_in_the_export(client, cast, customer,
                                                                                            rule):
    survey = services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=1,
                                    comment="师傅没来，请打我老婆电话13987654321")
    login(client, cast["manager"])
    dashboard = client.get(reverse("surveys:index")).content.decode()
    detail = client.get(reverse("surveys:detail", args=[survey.pk])).content.decode()
    export = b"".join(client.get(reverse("surveys:index"), {"format": "csv"}).streaming_content).decode("utf-8-sig")
    for text in (dashboard, detail, export):
        assert "13987654321" not in text and "139****4321" in text
    survey.refresh_from_db()
    assert survey.comment.endswith("13987654321")  # stored as written; only what is shown is masked
