"""Training API: my assignments; start, answer and hand in an exam; 4xx on bad input and lost races."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.complaints.tests.api_client import Api
from kefu.training import bank, services
from kefu.training.models import ExamAttempt
from kefu.training.tests.helpers import right, wrong

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(cast):  # type: ignore[no-untyped-def]
    paper = services.paper_create(actor=cast["outsider"], title="法规常识", quotas={"regulation": 3},
                                  time_limit_minutes=15, pass_mark=60)
    services.assignment_create(actor=cast["outsider"], kind="paper", paper=paper, trainees=[cast["agent"]],
                               due_at=timezone.now() + timedelta(days=1))
    return paper


def test_a_trainee_lists_assignments_sits_the_exam_and_hands_it_in(cast, paper):
    api = Api(cast["agent"])
    mine = api.get("/training/assignments").json()
    assert [(a["title"], a["kind"], a["done"]) for a in mine] == [("法规常识", "paper", False)]
    started = api.post(f"/training/papers/{paper.pk}/attempts")
    assert started.status_code == 201
    attempt = started.json()
    for q in attempt["questions"]:
        item = bank.get_item(q["item"])
        response = right(item)
        saved = api.post(f"/training/attempts/{attempt['id']}/answers",
                         {"item": q["item"], "response": response, "expected_version": q["version"]})
        assert saved.status_code == 200 and saved.json()["version"] == q["version"] + 1
    done = api.post(f"/training/attempts/{attempt['id']}/submit").json()
    assert done["state"] == "submitted" and done["score"] == 100.0 and done["passed"] is True
    assert api.get("/training/assignments").json()[0]["done"] is True
    again = api.post(f"/training/attempts/{attempt['id']}/submit")
    assert again.status_code == 409 and "交卷" in again.json()["detail"]


def test_bad_answers_are_4xx_with_a_message(cast, paper):
    api = Api(cast["agent"])
    attempt = api.post(f"/training/papers/{paper.pk}/attempts").json()
    url = f"/training/attempts/{attempt['id']}/answers"
    q = attempt["questions"][0]
    assert api.post(url, {"item": "no.such.item", "response": 0}).status_code == 422
    assert api.post(url, {"response": 0}).status_code == 422
    assert api.post(url, {"item": q["item"], "response": {"a": 1}}).status_code == 422
    assert api.post(url, {"item": q["item"], "response": 0, "expected_version": -1}).status_code == 422
    assert api.post(url, {"item": q["item"], "response": 0, "expected_version": 0}).status_code == 200
    stale = api.post(url, {"item": q["item"], "response": 1, "expected_version": 0})  # a second tab
    assert stale.status_code == 409 and "另一个窗口" in stale.json()["detail"]
    assert api.get("/training/attempts/999999999").status_code == 404


def test_an_answer_after_the_deadline_is_409_and_closes_the_exam(cast, paper):
    api = Api(cast["agent"])
    attempt = api.post(f"/training/papers/{paper.pk}/attempts").json()
    ExamAttempt.objects.filter(pk=attempt["id"]).update(deadline_at=timezone.now() - timedelta(seconds=1))
    q = attempt["questions"][0]
    late = api.post(f"/training/attempts/{attempt['id']}/answers", {"item": q["item"], "response": True})
    assert late.status_code == 409 and "考试时间已到" in late.json()["detail"]
    assert ExamAttempt.objects.get(pk=attempt["id"]).state == "expired"


def test_others_cannot_see_or_answer_an_attempt_and_non_trainees_cannot_start(cast, paper):
    attempt = Api(cast["agent"]).post(f"/training/papers/{paper.pk}/attempts").json()
    other = Api(cast["handler"])
    assert other.get(f"/training/attempts/{attempt['id']}").status_code == 404
    assert other.post(f"/training/attempts/{attempt['id']}/submit").status_code == 404
    assert Api(cast["qa"]).post(f"/training/papers/{paper.pk}/attempts").status_code == 403
    assert Api(cast["qa"]).get("/training/assignments").status_code == 403
    assert Api().get("/training/assignments").status_code == 401


def test_an_open_exam_does_not_tell_whether_an_answer_is_right_so_options_cannot_be_tried_in_turn(cast, paper):
    api = Api(cast["agent"])
    attempt = api.post(f"/training/papers/{paper.pk}/attempts").json()
    url = f"/training/attempts/{attempt['id']}/answers"
    q = attempt["questions"][0]
    item = bank.get_item(q["item"])
    first = api.post(url, {"item": q["item"], "response": wrong(item), "expected_version": q["version"]}).json()
    second = api.post(url, {"item": q["item"], "response": right(item), "expected_version": first["version"]}).json()
    assert first["correct"] is None and second["correct"] is None
    assert first["score"] is None and second["score"] is None
