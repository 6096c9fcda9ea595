"""Rulebooks in the app: uploaded or edited YAML checked with Chinese errors and line numbers, versions
kept, one activated per channel and used to score, a period re-scored, rule points calibrated."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.urls import reverse

from kefu.jobs import services as jobs
from kefu.jobs.models import Job
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.qa.rulebook import BUILTIN_DIR, builtin_names
from kefu.quality import rulebooks, services
from kefu.quality.models import Conversation, RulebookActivation, RulebookVersion, Scorecard
from kefu.quality.tests.test_import_and_score import GOOD

pytestmark = pytest.mark.django_db

SMALL = """\
name: mini_hotline
title: 精简热线质检
channels: [hotline]
pass_score: 60
rules:
  - id: open.greeting
    title: 开头问候
    category: opening
    points: 10
    cites: [{cite}]
    detect: {{phrases: ["您好"], speaker: agent, first: 2}}
"""


def _cite() -> str:
    import yaml

    data = yaml.safe_load((BUILTIN_DIR / "hotline.yaml").read_text(encoding="utf-8"))
    return data["rules"][0]["cites"][0]


def _noop(done: int, total: int) -> None:
    pass


def test_an_unknown_operator_is_told_in_chinese_with_its_line():
    text = SMALL.format(cite=_cite()).replace("detect: {phrases:", "detect: {magic:")
    data, problems = rulebooks.validate(text)
    assert data is None
    assert (11, "rules[0].detect：未知的算子：条件须使用一个已知算子（如 phrases、regex、all_of、any_of、not、near、ref）") in problems


def test_bad_yaml_and_missing_fields_are_told_with_their_lines():
    _data, problems = rulebooks.validate("name: x\nrules:\n  - id: a\n   title: [\n")
    assert problems and problems[0][0] == 4 and problems[0][1].startswith("不是有效的 YAML")
    text = SMALL.format(cite=_cite()).replace("    title: 开头问候\n", "")
    _data, problems = rulebooks.validate(text)
    assert (6, "rules[0].title：缺少必填字段") in problems


def test_a_saved_rulebook_is_the_next_version_and_the_same_content_is_not_saved_twice(cast):
    text = SMALL.format(cite=_cite())
    first = rulebooks.rulebook_save(actor=cast["manager"], text=text)
    assert (first.name, first.number, first.source) == ("mini_hotline", 1, "upload")
    assert rulebooks.rulebook_save(actor=cast["manager"], text=text) == first
    second = rulebooks.rulebook_save(actor=cast["manager"], text=text.replace("points: 10", "points: 20"), source="edit")
    assert second.number == 2 and second.digest != first.digest and second.created_by == cast["manager"]
    with pytest.raises(InvalidInput) as refused:
        rulebooks.rulebook_save(actor=cast["manager"], text=text.replace("detect: {phrases:", "detect: {magic:"))
    assert "第 11 行" in " ".join(refused.value.errors.values())
    assert RulebookVersion.objects.filter(name="mini_hotline").count() == 2


def test_only_the_qa_lead_manages_rulebooks(cast, client):
    with pytest.raises(NotAllowed):
        rulebooks.rulebook_save(actor=cast["qa"], text=SMALL.format(cite=_cite()))
    client.force_login(cast["qa"])
    assert client.get(reverse("quality:rulebooks")).status_code == 403
    assert client.post(reverse("quality:rulebook_edit"), {"content": "x"}).status_code == 403


def test_built_in_rulebooks_are_listed_as_read_only_versions(cast, client):
    client.force_login(cast["manager"])
    page = client.get(reverse("quality:rulebooks")).content.decode()
    assert set(RulebookVersion.objects.values_list("name", flat=True)) == set(builtin_names())
    assert "内置（只读）" in page and "热线电话质检" in page
    client.get(reverse("quality:rulebooks"))
    assert RulebookVersion.objects.count() == len(builtin_names())  # listed once, not again each visit


def test_an_activated_version_scores_its_channel_and_the_card_keeps_name_and_version(cast):
    version = rulebooks.rulebook_save(actor=cast["manager"], text=SMALL.format(cite=_cite()))
    rulebooks.rulebook_activate(actor=cast["manager"], version=version, channel="hotline")
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD))])
    card = Scorecard.objects.get(conversation__source_id="CALL-001")
    assert card.rulebook.startswith("mini_hotline")
    assert any(h["title"] == "开头问候" for h in card.data["hits"])
    assert card.rulebook_version == rulebooks.channel_book("hotline").version
    chat = dict(GOOD, id="CHAT-1", channel="chat")
    services.conversations_import(actor=cast["qa"], items=[(1, chat)])
    assert Scorecard.objects.get(conversation__source_id="CHAT-1").rulebook == "chat+complaint"


def test_the_edit_page_shows_errors_by_line_and_saves_a_good_rulebook(cast, client):
    client.force_login(cast["manager"])
    bad = client.post(reverse("quality:rulebook_edit"), {"content": "name: [\n"})
    assert bad.status_code == 422 and "不是有效的 YAML" in bad.content.decode()
    good = client.post(reverse("quality:rulebook_edit"), {"content": SMALL.format(cite=_cite()), "note": "试用"})
    version = RulebookVersion.objects.get(name="mini_hotline")
    assert good["Location"] == reverse("quality:rulebook", args=[version.pk])
    client.post(reverse("quality:rulebook_activate", args=[version.pk]), {"channel": "hotline"})
    assert RulebookActivation.objects.get(channel="hotline").version == version
    page = client.get(reverse("quality:rulebooks")).content.decode()
    assert "精简热线质检" in page and "热线" in page


def test_re_scoring_a_period_is_a_job_with_progress_and_keeps_the_older_cards(cast, client):
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD, started_at="2026-11-02T10:00:00+08:00"))])
    version = rulebooks.rulebook_save(actor=cast["manager"], text=SMALL.format(cite=_cite()))
    rulebooks.rulebook_activate(actor=cast["manager"], version=version, channel="hotline")
    client.force_login(cast["manager"])
    client.post(reverse("quality:start_job", args=["rescore"]), {"start": "2026-11-01", "end": "2026-11-30"})
    job = Job.objects.get(kind="quality-rescore")
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.total == 1 and job.done == 1, job.error
    cards = Scorecard.objects.filter(conversation__source_id="CALL-001", kind="auto").order_by("pk")
    assert [c.current for c in cards] == [False, True]
    assert cards[0].rulebook == "hotline+complaint" and cards[1].rulebook.startswith("mini_hotline")
    refused = client.post(reverse("quality:start_job", args=["rescore"]), {"start": "2026-11-30", "end": "2026-11-01"})
    assert refused.status_code == 302 and Job.objects.filter(kind="quality-rescore").count() == 1


def test_calibration_from_reviewed_scores_stores_new_versions_with_agreement_and_activates_nothing(cast):
    from kefu.qa.tests.rated import conversations

    items = [(i, {"id": f"C{i}", "channel": "chat", "turns": c["turns"]}) for i, c in enumerate(conversations(60), 1)]
    services.conversations_import(actor=cast["qa"], items=items)
    for card in Scorecard.objects.filter(kind="auto").select_related("conversation"):
        pleased = any(w in card.conversation.turns[-1]["text"] for w in ("谢谢", "满意"))
        Scorecard.objects.create(conversation=card.conversation, kind="reviewed", rulebook=card.rulebook,
                                 rulebook_version=card.rulebook_version, score=Decimal(90 if pleased else 50),
                                 passed=pleased, data=card.data)
    message = rulebooks.calibrate_job({"channel": "chat", "actor": cast["manager"].pk}, _noop)
    made = RulebookVersion.objects.filter(source="calibrated")
    assert made.exists(), message
    assert all(v.metrics["n"] == 60 and "cv_after" in v.metrics for v in made)
    assert not RulebookActivation.objects.exists()
    assert "未启用" in message or "not activated" in message
    assert Conversation.objects.count() == 60


def test_a_rulebook_whose_aliases_would_expand_a_billion_fold_is_refused_at_once_with_the_line():
    lines = ['defs:', '  a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"  a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    started = time.monotonic()
    data, problems = rulebooks.validate("\n".join(lines) + "\nname: bomb\ntitle: 炸弹\nrules: *a7\n")
    assert data is None and problems == [(None, "规则库超过 512 KB。")]  # as the aliases would expand it
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(("text", "line", "told"), [
    ("name: x\nrules: [\n", 3, "不是有效的 YAML：文件在此意外结束，括号或引号没有闭合"),
    ("name: x\ntitle: a: b\n", 2, "不是有效的 YAML：此处不能再有冒号；值里含冒号时请加引号"),
    ("name: x\nrules:\n  - id: a\n title: b\n", 4, "不是有效的 YAML：缩进没有对齐"),
    ("name: x\n\trules: []\n", 2, "不是有效的 YAML：不能用 Tab 缩进，请用空格"),
    ("name: x\nrules: *nothing\n", 2, "不是有效的 YAML：引用了未定义的锚点 nothing"),
])
def test_broken_yaml_is_explained_in_chinese(text, line, told):
    _data, problems = rulebooks.validate(text)
    assert problems == [(line, told)]


def test_a_field_that_is_present_but_wrong_is_not_called_missing():
    text = SMALL.format(cite=_cite()).replace("points: 10", "points: abc")
    assert "points: abc" in text
    _data, problems = rulebooks.validate(text)
    messages = dict((m.split("：", 1)[0], m.split("：", 1)[1]) for _line, m in problems)
    assert messages["rules[0].points"] == "须为 1 到 100 的整数，不能是 'abc'"
    _data, problems = rulebooks.validate(SMALL.format(cite=_cite()).replace("    category: opening\n", ""))
    assert not any("None" in m for _line, m in problems)


def test_the_activate_form_preselects_the_channel_the_rulebook_was_written_for(cast, client):
    rulebooks.builtin_sync()
    chat = RulebookVersion.objects.get(name="chat")
    client.force_login(cast["manager"])
    html = client.get(reverse("quality:rulebook", args=[chat.pk])).content.decode()
    assert '<option value="chat" selected>' in html
    assert '<option value="hotline">客服热线（非本规则库适用渠道）' in html.replace("\n", "")
    assert "分值是权重" in html


def test_calibrating_with_too_few_reviewed_conversations_says_so_in_chinese(cast):
    message = rulebooks.calibrate_job({"channel": "chat", "actor": cast["manager"].pk}, _noop)
    assert message == "校准至少需要该渠道 4 个已复核的会话，目前只有 0 个。请先让质检员复核更多该渠道的会话。"
    assert not RulebookVersion.objects.filter(source="calibrated").exists()
