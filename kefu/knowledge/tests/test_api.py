"""``/api/v1/knowledge/…``: search, entries with versions and history, check/import, greeting, assist."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kefu.knowledge.models import KnowledgeRevision

pytestmark = pytest.mark.django_db
BASE = "/api/v1/knowledge"
NEW = {
    "id": "acme.deposit_refund",
    "kind": "script",
    "title": "押金退还口径",
    "cites": ["complaint.authority"],
    "tags": ["押金"],
    "situations": ["客户要求退光猫押金"],
    "text": "押金会在三个工作日内退回。",
    "example": "坐席：押金会在三个工作日内退回。",
}


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict) -> object:  # type: ignore[type-arg]
    return client.post(url, json.dumps(body), content_type="application/json")


def test_anonymous_callers_get_401() -> None:
    assert Client().get(f"{BASE}/entries?q=详单").status_code == 401


def test_search_returns_the_best_entry_first(cast) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["agent"]).get(f"{BASE}/entries", {"q": "要求查询一年之前的详单"})
    assert response.status_code == 200
    assert response.json()[0]["id"] == "reg.bill_retention"
    assert (
        _client(cast["agent"]).get(f"{BASE}/entries", {"q": "hfcx"}).json()[0]["id"] == "consult.bill_query"
    )


def test_entry_detail_and_404(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["agent"])
    body = client.get(f"{BASE}/entries/technique.3f").json()
    assert body["origin"] == "builtin" and "technique.3f" in body["entry"]["cites"]
    assert client.get(f"{BASE}/entries/no.such").status_code == 404


def test_create_edit_conflict_and_history(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["supervisor"])
    created = _post(client, f"{BASE}/entries", {"entry": NEW, "comment": "新口径"})
    assert created.status_code == 201 and created.json()["version"] == 1
    assert _post(client, f"{BASE}/entries", {"entry": NEW}).status_code == 409

    changed = {**NEW, "text": "押金会在五个工作日内退回。"}
    url = f"{BASE}/entries/acme.deposit_refund"
    ok = client.put(
        url, json.dumps({"entry": changed, "expected_version": 1}), content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.put(
        url, json.dumps({"entry": changed, "expected_version": 1}), content_type="application/json"
    )
    assert stale.status_code == 409
    history = client.get(f"{url}/history").json()
    assert [h["action"] for h in history] == ["edit", "create"]
    assert history[1]["comment"] == "新口径"


def test_agents_may_not_write(cast) -> None:  # type: ignore[no-untyped-def]
    assert _post(_client(cast["agent"]), f"{BASE}/entries", {"entry": NEW}).status_code == 403
    assert KnowledgeRevision.objects.count() == 0


def test_invalid_entries_get_422_with_the_field(cast) -> None:  # type: ignore[no-untyped-def]
    response = _post(
        _client(cast["supervisor"]), f"{BASE}/entries", {"entry": {**NEW, "cites": ["bogus.id"]}}
    )
    assert response.status_code == 422
    assert "cites" in response.json()["errors"]


def test_check_reports_problems_without_saving(cast) -> None:  # type: ignore[no-untyped-def]
    response = _post(_client(cast["agent"]), f"{BASE}/check", {"text": "- id: x\n  kind: script\n"})
    body = response.json()
    assert body["ok"] is False and any("标题" in p for p in body["problems"])
    assert not any("field" in p or "required" in p for p in body["problems"])


def test_greeting_fits_new_year(cast) -> None:  # type: ignore[no-untyped-def]
    body = (
        _client(cast["agent"])
        .get(f"{BASE}/greeting", {"at": "2026-02-17T09:00:00", "company": "鼓楼电信"})
        .json()
    )
    assert body["greeting"] == "新年好" and body["text"].startswith("您好，新年好！这里是鼓楼电信")


def test_stateless_assist(cast) -> None:  # type: ignore[no-untyped-def]
    body = {"turns": [{"speaker": "customer", "text": "号码停机超过90天被收回了？"}], "draft": "这不可能"}
    result = _post(_client(cast["agent"]), f"{BASE}/assist", body).json()
    assert result["facts"][0]["entry"] == "reg.number_ownership"
    assert result["warnings"][0]["risk"] == "argue"


def test_a_connected_system_posts_turns_to_a_session(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["agent"])
    session = _post(
        client, f"{BASE}/sessions", {"channel": "phone", "persona": "owl", "title": "来电"}
    ).json()
    url = f"{BASE}/sessions/{session['id']}"
    first = _post(client, f"{url}/turns", {"speaker": "customer", "text": "你们乱扣费，我要投诉！"}).json()
    assert first["turn"]["seq"] == 1
    assert first["assist"]["category"] == "complaint"
    assert first["assist"]["persona"]["entry"] == "persona.owl"
    draft = _post(client, f"{url}/draft", {"draft": "我保证马上全部退给您"}).json()
    assert draft["warnings"][0]["risk"] == "promise"
    assert len(client.get(url).json()["turns"]) == 1
    assert _client(cast["handler"]).get(url).status_code == 404


def test_a_known_customer_brings_the_observed_persona(cast, customer) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["agent"])
    session = _post(client, f"{BASE}/sessions", {"customer": customer.pk}).json()
    assert session["customer"] == customer.pk and session["title"] == "张伟"
    turn = _post(
        client, f"{BASE}/sessions/{session['id']}/turns", {"speaker": "customer", "text": "快点，我赶时间"}
    )
    assert turn.json()["assist"]["persona"]["entry"] == "persona.tiger"


def test_an_unknown_customer_is_a_field_error(cast) -> None:  # type: ignore[no-untyped-def]
    response = _post(_client(cast["agent"]), f"{BASE}/sessions", {"customer": 999999})
    assert response.status_code == 422 and "customer" in response.json()["errors"]


def test_the_openapi_schema_lists_the_knowledge_routes(cast) -> None:  # type: ignore[no-untyped-def]
    schema = _client(cast["agent"]).get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    assert {f"{BASE}/entries", f"{BASE}/assist", f"{BASE}/sessions/{{session_id}}/turns"} <= paths


def test_entries_filter_by_channel(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["agent"])
    counter = client.get(f"{BASE}/entries", {"q": "开场白", "channel": "chat", "limit": 5}).json()
    assert counter[0]["id"] == "phone.open.chat"
    listed = client.get(f"{BASE}/entries", {"kind": "script", "channel": "counter", "limit": 100}).json()
    assert "counter.form_error" in {e["id"] for e in listed}
    assert "phone.open.chat" not in {e["id"] for e in listed}
