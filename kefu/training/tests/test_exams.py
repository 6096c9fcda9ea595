"""Exam papers, attempts and answers: quotas, retakes, the server-side deadline, two tabs, grading."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.accounts.models import User
from kefu.accounts.roles import Role
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.training import bank, services
from kefu.training.models import Answer, AttemptEvent, ExamAttempt
from kefu.training.tests.helpers import right, wrong

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer(cast):  # type: ignore[no-untyped-def]
    return cast["outsider"]  # the cast's trainer (培训师)


@pytest.fixture
def paper(trainer):  # type: ignore[no-untyped-def]
    return services.paper_create(actor=trainer, title="服务规范月考", quotas={"counter": 3, "technique": 2, "regulation": 2},
                                 time_limit_minutes=20, pass_mark=60)


def test_a_paper_draws_each_categorys_quota_at_random(paper, cast):
    attempt = services.attempt_start(paper=paper, trainee=cast["agent"], seed=1)
    cats = [bank.get_item(i).category for i in attempt.item_ids]
    assert sorted(cats) == sorted(["counter"] * 3 + ["technique"] * 2 + ["regulation"] * 2)
    assert Answer.objects.filter(attempt=attempt).count() == 7
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=20)


def test_a_retake_draws_questions_the_trainee_has_not_had(paper, cast):
    agent = cast["agent"]
    first = services.attempt_start(paper=paper, trainee=agent, seed=5)
    services.attempt_submit(attempt=first, actor=agent)
    second = services.attempt_start(paper=paper, trainee=agent, seed=5)  # same seed: still new questions
    assert second.number == 2
    assert not set(first.item_ids) & set(second.item_ids)


def test_draws_fall_back_to_seen_questions_when_the_category_runs_out():
    counter = [i.id for i in bank.load_items() if i.category == "counter"]
    drawn = services.draw_items({"counter": 5}, rng=random.Random(3), avoid=counter[:-2])
    assert set(counter[-2:]) <= set(drawn) and len(drawn) == 5


def test_opening_the_exam_again_resumes_the_attempt_in_progress(paper, cast):
    one = services.attempt_start(paper=paper, trainee=cast["agent"])
    two = services.attempt_start(paper=paper, trainee=cast["agent"])
    assert one.pk == two.pk and ExamAttempt.objects.count() == 1


def test_the_score_is_the_share_right_and_the_pass_mark_decides(paper, cast):
    agent = cast["agent"]
    attempt = services.attempt_start(paper=paper, trainee=agent, seed=2)
    items = [bank.get_item(i) for i in attempt.item_ids]
    for n, item in enumerate(items):
        services.answer_save(attempt=attempt, actor=agent, item_id=item.id, response=right(item) if n < 5 else wrong(item))
    done = services.attempt_submit(attempt=attempt, actor=agent)
    assert done.state == "submitted"
    assert float(done.score) == pytest.approx(round(500 / 7, 1))
    assert done.passed is True  # 71.4 % ≥ 60 %
    assert [e.action for e in AttemptEvent.objects.filter(attempt=attempt)] == ["start"] + ["answer"] * 7 + ["submit"]


def test_an_answer_after_the_time_limit_is_refused_and_the_exam_is_closed(paper, cast):
    agent = cast["agent"]
    start = timezone.now()
    attempt = services.attempt_start(paper=paper, trainee=agent, now=start, seed=3)
    item = bank.get_item(attempt.item_ids[0])
    services.answer_save(attempt=attempt, actor=agent, item_id=item.id, response=right(item), now=start + timedelta(minutes=5))
    late = bank.get_item(attempt.item_ids[1])
    with pytest.raises(Conflict, match=r"时间已到|Time is up") as exc:
        services.answer_save(attempt=attempt, actor=agent, item_id=late.id, response=right(late),
                             now=start + timedelta(minutes=21))
    assert "未被记录" in exc.value.message or "not recorded" in exc.value.message
    attempt.refresh_from_db()
    assert attempt.state == "expired"
    assert Answer.objects.get(attempt=attempt, item_id=late.id).version == 0  # the late answer was not kept
    assert float(attempt.score) == pytest.approx(round(100 / 7, 1))  # scored on what was saved in time


def test_handing_in_after_the_deadline_closes_it_as_time_up(paper, cast):
    agent = cast["agent"]
    start = timezone.now()
    attempt = services.attempt_start(paper=paper, trainee=agent, now=start)
    done = services.attempt_submit(attempt=attempt, actor=agent, now=start + timedelta(minutes=30))
    assert done.state == "expired" and done.passed is False


def test_two_tabs_answering_the_same_question_keep_one_answer(paper, cast):
    agent = cast["agent"]
    attempt = services.attempt_start(paper=paper, trainee=agent, seed=4)
    item = bank.get_item(attempt.item_ids[0])
    # Both tabs loaded the page when the question was unanswered (version 0).
    services.answer_save(attempt=attempt, actor=agent, item_id=item.id, response=right(item), expected_version=0)
    with pytest.raises(Conflict, match=r"另一个窗口|another window"):
        services.answer_save(attempt=attempt, actor=agent, item_id=item.id, response=wrong(item), expected_version=0)
    row = Answer.objects.get(attempt=attempt, item_id=item.id)
    assert row.correct is True and row.version == 1
    done = services.attempt_submit(attempt=attempt, actor=agent)
    assert float(done.score) == pytest.approx(round(100 / 7, 1))  # counted once


def test_a_second_hand_in_is_told_when_the_first_happened(paper, cast):
    agent = cast["agent"]
    attempt = services.attempt_start(paper=paper, trainee=agent)
    services.attempt_submit(attempt=attempt, actor=agent)
    with pytest.raises(Conflict, match=r"交卷|handed in"):
        services.attempt_submit(attempt=attempt, actor=agent)
    with pytest.raises(Conflict):
        item = bank.get_item(attempt.item_ids[0])
        services.answer_save(attempt=attempt, actor=agent, item_id=item.id, response=right(item))
    assert AttemptEvent.objects.filter(attempt=attempt, action="submit").count() == 1


def test_only_the_trainee_answers_their_own_exam(paper, cast):
    attempt = services.attempt_start(paper=paper, trainee=cast["agent"])
    with pytest.raises(NotAllowed):
        services.answer_save(attempt=attempt, actor=cast["handler"], item_id=attempt.item_ids[0], response=0)
    with pytest.raises(NotAllowed):
        services.attempt_submit(attempt=attempt, actor=cast["handler"])


def test_a_question_not_in_the_attempt_or_a_nonsense_answer_is_refused(paper, cast):
    agent = cast["agent"]
    attempt = services.attempt_start(paper=paper, trainee=agent, seed=1)  # seed 1 draws a single-choice item
    other = next(i for i in bank.load_items() if i.id not in attempt.item_ids)
    with pytest.raises(InvalidInput):
        services.answer_save(attempt=attempt, actor=agent, item_id=other.id, response=0)
    choice = next(bank.get_item(i) for i in attempt.item_ids if bank.get_item(i).kind == "single")
    with pytest.raises(InvalidInput):
        services.answer_save(attempt=attempt, actor=agent, item_id=choice.id, response=99)


def test_only_trainers_build_papers_and_quotas_are_checked(cast, trainer):
    with pytest.raises(NotAllowed):
        services.paper_create(actor=cast["agent"], title="x", quotas={"counter": 1}, time_limit_minutes=10, pass_mark=60)
    with pytest.raises(InvalidInput) as exc:
        services.paper_create(actor=trainer, title="", quotas={"counter": 999, "nope": 1}, time_limit_minutes=0,
                              pass_mark=101)
    assert set(exc.value.errors) == {"title", "quota_counter", "quota_nope", "time_limit_minutes", "pass_mark"}


def test_people_who_do_not_practise_cannot_sit_exams(paper, cast):
    with pytest.raises(NotAllowed):
        services.attempt_start(paper=paper, trainee=cast["qa"])


def test_assigning_a_paper_to_a_department_notifies_each_trainee(paper, trainer, cast, departments):
    from kefu.notifications.models import Notification

    extra = User.objects.create_user("zhangting", password="x", role=Role.AGENT, department=departments["front"])
    assignment = services.assignment_create(actor=trainer, kind="paper", paper=paper, department=departments["front"],
                                            due_at=timezone.now() + timedelta(days=3))
    people = set(assignment.trainees.values_list("username", flat=True))
    assert {"agent", "zhangting", "supervisor"} <= people  # supervisors practise too
    assert "manager" not in people  # managers do not practise
    assert Notification.objects.filter(user=extra, kind="training").count() == 1


def test_an_assignment_needs_a_future_due_date_and_someone_to_do_it(paper, trainer, cast):
    with pytest.raises(InvalidInput) as exc:
        services.assignment_create(actor=trainer, kind="paper", paper=paper, trainees=[cast["qa"]],
                                   due_at=timezone.now() - timedelta(hours=1))
    assert set(exc.value.errors) == {"due_at", "trainees"}
    with pytest.raises(NotAllowed):
        services.assignment_create(actor=cast["agent"], kind="paper", paper=paper, trainees=[cast["agent"]],
                                   due_at=timezone.now() + timedelta(days=1))


def test_the_sweep_closes_exams_past_their_deadline_and_silent_sparring(paper, cast):
    from kefu.training import tasks

    attempt = services.attempt_start(paper=paper, trainee=cast["agent"], now=timezone.now() - timedelta(hours=1))
    assert tasks.close_expired()["exams"] == 1
    attempt.refresh_from_db()
    assert attempt.state == "expired" and attempt.passed is False
