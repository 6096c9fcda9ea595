"""API authentication: tokens from ``kefu token``, the browser session with CSRF, and 401s."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from kefu.accounts.models import ApiToken
from kefu.complaints.tests.api_client import Api

pytestmark = pytest.mark.django_db


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


def test_a_token_from_the_command_line_authenticates_and_stops_working_once_revoked(cast):
    key = cli("create", "handler", "--name", "ticket system")
    me = Api(key=key).get("/me")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "handler" and body["full_name"] == "李建国" and body["role"] == "handler"
    assert body["department"]["code"] == "network" and "complaint_handle" in body["caps"]

    cli("revoke", ApiToken.objects.get().prefix)
    revoked = Api(key=key).get("/me")
    assert revoked.status_code == 401 and revoked.json()["detail"]


def test_requests_without_valid_credentials_get_401(cast):
    assert Api().get("/me").status_code == 401
    assert Api(key="kf_not-a-real-key").get("/complaints").status_code == 401
    response = Client(HTTP_AUTHORIZATION="Basic YWdlbnQ6cGFzczEyMzQ1").get("/api/v1/me")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert Api().post("/complaints", {"channel": "hotline"}).status_code == 401


def test_a_deactivated_users_token_is_refused(cast):
    api = Api(cast["agent"])
    cast["agent"].is_active = False
    cast["agent"].save()
    assert api.get("/me").status_code == 401


def test_the_browser_session_authenticates_reads(cast):
    client = Client()
    client.force_login(cast["supervisor"])
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["role"] == "supervisor"


def test_a_session_write_without_the_csrf_token_is_refused_and_writes_nothing(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["agent"])
    body = {"channel": "hotline", "complainant_name": "张伟", "subject": "断网", "content": "宽带断了"}
    response = client.post("/api/v1/complaints", json.dumps(body), content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not cast["agent"].complaints_recorded.exists()

    client.get("/api/v1/docs")  # any page that renders the token sets the cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/complaints", json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201 and cast["agent"].complaints_recorded.count() == 1


def test_a_bearer_token_needs_no_csrf_token(cast):
    api = Api(cast["agent"])
    api.client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=api.client.defaults["HTTP_AUTHORIZATION"])
    body = {"channel": "hotline", "complainant_name": "张伟", "subject": "断网", "content": "宽带断了"}
    assert api.post("/complaints", body).status_code == 201


def test_departments_and_handlers_list_who_can_take_an_assignment(cast, departments):
    api = Api(cast["supervisor"])
    assert {d["code"] for d in api.get("/departments").json()} == {"billing", "network"}  # not the front desk
    handlers = api.get("/handlers", department=departments["network"].pk).json()
    assert [h["username"] for h in handlers] == ["handler"]


def test_errors_are_chinese_by_default_and_english_on_request(cast, settings):
    api = Api(cast["agent"])
    chinese = api.get("/complaints/999")
    assert chinese.status_code == 404 and chinese.json()["detail"] == "未找到。"
    api.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the language switcher sets
    assert api.get("/complaints/999").json()["detail"] == "Not found."
