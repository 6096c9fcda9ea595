"""A request the API cannot accept is explained in Chinese, field by field, never in pydantic's English."""

from __future__ import annotations

import re

import pytest

from kefu.complaints.tests.api_client import BASE, Api

pytestmark = pytest.mark.django_db

COMPLAINT = {"channel": "hotline", "complainant_name": "张伟", "complainant_phone": "13812345678",
             "subject": "话费多扣", "content": "本月话费多扣五十元"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _english_words(text: str, *allowed: str) -> list[str]:
    """Runs of three or more ASCII letters that are not field names, choice values or formats."""
    for word in allowed:
        text = text.replace(word, "")
    return re.findall(r"[A-Za-z]{3,}", text)


def _complaint(cast) -> int:  # type: ignore[no-untyped-def]
    response = Api(cast["agent"]).post("/complaints", COMPLAINT)
    assert response.status_code == 201
    return int(response.json()["id"])


def test_a_version_that_is_not_a_number_is_explained_in_chinese_with_the_field_path(cast):
    pk = _complaint(cast)
    response = Api(cast["handler"]).post(f"/complaints/{pk}/accept", {"expected_version": "latest"})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {"expected_version": "请输入整数。"}
    assert body["detail"] == "请更正下列错误。（expected_version：请输入整数）"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"subject": ["宽带"]}, "subject", "请输入文字。"),
        ({"complainant_name": 5}, "complainant_name", "请输入文字。"),
        ({"received_at": "yesterday"}, "received_at", "请输入日期和时间，例如 2026-01-31T09:30:00+08:00。"),
        ({"channel": "carrier-pigeon"}, "channel", "请从以下值中选择：hotline、counter、"),
    ],
)
def test_each_field_gets_a_chinese_message(cast, change, field, message):
    response = Api(cast["agent"]).post("/complaints", {**COMPLAINT, **change})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {field}
    assert errors[field].startswith(message) and errors[field].endswith("。")


def test_missing_fields_are_each_named_and_the_summary_has_no_english(cast):
    response = Api(cast["agent"]).post("/complaints", {"channel": "hotline"})
    body = response.json()
    assert response.status_code == 422
    assert body["errors"] == {"complainant_name": "此项为必填项。", "subject": "此项为必填项。", "content": "此项为必填项。"}
    assert _english_words(body["detail"], "complainant_name", "subject", "content") == []


def test_a_bad_query_parameter_lists_the_choices_without_english(cast):
    response = Api(cast["agent"]).get("/complaints", state="nope")
    body = response.json()
    assert response.status_code == 422 and CJK.search(body["errors"]["state"])
    assert _english_words(body["detail"], "state", "followed_up", "pending_approval", "recorded", "accepted",
                          "assigned", "analysed", "approved", "implemented", "closed") == []


def test_a_body_that_is_not_json_is_a_chinese_400(cast):
    api = Api(cast["agent"])
    response = api.client.post(BASE + "/complaints", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "无法读取请求体，请发送有效的 JSON。"}


def test_kefus_own_chinese_messages_pass_through(cast):
    response = Api(cast["supervisor"]).get("/contacts", date_to="9999-12-31")
    assert response.status_code == 422
    assert response.json()["errors"] == {"date_to": "请输入 1900-01-01 至 2100-12-31 之间的日期。"}
