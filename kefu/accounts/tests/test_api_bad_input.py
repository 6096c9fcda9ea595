"""Input a client can send that once crashed the API (5xx) now gets a 4xx in the API's error format."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kefu.complaints.models import Complaint
from kefu.complaints.tests.api_client import BASE, Api
from kefu.customers.models import Contact

pytestmark = pytest.mark.django_db

CONTACT = {"channel": "hotline", "category": "consult", "summary": "咨询话费"}
COMPLAINT = {"channel": "hotline", "complainant_name": "张伟", "complainant_phone": "13812345678",
             "subject": "话费多扣", "content": "本月话费多扣五十元"}


def _raw_post(api: Api, path: str, body: str):  # type: ignore[no-untyped-def]
    return api.client.post(BASE + path, body, content_type="application/json")


def _assert_json_error(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    return body


@pytest.mark.parametrize("depth", [500, 5000, 100_000])
def test_deeply_nested_json_is_a_400_not_a_crash(cast, depth):
    api = Api(cast["agent"])
    nested = "[" * depth + "]" * depth
    body = _raw_post(api, "/contacts", '{"channel": "hotline", "x": ' + nested + "}")
    assert "嵌套" in _assert_json_error(body, 400)["detail"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [("/contacts", CONTACT, "detail"), ("/complaints", COMPLAINT, "content")],
)
def test_a_lone_surrogate_in_text_is_a_422(cast, path, payload, field):
    api = Api(cast["agent"])
    body = json.dumps({**payload, field: "\ud800x"})  # json.dumps writes the escape \\ud800
    assert "\\ud800" in body
    _assert_json_error(_raw_post(api, path, body), 422)
    assert not Contact.objects.exists() and not Complaint.objects.exists()


def test_a_lone_surrogate_in_knowledge_text_is_a_422(cast):
    api = Api(cast["supervisor"])
    body = json.dumps({"turns": [{"speaker": "customer", "text": "\udfff你好"}]})
    _assert_json_error(_raw_post(api, "/knowledge/assist", body), 422)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/contacts", {"date_to": "9999-12-31"}),
        ("/contacts", {"date_from": "0001-01-01"}),
        ("/knowledge/greeting", {"at": "9999-12-31T23:59:59Z"}),
    ],
)
def test_extreme_dates_in_queries_are_a_422(cast, path, params):
    response = Api(cast["supervisor"]).get(path, **params)
    body = _assert_json_error(response, 422)
    assert "1900-01-01" in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [("/contacts", CONTACT, "occurred_at"), ("/complaints", COMPLAINT, "received_at")],
)
def test_extreme_datetimes_in_bodies_are_a_422(cast, path, payload, field):
    api = Api(cast["agent"])
    for value in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        _assert_json_error(api.post(path, {**payload, field: value}), 422)
    assert not Contact.objects.exists() and not Complaint.objects.exists()


def test_an_extreme_date_on_the_html_contact_list_is_a_form_error(client, cast):
    client.force_login(cast["supervisor"])
    response = client.get(reverse("contacts:list"), {"date_to": "9999-12-31", "date_from": "0001-01-01"})
    assert response.status_code == 200
    assert "1900-01-01" in response.content.decode()


def test_a_body_over_the_size_limit_is_a_json_413(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    api = Api(cast["agent"])
    response = api.post("/contacts", {**CONTACT, "detail": "长" * 20_000})
    assert "过大" in _assert_json_error(response, 413)["detail"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("path", "payload", "field", "size"),
    [("/contacts", CONTACT, "detail", 100_000), ("/complaints", COMPLAINT, "content", 140_000)],
)
def test_overlong_text_is_refused_with_a_message_not_truncated(cast, path, payload, field, size):
    response = Api(cast["agent"]).post(path, {**payload, field: "长" * size})
    body = _assert_json_error(response, 422)
    assert field in body["errors"] and "10000" in body["errors"][field]
    assert not Contact.objects.exists() and not Complaint.objects.exists()


def test_the_openapi_document_declares_400_413_and_429(client):
    spec = client.get(BASE + "/openapi.json").json()
    operation = spec["paths"][BASE + "/contacts"]["post"]
    assert {"400", "413", "429"} <= set(operation["responses"])


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_the_body_is_checked_whatever_content_type_it_claims(cast, content_type):
    api = Api(cast["agent"])
    for text in ("\\u0000", "\\ud800"):
        body = '{"channel": "hotline", "category": "consult", "summary": "咨询", "detail": "a' + text + 'b"}'
        response = api.client.post(BASE + "/contacts", body, content_type=content_type)
        _assert_json_error(response, 422)
    assert not Contact.objects.exists()


@pytest.mark.parametrize(("path", "payload", "field"), [("/contacts", CONTACT, "occurred_at"),
                                                         ("/complaints", COMPLAINT, "received_at")])
def test_a_time_without_an_offset_is_local_time_not_a_crash(cast, path, payload, field):
    response = Api(cast["agent"]).post(path, {**payload, field: "2026-01-05T10:00:00"})
    assert response.status_code == 201, response.content[:300]
