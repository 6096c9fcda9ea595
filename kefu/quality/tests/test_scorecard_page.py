"""The conversation page as an inspector, an agent and the QA lead read it: deductions, the rulebook, the review."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from kefu.accounts.models import User
from kefu.notifications.models import Notification
from kefu.quality import reviews, services
from kefu.quality.models import Conversation, Review
from kefu.quality.tests.test_import_and_score import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(cast):
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD))])
    return Conversation.objects.get(source_id="CALL-001")


def _page(client, user, conversation) -> str:
    client.force_login(user)
    response = client.get(reverse("quality:detail", args=[conversation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_deduction_shows_one_minus_sign(client, cast, conversation):
    html = _page(client, cast["qa"], conversation)
    assert "−-" not in html
    assert re.search(r"−\d", html)


def test_the_rulebook_is_named_by_its_title_not_its_content_hash(client, cast, conversation):
    card = conversation.scorecards.get(current=True, kind="auto")
    html = _page(client, cast["qa"], conversation)
    assert card.rulebook_version not in html
    assert "热线电话质检" in html


def test_the_agent_and_the_qa_lead_see_what_the_inspector_decided_on_each_deduction(client, cast, conversation):
    reviews.sample()
    review = reviews.review_claim(review=Review.objects.get(conversation=conversation), actor=cast["qa"])
    failed = [h for h in review.auto_card.data["hits"] if h["outcome"] == "fail"]
    reviews.review_submit(
        review=review, actor=cast["qa"],
        decisions={failed[0]["rule"]: {"upheld": False, "comment": "客户先挂断，非坐席问题"},
                   failed[1]["rule"]: {"upheld": True, "comment": "录音第3句确有此问题"}},
        manual=[{"title": "未核实机主身份", "points": 5, "comment": "应先核实机主"}],
    )
    for user in (cast["agent"], cast["manager"]):
        html = _page(client, user, conversation)
        sheet = html[html.index("data-review-sheet"):]
        assert "客户先挂断，非坐席问题" in sheet and "录音第3句确有此问题" in sheet
        assert "未核实机主身份" in sheet and "应先核实机主" in sheet and "质检员加扣" in sheet
        assert failed[0]["title"] in sheet and "撤销扣分" in sheet and "维持扣分" in sheet


@pytest.mark.parametrize("channel", ["hotline", "chat"])
def test_each_failed_rule_shows_the_points_of_the_score_it_cost_and_they_add_up(client, cast, channel):
    record = {**GOOD, "id": f"COST-{channel}", "channel": channel}
    services.conversations_import(actor=cast["qa"], items=[(1, record)])
    conversation = Conversation.objects.get(source_id=record["id"])
    card = conversation.scorecards.get(current=True, kind="auto")
    html = _page(client, cast["qa"], conversation)
    shown = [float(x) for x in re.findall(r"data-cost[^>]*>−([\d.]+) 分<", html)]
    assert len(shown) == sum(h["outcome"] == "fail" for h in card.data["hits"] if h["points"])
    if card.data.get("veto") != "zero":
        assert abs(sum(shown) - (100 - float(card.score))) <= 0.5 + 0.05 * len(shown)
    weights = {abs(h["points"]) for h in card.data["hits"] if h["outcome"] == "fail"}
    assert not any(f">−{w:g}<" in html for w in weights if w > 30)  # a weight is not shown as a deduction


def test_the_supervisor_alerted_of_a_critical_failure_can_open_the_conversation(client, cast, conversation):
    alert = Notification.objects.get(kind="qa_alert", user=cast["supervisor"])
    client.force_login(cast["supervisor"])
    assert client.get(alert.url).status_code == 200
    listed = client.get(reverse("quality:index")).content.decode()
    assert 'data-conversation="CALL-001"' in listed and "导入会话" not in listed
    # a supervisor of another department sees neither
    other = User.objects.create_user(username="sup3", password="x", role="supervisor",
                                     department=cast["other_handler"].department, full_name="吴主管")
    client.force_login(other)
    assert client.get(alert.url).status_code == 404
    assert 'data-conversation="CALL-001"' not in client.get(reverse("quality:index")).content.decode()


def test_the_automatic_score_states_its_scale_and_pass_mark(client, cast, conversation):
    html = _page(client, cast["agent"], conversation)
    assert "/ 100" in html and "及格线 80 分" in html


def test_an_inspector_narrows_the_list_to_one_agent_and_channel_and_bad_filters_are_ignored(client, cast):
    services.conversations_import(actor=cast["qa"], items=[
        (1, {**GOOD, "id": "A-HOT"}), (2, {**GOOD, "id": "A-CHAT", "channel": "chat"}),
        (3, {**GOOD, "id": "H-HOT", "agent": "handler"}),
    ])
    client.force_login(cast["qa"])
    url = reverse("quality:index")
    shown = client.get(url, {"agent": cast["agent"].pk, "channel": "chat"}).content.decode()
    assert 'data-conversation="A-CHAT"' in shown and "A-HOT" not in shown and "H-HOT" not in shown
    for bad in ({"agent": "x²"}, {"agent": "99999999999999999999"}, {"channel": "<b>"}, {"agent": cast["manager"].pk}):
        response = client.get(url, bad)
        assert response.status_code == 200 and 'data-conversation="H-HOT"' in response.content.decode()
    none = client.get(url, {"agent": cast["agent"].pk, "result": "critical", "channel": "counter"}).content.decode()
    assert "没有符合条件的会话" in none and "导入通话转写" not in none


def test_every_failed_rules_evidence_in_a_turn_is_highlighted_not_only_the_first():
    from kefu.quality.models import Scorecard
    from kefu.quality.selectors import card_view

    text = "这个我不清楚，你去营业厅问吧。原因是设备老化。"
    hits = [
        {"rule": "a", "title": "不使用服务忌语", "outcome": "fail", "points": -4, "cites": [],
         "evidence": [{"turn": 0, "span": [3, 6]}]},
        {"rule": "b", "title": "先了解需求再给方案", "outcome": "fail", "points": -3, "cites": [],
         "evidence": [{"turn": 0, "span": [15, 18]}]},
        {"rule": "c", "title": "重叠", "outcome": "fail", "points": -1, "cites": [],
         "evidence": [{"turn": 0, "span": [4, 8]}]},  # overlaps the first: merged, never the text twice
    ]
    card = Scorecard(rulebook="hotline", data={"hits": hits})
    _failed, _passed, transcript = card_view(card, [{"speaker": "agent", "text": text}])
    parts = transcript[0].parts
    assert "".join(p for p, _m in parts) == text
    assert [p for p, marked in parts if marked] == ["不清楚，你", "原因是"]


@pytest.mark.parametrize("role", ["qa", "agent", "supervisor", "manager"])
def test_the_transcript_shows_no_whole_phone_or_id_number(client, cast, role):
    """PIPL: a caller reading out a number must not put it whole on every inspector's screen."""
    said = {"speaker": "customer", "text": "我的号码是138 1234 5678，身份证330106199001011234，宽带还是断。",
            "start": 9, "end": 14}
    services.conversations_import(actor=cast["qa"], items=[(1, {**GOOD, "id": "CALL-PII", "turns": [*GOOD["turns"], said]})])
    conversation = Conversation.objects.get(source_id="CALL-PII")
    html = _page(client, cast[role], conversation)
    assert "1234 5678" not in html and "12345678" not in html
    assert "199001011234" not in html and "330106199001011234" not in html
    assert "138 **** 5678" in html and "330106********1234" in html


def _passed_titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r"data-passed>✓ ([^<]+)", html)]


def test_what_was_done_well_lists_the_weightiest_eight_first_and_folds_the_rest(client, cast, conversation):
    card = conversation.scorecards.get(current=True, kind="auto")
    done = sorted((h for h in card.data["hits"] if h["outcome"] == "pass"), key=lambda h: -h["points"])
    assert len(done) > 8  # the fixture's call passes enough rules to fold some
    html = _page(client, cast["qa"], conversation)
    shown = html[html.index("data-done-well>"):html.index("</section>", html.index("data-done-well>"))]
    first, folded = shown.split("data-done-well-more")
    assert [h["title"] for h in done[:8]] == _passed_titles(first)
    assert [h["title"] for h in done[8:]] == _passed_titles(folded)
    assert f"另有 {len(done) - 8} 项做得好" in folded
