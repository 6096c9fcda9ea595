"""Phrasebook pages as people use them: browse, search, edit with history, import, assist panel."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kefu.knowledge.models import AssistSession, KnowledgeEntry, KnowledgeRevision

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_index_lists_the_library_and_a_greeting(cast) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["agent"]).get(reverse("knowledge:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "counter.form_error" in body
    greeting = body.split('data-testid="greeting">', 1)[1].split("</p>", 1)[0]
    assert "您好" in greeting and "王小丽" in greeting  # the greeting itself names the agent, not only the top bar


def test_search_finds_the_situation(cast) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["agent"]).get(reverse("knowledge:index"), {"q": "应答后杂音太大"})
    body = response.content.decode()
    assert body.index("counter.noise_quiet.noise") < body.index("counter.noise_quiet.silent")


def test_search_by_pinyin_initials(cast) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["agent"]).get(reverse("knowledge:index"), {"q": "hfcx"})
    assert "consult.bill_query" in response.content.decode()


def test_the_detail_page_shows_norms_and_example(cast) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["agent"]).get(reverse("knowledge:detail", args=["technique.sandwich"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "technique.sandwich" in body and "三明治" in body


def test_an_unknown_entry_is_404(cast) -> None:  # type: ignore[no-untyped-def]
    assert _client(cast["agent"]).get(reverse("knowledge:detail", args=["no.such"])).status_code == 404


def test_an_agent_cannot_edit(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["agent"])
    assert client.get(reverse("knowledge:edit", args=["counter.form_error"])).status_code == 403
    assert client.post(reverse("knowledge:new"), {"entry_id": "x.y"}).status_code == 403
    assert KnowledgeEntry.objects.count() == 0


def _form_for_builtin(client: Client, entry_id: str) -> dict[str, str]:
    form = client.get(reverse("knowledge:edit", args=[entry_id])).context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["version"] = "" if form.initial.get("version") is None else str(form.initial["version"])
    return data


def test_a_supervisor_edits_a_builtin_entry_and_history_records_it(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["supervisor"])
    data = _form_for_builtin(client, "counter.form_error")
    data["text"] = "不好意思，这一栏需要填写身份证号码，我帮您标出来了。"
    data["comment"] = "统一口径"
    response = client.post(reverse("knowledge:edit", args=["counter.form_error"]), data)
    assert response.status_code == 302
    detail = client.get(reverse("knowledge:detail", args=["counter.form_error"])).content.decode()
    assert "我帮您标出来了" in detail and "统一口径" in detail
    assert KnowledgeRevision.objects.filter(entry__entry_id="counter.form_error").count() == 1

    # A second, stale save loses.
    response = client.post(reverse("knowledge:edit", args=["counter.form_error"]), data)
    assert response.status_code == 200
    assert "reload" in response.content.decode() or "重新" in response.content.decode()


def test_invalid_edits_show_field_errors(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["supervisor"])
    data = _form_for_builtin(client, "counter.form_error")
    data["cites"] = "counter.nonexistent"
    response = client.post(reverse("knowledge:edit", args=["counter.form_error"]), data)
    assert response.status_code == 200
    assert "counter.nonexistent" in response.content.decode()
    assert KnowledgeEntry.objects.count() == 0


def test_a_new_entry_is_searchable_at_once(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["supervisor"])
    response = client.post(
        reverse("knowledge:new"),
        {
            "kind": "script",
            "title": "押金退还口径",
            "text": "押金会在三个工作日内退回。",
            "situations": "客户要求退光猫押金",
            "tags": "押金",
            "cites": "complaint.authority",
            "example": "坐席：押金会在三个工作日内退回。",
        },
    )
    assert response.status_code == 302
    search = client.get(reverse("knowledge:index"), {"q": "光猫押金"}).content.decode()
    assert "押金退还口径" in search and "script.ya_jin_tui_huan_kou_jing" in search


def test_archiving_hides_an_entry_and_an_editor_can_restore_it(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["supervisor"])
    detail = reverse("knowledge:detail", args=["warm.thanks_trust"])
    assert client.post(reverse("knowledge:archive", args=["warm.thanks_trust"])).status_code == 302
    assert _client(cast["agent"]).get(detail).status_code == 404
    assert (
        "warm.thanks_trust"
        not in client.get(reverse("knowledge:index"), {"q": "信任和支持"}).content.decode()
    )
    assert "warm.thanks_trust" in client.get(reverse("knowledge:index")).content.decode()  # the archived list
    page = client.get(detail)
    assert page.status_code == 200 and page.context["archived"]
    assert (
        client.post(reverse("knowledge:restore", args=["warm.thanks_trust"]), {"version": "1"}).status_code
        == 302
    )
    assert _client(cast["agent"]).get(detail).status_code == 200


def test_import_rejects_a_bad_file_with_its_problems(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["supervisor"])
    response = client.post(reverse("knowledge:import"), {"text": "entries:\n  - id: bad\n    kind: script\n"})
    assert response.status_code == 200
    assert "标题" in response.content.decode().split('data-testid="problems"', 1)[1]
    assert KnowledgeEntry.objects.count() == 0


def test_the_assist_panel_follows_the_conversation(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["agent"])
    response = client.post(
        reverse("knowledge:assist"), {"title": "张先生来电", "channel": "phone", "persona": "tiger"}
    )
    session = AssistSession.objects.get()
    assert response.status_code == 302
    url = reverse("knowledge:assist_panel", args=[session.pk])
    client.post(url, {"speaker": "customer", "text": "我要查询一年之前的详单，你们怎么回事！"})
    page = client.get(url).content.decode()
    assert "reg.bill_retention" in page
    assert "老虎型客户" in page
    checked = client.post(url, {"draft": "这不归我们管"}).content.decode()
    assert "推诿" in checked


def test_other_agents_cannot_open_someone_elses_session(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"])
    url = reverse("knowledge:assist_panel", args=[session.pk])
    assert _client(cast["handler"]).get(url).status_code == 404


def test_the_polling_panel_keeps_the_checked_draft(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"])
    url = reverse("knowledge:assist_panel", args=[session.pk])
    page = _client(cast["agent"]).get(url, {"draft": "我保证今天一定修好"}, headers={"HX-Request": "true"})
    body = page.content.decode()
    assert 'id="live"' in body and "<html" not in body
    assert "轻率承诺" in body


def test_the_list_is_paged(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["agent"])
    first = client.get(reverse("knowledge:index"))
    assert len(first.context["entries"]) == 50 and first.context["page_obj"].has_next()
    last = client.get(reverse("knowledge:index"), {"page": 3})
    assert 0 < len(last.context["entries"]) <= 50


def test_the_library_shows_kinds_by_their_chinese_names(client, cast):
    client.force_login(cast["agent"])
    page = client.get(reverse("knowledge:index")).content.decode()
    assert ">话术</span>" in page and ">script</span>" not in page
