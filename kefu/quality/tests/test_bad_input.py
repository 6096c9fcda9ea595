"""Bad input to the quality import, pages and API is told back by field or line, never a server error."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kefu.complaints.tests.api_client import Api
from kefu.jobs import services as jobs
from kefu.jobs.models import Job
from kefu.lib.errors import InvalidInput
from kefu.quality import formats, reviews, services
from kefu.quality.models import Conversation, Review
from kefu.quality.tests.test_import_and_score import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(cast):
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD))])
    reviews.sample()
    review = Review.objects.get(conversation__source_id="CALL-001")
    return reviews.review_claim(review=review, actor=cast["qa"])


@pytest.mark.parametrize("when", ["2026-02-30T10:00:00", "2026-13-01T10:00:00+08:00", "0001-01-01T00:00:00"])
def test_an_impossible_start_time_is_a_field_error(cast, when):
    report = services.conversations_import(actor=cast["qa"], items=[(1, {**GOOD, "started_at": when})])
    assert report.created == 0 and report.errors[0][1].startswith("started_at: ")
    response = Api(cast["qa"]).post("/quality/conversations", {**GOOD, "started_at": when})
    assert response.status_code == 422 and "started_at" in response.json()["errors"]
    assert not Conversation.objects.exists()


def test_a_json_line_nested_too_deeply_or_with_a_huge_number_is_named_and_the_rest_imported(cast):
    data = "\n".join([json.dumps(GOOD, ensure_ascii=False), "[" * 100_000 + "]" * 100_000, '{"id": ' + "9" * 5000 + "}"])
    report = services.conversations_import(actor=cast["qa"], items=formats.read_jsonl(data.encode()))
    assert report.created == 1
    assert dict(report.errors) == {2: "不是有效的 JSON：数字过长或嵌套过深。", 3: "不是有效的 JSON：数字过长或嵌套过深。"}
    bulk = Api(cast["qa"]).client.post(
        "/api/v1/quality/conversations/bulk", '{"id": ' + "9" * 5000 + "}", content_type="application/x-ndjson"
    )
    assert bulk.status_code == 200 and bulk.json()["errors"] == [{"line": 1, "error": "不是有效的 JSON：数字过长或嵌套过深。"}]


def test_an_upload_with_a_csv_field_over_the_csv_limit_is_refused_naming_the_line(client, cast):
    client.force_login(cast["qa"])
    rows = "conversation_id,speaker,text\nC1,agent,您好\nC1,customer,\"" + "断" * 140_000 + "\"\n"
    upload = SimpleUploadedFile("calls.csv", rows.encode())
    response = client.post(reverse("quality:upload"), {"file": upload, "format": "csv"})
    assert response.status_code == 422 and "第 3 行无法按 CSV 读取。" in response.content.decode()
    assert not Job.objects.exists()


def test_numbers_quoted_from_an_uploaded_file_are_masked_in_the_job_result(client, cast):
    client.force_login(cast["qa"])
    log = "[10:00:01] 客服小王: 您好\n[10:00:05] 13812345678: 我要投诉\n".encode()
    client.post(reverse("quality:upload"), {"file": SimpleUploadedFile("chat.txt", log), "format": "chat"})
    job = Job.objects.get()
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert "138****5678" in job.details and "13812345678" not in job.details + job.message


@pytest.mark.parametrize("points", ["NaN", "sNaN", "Infinity"])
def test_a_manual_item_whose_points_are_not_a_number_is_refused(cast, claimed, points):
    with pytest.raises(InvalidInput) as refused:
        reviews.review_submit(review=claimed, actor=cast["qa"], decisions={},
                              manual=[{"title": "未核实身份", "points": points}])
    assert "manual_0" in refused.value.errors


def test_a_review_takes_at_most_ten_manual_items(cast, claimed):
    many = [{"title": f"扣分{i}", "points": 1} for i in range(10_000)]
    with pytest.raises(InvalidInput) as refused:
        reviews.review_submit(review=claimed, actor=cast["qa"], decisions={}, manual=many)
    assert refused.value.errors["manual"] == "人工扣分项最多 10 条。"
    assert Review.objects.get(pk=claimed.pk).state == "in_review"


@pytest.mark.parametrize("appeal", ["abc", "²", "9" * 30])
def test_a_ruling_on_an_appeal_id_that_is_not_a_number_is_not_found(client, cast, claimed, appeal):
    client.force_login(cast["manager"])
    url = reverse("quality:act", args=[claimed.conversation_id, "rule"])
    assert client.post(url, {"appeal": appeal, "ruling": "uphold", "comment": "维持"}).status_code == 404


@pytest.mark.parametrize("agent", ["²", "9" * 30, "-1"])
def test_the_report_ignores_an_agent_id_that_is_not_a_number(client, cast, agent):
    client.force_login(cast["qa"])
    assert client.get(reverse("quality:report"), {"agent": agent}).status_code == 200


def test_a_calibration_session_with_ids_that_are_not_numbers_is_refused_with_the_fields(client, cast):
    client.force_login(cast["manager"])
    response = client.post(reverse("quality:calibration:new"),
                           {"title": "校准", "conversations": ["²", "9" * 30], "inspectors": ["³"]})
    assert response.status_code == 422


def test_an_import_job_started_without_a_file_ends_at_once_without_a_traceback(client, cast):
    client.force_login(cast["qa"])
    client.post(reverse("jobs:start", args=["quality-import"]))
    job = Job.objects.get()
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.error, job.attempts) == ("done", "", 1)


@pytest.mark.parametrize("start", ["2026-13-45", "2026-02-31", "0001-01-01", "9999-12-31"])
def test_a_re_score_of_an_impossible_period_is_refused_without_a_job(cast, start):
    client = Client(raise_request_exception=False)
    client.force_login(cast["manager"])
    answer = client.post(reverse("quality:start_job", args=["rescore"]), {"start": start, "end": "2026-11-30"})
    assert answer.status_code == 302 and not Job.objects.filter(kind="quality-rescore").exists()


def test_a_file_of_which_nothing_imports_says_what_to_check_and_lists_lines_cleanly(client, cast):
    client.force_login(cast["qa"])
    log = "[10:00:01] 客服小王: 您好\n[10:00:05] 客户: 我要投诉\n".encode()  # a chat log sent as JSON lines
    client.post(reverse("quality:upload"), {"file": SimpleUploadedFile("chat.txt", log), "format": "jsonl"})
    job = Job.objects.get()
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert "请确认所选格式与文件一致" in job.details
    assert "。；" not in job.details and "第 2 行：不是有效的 JSON" in job.details


def test_a_refused_upload_keeps_the_format_and_names_chosen(client, cast):
    client.force_login(cast["qa"])
    upload = SimpleUploadedFile("calls.csv", b"a,b\n1,2\n")
    response = client.post(reverse("quality:upload"),
                           {"file": upload, "format": "csv", "conv_id": "W-9", "agent_names": "小王,小李"})
    page = response.content.decode()
    assert response.status_code == 422 and "缺少列" in page
    assert '<option value="csv" selected>' in page and 'value="W-9"' in page and 'value="小王,小李"' in page
