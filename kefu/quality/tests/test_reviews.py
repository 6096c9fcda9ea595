"""Sampling, review, appeal and ruling: one winner per step, every step an event, every score kept."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.accounts.models import User
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.notifications.models import Notification
from kefu.quality import reviews, services
from kefu.quality.models import Appeal, Review, SamplingPolicy, Scorecard
from kefu.quality.tests.test_import_and_score import GOOD

pytestmark = pytest.mark.django_db

POLITE = {
    "id": "CALL-OK", "channel": "hotline", "agent": "agent",
    "turns": [
        {"speaker": "agent", "text": "您好，工号1024很高兴为您服务，请问有什么可以帮您？", "start": 0},
        {"speaker": "customer", "text": "查一下话费", "start": 3},
        {"speaker": "agent", "text": "好的，请稍等，马上为您查询。您本月话费58元。还有什么可以帮您？", "start": 5},
        {"speaker": "customer", "text": "没有了，谢谢", "start": 9},
        {"speaker": "agent", "text": "感谢您的来电，再见。", "start": 10},
    ],
}


@pytest.fixture
def sampled(cast):
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD)), (2, dict(POLITE))])
    assert reviews.sample() >= 1
    return Review.objects.get(conversation__source_id="CALL-001")


def _failed_rules(review: Review) -> list[str]:
    return [h["rule"] for h in review.auto_card.data["hits"] if h["outcome"] == "fail"]


def test_risky_conversations_are_sampled_once_and_assigned(cast, sampled):
    assert sampled.reason in (SamplingPolicy.Kind.CRITICAL, SamplingPolicy.Kind.LOW_SCORE)
    assert sampled.inspector == cast["qa"] and sampled.state == "queued"
    assert reviews.sample() == 0  # never twice


def test_a_critical_failure_alerts_the_agents_supervisor(cast, sampled):
    card = sampled.auto_card
    assert card.critical
    alerted = Notification.objects.filter(kind="qa_alert")
    assert {n.user.username for n in alerted} == {"supervisor", "supervisor2"}  # the agent's department
    assert all("CALL-001" in n.title for n in alerted)


def test_review_overturn_appeal_and_final_ruling(cast, sampled):
    qa, agent = cast["qa"], cast["agent"]
    review = reviews.review_claim(review=sampled, actor=qa)
    rules = _failed_rules(review)
    assert len(rules) >= 2
    with pytest.raises(InvalidInput) as missing:
        reviews.review_submit(review=review, actor=qa, decisions={rules[0]: {"upheld": False}}, manual=[])
    assert f"comment_{rules[0]}" in missing.value.errors
    review = reviews.review_submit(
        review=review, actor=qa,
        decisions={rules[0]: {"upheld": False, "comment": "客户先挂断，非坐席问题"}},
        manual=[{"title": "未核实身份", "points": 5, "comment": "应先核实机主"}],
    )
    auto = review.auto_card
    upheld = [abs(Decimal(str(h["points"]))) for h in auto.data["hits"] if h["outcome"] == "fail" and h["rule"] != rules[0]]
    critical_left = any(h["critical"] for h in auto.data["hits"] if h["outcome"] == "fail" and h["rule"] != rules[0])
    expected = Decimal(0) if critical_left and auto.data["veto"] == "zero" else max(Decimal(0), 100 - sum(upheld) - 5)
    assert review.state == "reviewed" and review.reviewed_score == expected.quantize(Decimal("0.1"))
    assert Scorecard.objects.filter(conversation=review.conversation).count() == 2  # automatic and reviewed apart
    assert review.appeal_due > timezone.now()
    with pytest.raises(NotAllowed):
        reviews.appeal_file(review=review, actor=cast["handler"], rule=rules[1], reason="不是我")
    appeal = reviews.appeal_file(review=review, actor=agent, rule=rules[1], reason="我已经道歉并给出方案")
    assert Notification.objects.filter(kind="qa_appeal", user=cast["manager"]).exists()
    review.refresh_from_db()
    with pytest.raises(InvalidInput):  # one appeal at a time; the review is now being appealed
        reviews.appeal_file(review=review, actor=agent, rule=rules[1], reason="再申诉")
    with pytest.raises(NotAllowed):
        reviews.appeal_rule(appeal=appeal, actor=qa, overturn=True, comment="同意")
    review = reviews.appeal_rule(appeal=appeal, actor=cast["manager"], overturn=True, comment="录音显示已致歉")
    assert review.state == "final"
    assert Appeal.objects.get().ruling == "overturned"
    current = Scorecard.objects.get(conversation=review.conversation, kind="reviewed", current=True)
    withdrawn = next(h for h in current.data["hits"] if h["rule"] == rules[1])
    assert withdrawn["reviewed"] == "overturned" and withdrawn["outcome"] == "pass"
    assert current.score >= expected and Scorecard.objects.filter(kind="reviewed").count() == 2
    assert [e.action for e in review.events.all()] == ["claim", "submit", "appeal", "rule"]
    appeal.refresh_from_db()
    with pytest.raises(InvalidInput):  # 终审后不能再申诉
        reviews.appeal_rule(appeal=appeal, actor=cast["manager"], overturn=False, comment="改判")


def test_an_appeal_after_the_window_is_refused_and_the_sweep_closes_it(cast, sampled):
    review = reviews.review_claim(review=sampled, actor=cast["qa"])
    review = reviews.review_submit(review=review, actor=cast["qa"], decisions={}, manual=[])
    Review.objects.filter(pk=review.pk).update(appeal_due=timezone.now() - timedelta(minutes=1))
    review.refresh_from_db()
    with pytest.raises(InvalidInput, match="申诉期已于"):
        reviews.appeal_file(review=review, actor=cast["agent"], rule=_failed_rules(review)[0], reason="迟到的申诉")
    assert reviews.close_expired() == 1
    assert Review.objects.get(pk=review.pk).state == "final"


def test_two_claims_at_once_get_one_winner_and_a_named_loser(cast, sampled):
    stale = Review.objects.get(pk=sampled.pk)
    reviews.review_claim(review=sampled, actor=cast["qa"], expected_version=1)
    with pytest.raises(Conflict, match="质检员"):
        reviews.review_claim(review=stale, actor=cast["qa"], expected_version=1)


def test_a_review_assigned_to_one_inspector_is_not_taken_by_another(cast, sampled):
    other = User.objects.create_user(username="qa2", password="x", role="qa", full_name="质检二")
    assert sampled.inspector == cast["qa"]
    with pytest.raises(NotAllowed, match="该复核已分配给"):
        reviews.review_claim(review=sampled, actor=other)
    Review.objects.filter(pk=sampled.pk).update(inspector=None)
    assert reviews.review_claim(review=Review.objects.get(pk=sampled.pk), actor=other).inspector == other


def test_the_appeal_window_counts_working_days(cast):
    friday_evening = timezone.make_aware(timezone.datetime(2026, 11, 27, 17, 0))
    due = reviews.appeal_deadline(friday_evening)
    assert timezone.localtime(due).date() == timezone.datetime(2026, 12, 2).date()  # Mon, Tue, Wed (to 17:00)


def test_the_pages_walk_review_appeal_and_ruling(client, cast, sampled):
    from django.urls import reverse

    conv = sampled.conversation
    url = conv.get_absolute_url()
    act = lambda action: reverse("quality:act", args=[conv.pk, action])  # noqa: E731

    client.force_login(cast["qa"])
    queue = client.get(reverse("quality:reviews")).content.decode()
    assert f'data-review="{conv.source_id}"' in queue and "待复核" in queue
    assert "data-claim" in client.get(url).content.decode()
    client.post(act("claim"), {"expected_version": 1})
    page = client.get(url).content.decode()
    assert "data-review-form" in page and "维持扣分" in page and "撤销扣分" in page
    rules = _failed_rules(sampled)
    refused = client.post(act("submit"), {"expected_version": 2, f"decision_{rules[0]}": "overturn"}, follow=True)
    assert "请说明撤销扣分的理由" in refused.content.decode()
    client.post(act("submit"), {"expected_version": 2, f"decision_{rules[0]}": "overturn",
                                f"comment_{rules[0]}": "系统误判", "manual_title_0": "未核实身份",
                                "manual_points_0": "5"})
    assert Review.objects.get().state == "reviewed"

    client.force_login(cast["agent"])
    page = client.get(url).content.decode()
    assert "data-reviewed-score" in page and "data-appeal-form" in page
    client.post(act("appeal"), {"expected_version": 3, "rule": rules[1], "reason": "已经道歉"})
    assert Appeal.objects.get().rule == rules[1]
    assert client.post(act("rule"), {"appeal": Appeal.objects.get().pk, "ruling": "overturn", "comment": "x"}).status_code == 403

    client.force_login(cast["manager"])
    queue = client.get(reverse("quality:reviews")).content.decode()
    assert "data-appeal" in queue
    client.post(act("rule"), {"expected_version": 4, "appeal": Appeal.objects.get().pk, "ruling": "overturn",
                              "comment": "录音显示已致歉"})
    client.force_login(cast["agent"])
    page = client.get(url).content.decode()
    assert 'data-review-state="final"' in page and 'data-appeal-ruling="overturned"' in page
    assert "data-appeal-form" not in page and "录音显示已致歉" in page


def test_the_queue_says_shortly_why_each_conversation_was_sampled_and_policies_carry_units(client, cast, sampled):
    client.force_login(cast["manager"])
    html = client.get(reverse("quality:reviews")).content.decode()
    row = html[html.index('data-review="CALL-001"'):]
    row = row[:row.index("</tr>")]
    assert ("<td>触犯关键规则</td>" in row or "<td>合规得分偏低</td>" in row) and "（%）" not in row
    policies = html[html.index("data-policies"):]
    assert "分（满分 100）" in policies and "每小时" in policies


def test_a_second_appeal_is_told_the_first_awaits_its_ruling_and_a_missing_reason_is_said_plainly(client, cast, sampled):
    qa, agent = cast["qa"], cast["agent"]
    review = reviews.review_claim(review=sampled, actor=qa)
    with pytest.raises(InvalidInput) as early:
        reviews.appeal_file(review=review, actor=agent, rule=_failed_rules(review)[0], reason="不对")
    assert early.value.message == "复核尚未完成；出复核得分后才能申诉。"
    review = reviews.review_submit(review=review, actor=qa, decisions={}, manual=[])
    rules = _failed_rules(review)
    client.force_login(agent)
    url = reverse("quality:act", args=[review.conversation.pk, "appeal"])
    page = client.post(url, {"rule": rules[0], "reason": ""}, follow=True).content.decode()
    assert "请说明扣分不当的理由。" in page
    assert "请更正下列错误" not in page
    reviews.appeal_file(review=review, actor=agent, rule=rules[0], reason="我已道歉")
    review.refresh_from_db()
    with pytest.raises(InvalidInput) as again:
        reviews.appeal_file(review=review, actor=agent, rule=rules[1], reason="这一项也不对")
    assert "等待质检组长裁决" in again.value.message and "终审" not in again.value.message


def test_the_conversation_page_says_why_it_was_sampled(client, cast, sampled):
    client.force_login(cast["qa"])
    page = client.get(reverse("quality:detail", args=[sampled.conversation.pk])).content.decode()
    assert "抽检原因：触犯关键规则" in page or "抽检原因：合规得分偏低" in page


def test_the_agent_hears_of_the_review_and_of_the_ruling(cast, sampled):
    """The appeal window opens when the review is submitted: the agent is told then, with the
    deadline, and told the final ruling on an appeal."""
    qa, agent = cast["qa"], cast["agent"]
    review = reviews.review_claim(review=sampled, actor=qa)
    rules = _failed_rules(review)
    review = reviews.review_submit(review=review, actor=qa, decisions={}, manual=[])
    told = Notification.objects.get(kind="qa_reviewed", user=agent)
    assert told.title.startswith("您的会话 CALL-001 已复核")
    assert timezone.localtime(review.appeal_due).strftime("%Y-%m-%d %H:%M") in told.body
    assert told.url == review.conversation.get_absolute_url()
    assert not Notification.objects.filter(kind="qa_reviewed").exclude(user=agent).exists()
    appeal = reviews.appeal_file(review=review, actor=agent, rule=rules[0], reason="我已经道歉")
    reviews.appeal_rule(appeal=appeal, actor=cast["manager"], overturn=False, comment="录音显示未致歉")
    ruled = Notification.objects.filter(kind="qa_reviewed", user=agent).order_by("-pk").first()
    assert ruled is not None and ruled.pk != told.pk
    assert ruled.title.startswith("申诉未获支持") and "录音显示未致歉" in ruled.body


def test_review_points_read_as_people_write_them():
    from kefu.quality.reviews import _points

    assert [_points(v) for v in (Decimal("100.0"), Decimal("62.5"), 45, 0.0)] == ["100", "62.5", "45", "0"]
