"""Sparring sessions: stored as the trainee's lines, rebuilt by replay, ended by the customer, the trainee
or the time limit; bad turns and a second tab get defined answers; the feedback report is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.training import services
from kefu.training.models import SessionEvent, SparringSession, SparringTurn

pytest.importorskip("kefu.simulator")
pytestmark = pytest.mark.django_db

SCENARIO = "case.bank_deduction"
GOOD = [
    "您好，客服中心工号1024为您服务，请问有什么可以帮您？",
    "王先生，非常理解您的心情，给您添麻烦了，我马上帮您查。您是说这个月银行卡被扣了两次话费，对吗？",
    "请问是哪张银行卡扣的款？扣款日期和金额是多少？",
    "好的，已经为您查到确实重复扣了58元。我们可以3个工作日内原路退回您的银行卡，也可以转为您下个月的话费，您看哪种方式方便？",
    "好的，那就为您原路退回银行卡，3个工作日内到账，我已经为您登记。还有其他可以帮您的吗？感谢您的来电，祝您生活愉快，再见！",
]


def _play(session: SparringSession, actor, lines):  # type: ignore[no-untyped-def]
    for line in lines:
        session.refresh_from_db()
        if session.state != "active":
            break
        session = services.session_say(session=session, actor=actor, text=line)
    return session


def test_a_norm_following_trainee_resolves_the_case_and_gets_a_report(cast):
    agent = cast["agent"]
    session = services.session_start(trainee=agent, scenario_id=SCENARIO, seed=7)
    session = _play(session, agent, GOOD)
    if session.state == "active":
        session = services.session_end(session=session, actor=agent)
    assert session.state == "ended" and session.outcome == "resolved"
    report = session.report
    assert report["goals_met"] >= 4 and report["scorecard"]["hits"]
    assert len(report["mood"]) == SparringTurn.objects.filter(session=session).count() + 1
    assert report["mood"][-1]["anger"] < report["mood"][0]["anger"]
    assert [e.action for e in SessionEvent.objects.filter(session=session)] == ["start", "end"]


def test_the_stored_lines_and_seed_rebuild_the_same_conversation(cast):
    from kefu.training import scenarios

    agent = cast["agent"]
    session = services.session_start(trainee=agent, scenario_id=SCENARIO, seed=11)
    session = services.session_say(session=session, actor=agent, text=GOOD[0])
    session = services.session_say(session=session, actor=agent, text=GOOD[1])
    texts = list(session.turns.values_list("text", flat=True))
    one, two = scenarios.replay(session, texts), scenarios.replay(session, texts)
    assert [t.text for t in one.transcript] == [t.text for t in two.transcript]
    assert len(one.transcript) == 5  # opening + two lines and two replies


def test_a_trainee_silent_for_the_whole_time_limit_ends_unresolved(cast):
    agent = cast["agent"]
    start = timezone.now()
    session = services.session_start(trainee=agent, scenario_id=SCENARIO, now=start)
    later = start + timedelta(minutes=session.time_limit_minutes + 1)
    session = services.session_expire_if_idle(session, now=later)
    assert session.state == "ended" and session.outcome == "unresolved" and session.end_reason == "timeout"
    assert session.report["finish_reason"] == "timeout"


def test_speaking_after_the_time_limit_is_refused_and_the_report_is_kept(cast):
    agent = cast["agent"]
    start = timezone.now()
    session = services.session_start(trainee=agent, scenario_id=SCENARIO, now=start)
    with pytest.raises(Conflict, match=r"时间到|Time is up"):
        services.session_say(session=session, actor=agent, text=GOOD[0], now=start + timedelta(hours=1))
    session.refresh_from_db()
    assert session.state == "ended" and session.outcome == "unresolved"
    assert not SparringTurn.objects.filter(session=session).exists()


@pytest.mark.parametrize("text", ["", "   \n ", "好" * 10_000, None])
def test_empty_or_huge_lines_are_refused_and_nothing_is_stored(cast, text):
    agent = cast["agent"]
    session = services.session_start(trainee=agent, scenario_id=SCENARIO)
    with pytest.raises(InvalidInput):
        services.session_say(session=session, actor=agent, text=text)
    assert not SparringTurn.objects.filter(session=session).exists()


def test_traditional_chinese_and_emoji_are_accepted(cast):
    agent = cast["agent"]
    session = services.session_start(trainee=agent, scenario_id=SCENARIO)
    services.session_say(session=session, actor=agent, text="您好，請問有什麼可以幫您？😊")
    assert SparringTurn.objects.get(session=session).text.startswith("您好，请问有什么可以帮您")


def test_a_second_tab_on_a_stale_page_does_not_add_a_line(cast):
    agent = cast["agent"]
    session = services.session_start(trainee=agent, scenario_id=SCENARIO)
    services.session_say(session=session, actor=agent, text=GOOD[0], expected_turns=0)
    with pytest.raises(Conflict, match=r"另一个窗口|Another window"):
        services.session_say(session=session, actor=agent, text="第二个窗口的话", expected_turns=0)
    assert SparringTurn.objects.filter(session=session).count() == 1


def test_only_the_trainee_speaks_in_their_session(cast):
    session = services.session_start(trainee=cast["agent"], scenario_id=SCENARIO)
    with pytest.raises(NotAllowed):
        services.session_say(session=session, actor=cast["handler"], text="您好")
    with pytest.raises(InvalidInput):
        services.session_start(trainee=cast["agent"], scenario_id="no.such.scenario")


def test_the_chat_page_works_without_javascript_and_ends_in_a_report(client, cast):
    agent = cast["agent"]
    client.force_login(agent)
    response = client.post(reverse("training:session_start"), {"scenario": SCENARIO})
    session = SparringSession.objects.get()
    assert response.url == session.get_absolute_url()
    page = client.get(session.get_absolute_url()).content.decode()
    assert "怒气" in page and "发送" in page and "银行卡被重复扣了话费" in page
    client.post(reverse("training:session_say", args=[session.pk]), {"text": GOOD[0], "expected_turns": "0"})
    bad = client.post(reverse("training:session_say", args=[session.pk]), {"text": "  ", "expected_turns": "1"},
                      follow=True)
    assert "空白内容不会发送" in bad.content.decode()
    htmx = client.post(reverse("training:session_say", args=[session.pk]), {"text": "", "expected_turns": "1"},
                       HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and "data-say-error" in htmx.content.decode()  # shown in the chat
    client.post(reverse("training:session_end", args=[session.pk]))
    report = client.get(session.get_absolute_url()).content.decode()
    assert "场景目标" in report and "质检评分卡" in report and "更好的说法" in report
    client.force_login(cast["handler"])
    assert client.get(session.get_absolute_url()).status_code == 404  # others' sessions are not shown


def test_a_trainer_uploads_a_scenario_and_errors_name_the_line(client, cast):
    from kefu.simulator import get_scenario

    trainer = cast["outsider"]
    client.force_login(trainer)
    bad = client.post(reverse("training:scenarios"),
                      {"file": _upload("id: ours.bad\ntitle: 坏场景\ncategory: nope\n")})
    assert bad.status_code == 422 and "第" in bad.content.decode() and "行" in bad.content.decode()
    text = get_scenario(SCENARIO).to_yaml().replace("id: case.bank_deduction", "id: ours.bank_deduction", 1)
    ok = client.post(reverse("training:scenarios"), {"file": _upload(text), "publish": "1"})
    assert ok.status_code == 302
    client.force_login(cast["agent"])
    assert '<option value="ours.bank_deduction">' in client.get(reverse("training:index")).content.decode()
    assert client.post(reverse("training:scenarios"), {"file": _upload(text)}).status_code == 403


def _upload(text: str):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scenario.yaml", text.encode("utf-8"), content_type="text/yaml")


def test_a_case_book_complaint_becomes_a_draft_the_trainer_edits_and_publishes(client, cast):
    from kefu.complaints import services as complaints
    from kefu.complaints.models import Complaint
    from kefu.training.models import OperatorScenario

    complaint = complaints.complaint_record(
        actor=cast["agent"], channel="hotline", complainant_name="张先生", subject="宽带断网三天无人处理",
        content="客户13812345678反映宽带断网三天，报修两次无人上门。", demands="尽快修好，减免本月宽带费",
    )
    Complaint.objects.filter(pk=complaint.pk).update(in_casebook=True, implementation_note="当天派单上门并减免三天费用")
    trainer = cast["outsider"]
    client.force_login(trainer)
    assert "宽带断网三天无人处理" in client.get(reverse("training:scenarios")).content.decode()
    page = client.get(reverse("training:scenario_new"), {"complaint": complaint.pk}).content.decode()
    assert "宽带断网三天" in page and "13812345678" not in page  # prefilled, the number masked
    import html
    import re

    text = html.unescape(re.search(r'<textarea id="id_yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    response = client.post(reverse("training:scenario_new"), {"yaml": text, "publish": "1", "complaint": complaint.pk})
    assert response.status_code == 302
    row = OperatorScenario.objects.get()
    assert row.state == "published" and row.source_complaint_id == complaint.pk
    # Two trainers editing the same scenario: the second, on a stale version, is told who changed it.
    edit = reverse("training:scenario_edit", args=[row.pk])
    client.post(edit, {"yaml": text, "publish": "1", "expected_version": "1"})
    stale = client.post(edit, {"yaml": text, "publish": "0", "expected_version": "1"})
    assert stale.status_code == 422 and "修改了这个场景" in stale.content.decode()
    client.force_login(cast["agent"])
    assert f'<option value="{row.scenario_id}">' in client.get(reverse("training:index")).content.decode()


def test_a_draft_from_the_case_book_hides_the_customers_address_and_id_number(client, cast):
    from kefu.complaints import services as complaints
    from kefu.complaints.models import Complaint
    from kefu.customers.models import Customer

    customer = Customer.objects.create(name="张伟", address="浙江省杭州市西湖区文三路90号3幢502室",
                                       id_number="330106199001011234")
    complaint = complaints.complaint_record(
        actor=cast["agent"], channel="hotline", complainant_name="张先生", subject="宽带断网三天无人处理",
        content="家住浙江省杭州市西湖区文三路90号3幢502室，身份证330106199001011234，宽带断网三天。",
        demands="尽快修好", customer=customer,
    )
    Complaint.objects.filter(pk=complaint.pk).update(in_casebook=True)
    client.force_login(cast["outsider"])
    page = client.get(reverse("training:scenario_new"), {"complaint": complaint.pk}).content.decode()
    assert "宽带断网三天" in page and "浙江省杭州市西湖区" in page
    assert "文三路90号" not in page and "330106199001011234" not in page
