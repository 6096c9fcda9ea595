"""Training pages: who sees what, in Chinese, and the exam works without JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.training import bank, services
from kefu.training.models import ExamAttempt
from kefu.training.tests.helpers import right, wrong

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer(cast):  # type: ignore[no-untyped-def]
    return cast["outsider"]


@pytest.fixture
def paper(trainer):  # type: ignore[no-untyped-def]
    return services.paper_create(actor=trainer, title="柜台规范测验", quotas={"counter": 2, "phone": 2},
                                 time_limit_minutes=10, pass_mark=50)


def _get(client, user, name, *args, **query):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(reverse(name, args=args or None), query)


@pytest.mark.parametrize(("name", "heading"), [("training:papers", "组卷"), ("training:assign", "布置培训"),
                                               ("training:dashboard", "学员进度"), ("training:items", "题目分析")])
def test_trainer_pages_render_in_chinese_and_are_closed_to_trainees(client, cast, trainer, paper, name, heading):
    page = _get(client, trainer, name)
    assert page.status_code == 200
    assert heading in page.content.decode()
    assert _get(client, cast["agent"], name).status_code == 403


def test_the_trainee_home_lists_assignments_with_due_dates_in_chinese(client, cast, trainer, paper):
    due = timezone.now() + timedelta(days=2)
    services.assignment_create(actor=trainer, kind="paper", paper=paper, trainees=[cast["agent"]], due_at=due)
    page = _get(client, cast["agent"], "training:index")
    text = page.content.decode()
    assert page.status_code == 200
    assert "我的培训任务" in text and "柜台规范测验" in text and timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in text
    assert "待完成" in text


def test_people_without_training_get_a_refusal(client, cast):
    assert _get(client, cast["qa"], "training:index").status_code == 403


def test_the_exam_is_answered_and_handed_in_without_javascript(client, cast, paper):
    agent = cast["agent"]
    client.force_login(agent)
    response = client.post(reverse("training:paper_start", args=[paper.pk]))
    attempt = ExamAttempt.objects.get()
    assert response.url == attempt.get_absolute_url()
    page = client.get(attempt.get_absolute_url()).content.decode()
    assert "剩余时间" in page and "交卷" in page and "<script>" not in page
    data = {"submit": "1"}
    for item_id in attempt.item_ids:
        item = bank.get_item(item_id)
        data[f"v_{item_id}"] = "0"
        if item.kind == "single":
            data[f"q_{item_id}"] = str(item.answer[0])
        elif item.kind == "multiple":
            data[f"q_{item_id}"] = [str(i) for i in item.answer]
        elif item.kind == "truefalse":
            data[f"q_{item_id}"] = "true" if item.truth else "false"
        else:
            data[f"q_{item_id}"] = item.model
    client.post(reverse("training:attempt_save", args=[attempt.pk]), data)
    attempt.refresh_from_db()
    assert attempt.state == "submitted" and float(attempt.score) == 100.0
    result = client.get(attempt.get_absolute_url()).content.decode()
    assert "考试结果" in result and "通过" in result and "评分方法" in result


def test_a_trainee_cannot_see_anothers_result(client, cast, paper):
    attempt = services.attempt_start(paper=paper, trainee=cast["agent"])
    services.attempt_submit(attempt=attempt, actor=cast["agent"])
    client.force_login(cast["handler"])
    assert client.get(attempt.get_absolute_url()).status_code == 404
    assert client.get(reverse("training:trainee", args=[cast["agent"].pk])).status_code == 404


def test_the_trainer_sees_every_result_and_the_item_analysis(client, cast, trainer, paper):
    attempt = services.attempt_start(paper=paper, trainee=cast["agent"])
    services.attempt_submit(attempt=attempt, actor=cast["agent"])
    client.force_login(trainer)
    assert client.get(attempt.get_absolute_url()).status_code == 200
    detail = client.get(reverse("training:paper", args=[paper.pk])).content.decode()
    assert "区分度" in detail and "王小丽" in detail
    board = client.get(reverse("training:dashboard")).content.decode()
    assert 'data-trainee="agent"' in board


def test_only_trainers_build_papers_through_the_page(client, cast, trainer):
    client.force_login(cast["agent"])
    assert client.post(reverse("training:papers"), {"title": "x", "quota_counter": "1"}).status_code == 403
    client.force_login(trainer)
    bad = client.post(reverse("training:papers"), {"title": "", "quota_counter": "abc", "time_limit_minutes": "10",
                                                   "pass_mark": "60"})
    assert bad.status_code == 422
    assert "请输入整数" in bad.content.decode() and "请填写试卷名称" in bad.content.decode()


def _form_value(value):  # type: ignore[no-untyped-def]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def test_each_answer_is_saved_as_it_changes_and_a_stale_tab_is_told_in_place(client, cast, paper):
    agent = cast["agent"]
    client.force_login(agent)
    attempt = services.attempt_start(paper=paper, trainee=agent, seed=1)
    item = bank.get_item(attempt.item_ids[0])
    url = reverse("training:attempt_answer", args=[attempt.pk, item.id])
    first = client.post(url, {f"q_{item.id}": _form_value(right(item)), f"v_{item.id}": "0"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and "data-saved" in first.content.decode()
    assert f'name="v_{item.id}" id="v-1" value="1" hx-swap-oob="true"' in first.content.decode()
    stale = client.post(url, {f"q_{item.id}": _form_value(wrong(item)), f"v_{item.id}": "0"},  # the other tab
                        HTTP_HX_REQUEST="true")
    text = stale.content.decode()
    assert stale.status_code == 200 and "data-answer-error" in text and "另一个窗口" in text
    assert 'value="1" hx-swap-oob="true"' in text  # the kept answer's version, to change it knowingly
    assert ExamAttempt.objects.get().answers.get(item_id=item.id).correct is True
    other = next(i for i in bank.load_items() if i.id not in attempt.item_ids)
    assert client.post(reverse("training:attempt_answer", args=[attempt.pk, other.id]), {}).status_code == 404


def test_the_workbench_shows_a_trainees_open_training_with_its_due_date(client, cast, trainer, paper):
    due = timezone.now() + timedelta(days=1)
    services.assignment_create(actor=trainer, kind="paper", paper=paper, trainees=[cast["agent"]], due_at=due)
    client.force_login(cast["agent"])
    page = client.get("/").content.decode()
    assert "我的待完成培训" in page and "柜台规范测验" in page and timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in page
    client.force_login(cast["handler"])  # nothing assigned: no panel
    assert "我的待完成培训" not in client.get("/").content.decode()
