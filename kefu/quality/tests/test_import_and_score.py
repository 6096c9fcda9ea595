"""Conversations come in (JSON lines, CSV, chat logs, the API), are scored, and read back with their evidence."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kefu.complaints.tests.api_client import Api
from kefu.jobs import services as jobs
from kefu.jobs.models import Job
from kefu.qa import Engine
from kefu.quality import formats, services
from kefu.quality.models import Conversation, Scorecard

pytestmark = pytest.mark.django_db

GOOD = {
    "id": "CALL-001",
    "channel": "hotline",
    "agent": "agent",
    "turns": [
        {"speaker": "agent", "text": "您好，工号1024为您服务，请问有什么可以帮您？", "start": 0, "end": 3},
        {"speaker": "customer", "text": "我的宽带又断了，你们怎么回事？", "start": 3, "end": 6},
        {"speaker": "agent", "text": "不知道，你自己去营业厅问吧。", "start": 6, "end": 9},
    ],
}


def _lines(*records) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records).encode()


def test_a_file_with_one_bad_line_imports_the_rest_and_names_the_line(cast):
    no_turns = {"id": "CALL-002", "turns": []}
    unknown = {**GOOD, "id": "CALL-003", "agent": "nobody"}
    disorder = {**GOOD, "id": "CALL-004", "turns": [GOOD["turns"][1], GOOD["turns"][0]]}
    report = services.conversations_import(
        actor=cast["qa"],
        items=formats.read_jsonl(_lines(GOOD, no_turns, "{not json", unknown, disorder)),
    )
    assert report.created == 1
    errors = dict(report.errors)
    assert set(errors) == {2, 3, 4, 5}
    assert errors[2] == "turns: 会话至少需要一句话" and errors[3] == "不是有效的 JSON（第 2 列）。"
    assert errors[4] == "agent: 未知的坐席“nobody”（请用用户名或工号）"
    assert errors[5] == "turns[1].start: 开始时间早于上一句"
    assert list(Conversation.objects.values_list("source_id", flat=True)) == ["CALL-001"]


def test_importing_the_same_conversation_again_changes_nothing(cast):
    first = services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD))])
    again = services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD))])
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    assert Scorecard.objects.count() == 1
    changed = {**GOOD, "turns": [*GOOD["turns"], {"speaker": "agent", "text": "抱歉，我马上为您派单。", "start": 10}]}
    third = services.conversations_import(actor=cast["qa"], items=[(1, changed)])
    assert third.updated == 1
    assert Scorecard.objects.filter(current=True).count() == 1 and Scorecard.objects.count() == 2


def test_the_stored_scorecard_is_the_engines_with_rulebook_and_version(cast):
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD))])
    stored = Scorecard.objects.get()
    direct = Engine().score(services.qa_record(Conversation.objects.get()))
    assert stored.data == direct.to_dict()
    assert stored.rulebook == direct.rulebook and stored.rulebook_version == direct.rulebook_version
    assert float(stored.score) == round(direct.score, 1) and stored.critical == bool(direct.critical)


def test_csv_and_chat_logs_are_read(cast):
    csv_data = (
        "conversation_id,agent,channel,speaker,text,start\n"
        "C1,agent,hotline,agent,您好，请问有什么可以帮您？,0\n"
        "C1,agent,hotline,customer,话费多扣了,2\n"
        "C2,,chat,customer,在吗,0\n"
    ).encode()
    report = services.conversations_import(actor=cast["qa"], items=formats.read_csv(csv_data))
    assert report.created == 2 and len(Conversation.objects.get(source_id="C1").turns) == 2
    chat = "[10:00:01] 客服小王: 您好\n[10:00:09] 客户: 宽带断了\n第二行补充\n".encode()
    report = services.conversations_import(
        actor=cast["qa"], items=formats.read_chat_log(chat, conv_id="W1", agent_names=("小王",))
    )
    conv = Conversation.objects.get(source_id="W1")
    assert [t["speaker"] for t in conv.turns] == ["agent", "customer"]
    assert conv.turns[1]["start"] == 8 and conv.turns[1]["text"] == "宽带断了\n第二行补充"
    with pytest.raises(formats.FormatError):
        list(formats.read_csv(b"id,text\n1,x\n"))
    with pytest.raises(formats.FormatError):
        list(formats.read_jsonl(b"x" * (formats.MAX_BYTES + 1)))


def test_only_inspectors_import(cast):
    from kefu.lib.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.conversations_import(actor=cast["agent"], items=[(1, dict(GOOD))])


def test_the_scorecard_page_marks_the_evidence_and_the_agent_sees_only_their_own(client, cast):
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD)), (2, {**GOOD, "id": "X", "agent": "handler"})])
    mine = Conversation.objects.get(source_id="CALL-001")
    client.force_login(cast["agent"])
    listing = client.get(reverse("quality:index")).content.decode()
    assert "CALL-001" in listing and 'data-conversation="X"' not in listing
    page = client.get(mine.get_absolute_url()).content.decode()
    assert "<mark>" in page and "has-fault" in page and "data-hit" in page
    assert "data-better" in page and "更好的说法" in page  # each fault with the rulebook's better phrasing
    assert "substance." not in page and "forbidden." not in page  # titles, never rule ids
    other = Conversation.objects.get(source_id="X")
    assert client.get(other.get_absolute_url()).status_code == 404
    client.force_login(cast["qa"])
    assert client.get(other.get_absolute_url()).status_code == 200


def test_the_api_imports_scores_and_refuses_bad_input_with_the_field(cast):
    api = Api(cast["qa"])
    created = api.post("/quality/conversations", dict(GOOD))
    assert created.status_code == 201 and created.json()["rulebook_version"]
    again = api.post("/quality/conversations", dict(GOOD))
    assert again.status_code == 200 and again.json()["score"] == created.json()["score"]
    bad = api.post("/quality/conversations", {**GOOD, "id": "B", "turns": [{"speaker": "boss", "text": "x"}]})
    assert bad.status_code == 422 and "turns[0].speaker" in bad.json()["errors"]
    pk = created.json()["conversation"]
    assert Api(cast["agent"]).get(f"/quality/conversations/{pk}/scorecard").json()["card"] == created.json()["card"]
    assert Api(cast["handler"]).get(f"/quality/conversations/{pk}/scorecard").status_code == 404
    assert Api(cast["agent"]).post("/quality/conversations", dict(GOOD)).status_code == 403


def test_an_upload_becomes_a_job_that_imports_and_reports_lines(client, cast):
    client.force_login(cast["qa"])
    upload = SimpleUploadedFile("calls.jsonl", _lines(GOOD, "{broken"))
    response = client.post(reverse("quality:upload"), {"file": upload, "format": "jsonl"})
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and Conversation.objects.count() == 1
    assert "第 2 行：不是有效的 JSON" in job.details and "1 条新增" in job.details
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "data-job-result" in page
    assert job.problems == 1  # the broken line: done, but not all of it
    assert "已完成，1 条未处理" in page and "badge-warning" in page and "badge-success" not in page
    bad = client.post(reverse("quality:upload"), {"file": SimpleUploadedFile("x.csv", b"a,b\n"), "format": "csv"})
    assert bad.status_code == 422 and "data-upload-error" in bad.content.decode()


def test_the_api_and_the_command_line_give_identical_scorecards(cast, tmp_path):
    import subprocess
    import sys

    record = {k: v for k, v in GOOD.items() if k != "agent"}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kefu.cli", "qa", "score", str(path)], capture_output=True,
                          text=True, timeout=120, check=True)
    from_cli = json.loads(done.stdout.strip().splitlines()[0])
    from_api = Api(cast["qa"]).post("/quality/conversations", dict(GOOD)).json()
    assert from_api["card"] == from_cli
    assert from_api["rulebook_version"] == from_cli["rulebook_version"]


def test_the_scorecard_page_tells_how_the_customers_mood_went(client, cast):
    angry_then_calm = {**GOOD, "id": "MOOD", "turns": [
        {"speaker": "customer", "text": "你们太差劲了，气死我了，垃圾服务！"},
        {"speaker": "agent", "text": "非常抱歉给您带来不便，我马上为您处理。"},
        {"speaker": "customer", "text": "好的，谢谢，这样就满意了。"},
    ]}
    services.conversations_import(actor=cast["qa"], items=[(1, angry_then_calm)])
    conv = Conversation.objects.get(source_id="MOOD")
    trajectory = Scorecard.objects.get(conversation=conv).data["emotion"]["trajectory"]
    client.force_login(cast["qa"])
    page = client.get(conv.get_absolute_url()).content.decode()
    assert f'data-emotion="{trajectory}"' in page and "客户情绪变化" in page


def test_a_chat_export_naming_the_agent_takes_everyone_else_as_the_customer(cast):
    chat = "2026-11-28 10:00:01 小王: 您好，请问有什么可以帮您？\n2026-11-28 10:00:20 张先生: 宽带断了\n".encode()
    report = services.conversations_import(
        actor=cast["qa"], items=formats.read_chat_log(chat, conv_id="W2", agent_names=("小王",))
    )
    assert report.created == 1 and not report.errors
    assert [t["speaker"] for t in Conversation.objects.get(source_id="W2").turns] == ["agent", "customer"]
    unnamed = list(formats.read_chat_log(chat, conv_id="W3"))  # nobody named: 张先生 and 小王 cannot be told apart
    assert [line for line, _ in unnamed] == [1, 2]


def test_the_examples_on_the_import_page_import_as_shown(client, cast):
    import html as htmllib
    import re

    from django.urls import reverse

    client.force_login(cast["qa"])
    page = client.get(reverse("quality:upload")).content.decode()
    jsonl, csv_text, chat = (htmllib.unescape(p) for p in re.findall(r'<pre class="code code-wrap"><code>(.*?)</code></pre>', page, re.S))
    report = services.conversations_import(actor=cast["qa"], items=formats.read_jsonl(jsonl.encode()))
    assert report.created == 1 and not report.errors
    report = services.conversations_import(actor=cast["qa"], items=formats.read_csv(csv_text.encode()))
    assert report.created == 1 and not report.errors
    items = formats.read_chat_log(chat.encode(), conv_id="EX-CHAT", agent_names=("小王",))
    assert services.conversations_import(actor=cast["qa"], items=items).created == 1
