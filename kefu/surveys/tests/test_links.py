"""The customer's link: opens without login; tampered, expired, reused and answered-twice links get a
clear page and write nothing; a low answer opens a follow-up task and tells the agent's supervisor."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kefu.notifications.models import Notification
from kefu.surveys import services, tokens
from kefu.surveys.models import FollowUpTask, Survey
from kefu.surveys.tests.conftest import sent_survey


def url(survey: Survey) -> str:
    return "/s/" + tokens.make(survey.pk, survey.nonce) + "/"


def test_a_customer_answers_without_login_and_sees_thanks(client, cast, customer, rule):
    survey = sent_survey(cast["agent"], customer)
    page = client.get(url(survey))
    assert page.status_code == 200 and "评价" in page.content.decode()
    done = client.post(url(survey), {"csat": "5", "nps": "9", "comment": "很滿意"})
    assert done.status_code == 200 and "感谢" in done.content.decode()
    survey.refresh_from_db()
    assert (survey.state, survey.csat, survey.nps, survey.comment) == ("answered", 5, 9, "很满意")  # simplified
    assert not FollowUpTask.objects.exists()


def test_a_tampered_link_shows_a_clear_page_and_writes_nothing(client, cast, customer, rule):
    survey = sent_survey(cast["agent"], customer)
    token = tokens.make(survey.pk, survey.nonce)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = client.post(f"/s/{forged}/", {"csat": "1"})
    assert page.status_code == 400 and "链接无效" in page.content.decode()
    other = tokens.make(survey.pk, "someothernonce")  # signed, but not this survey's link
    assert client.get(f"/s/{other}/").status_code == 400
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_an_expired_link_shows_a_clear_page_and_writes_nothing(client, cast, customer, rule):
    survey = sent_survey(cast["agent"], customer)
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = client.post(url(survey), {"csat": "4"})
    assert page.status_code == 410 and "已结束" in page.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None and survey.csat is None


def test_a_link_older_than_any_rule_allows_is_expired_by_its_signature(client, cast, customer, rule, monkeypatch):
    survey = sent_survey(cast["agent"], customer)
    token = tokens.make(survey.pk, survey.nonce)
    monkeypatch.setattr(tokens, "MAX_AGE", timedelta(seconds=-1))
    assert client.get(f"/s/{token}/").status_code == 410


def test_a_reused_link_keeps_the_first_answer(client, cast, customer, rule):
    survey = sent_survey(cast["agent"], customer)
    client.post(url(survey), {"csat": "4"})
    again = client.post(url(survey), {"csat": "1", "reasons": ["attitude"]})
    assert again.status_code == 409 and "以第一次提交为准" in again.content.decode()
    survey.refresh_from_db()
    assert survey.csat == 4 and survey.reasons == []
    assert client.get(url(survey)).status_code == 409


def test_answering_twice_through_the_service_raises_and_changes_nothing(cast, customer, rule):
    survey = sent_survey(cast["agent"], customer)
    stale = Survey.objects.get(pk=survey.pk)
    services.survey_answer(survey=survey, csat=2, reasons=["slow"])
    try:
        services.survey_answer(survey=stale, csat=5)
    except services.AlreadyAnswered as exc:
        assert exc.answered_at is not None
    else:
        raise AssertionError("a second answer was accepted")
    survey.refresh_from_db()
    assert survey.csat == 2 and FollowUpTask.objects.count() == 1


def test_a_low_answer_opens_a_follow_up_and_notifies_the_agents_supervisor(client, cast, customer, rule):
    survey = sent_survey(cast["agent"], customer)
    client.post(url(survey), {"csat": "1", "reasons": ["not_solved", "passed_around"], "comment": "问题没解决"})
    task = FollowUpTask.objects.get(survey=survey)
    assert task.assignee == cast["supervisor"] and task.state == "open"
    notes = Notification.objects.filter(kind="survey_low")
    assert {n.user for n in notes} == {cast["supervisor"], cast["supervisor2"]}  # the agent's department
    assert "王小丽" in notes[0].title and "问题没解决" in notes[0].body
    survey.refresh_from_db()
    assert survey.reasons == ["not_solved", "passed_around"]


def test_reasons_are_dropped_when_the_answer_is_not_low(cast, customer, rule):
    survey = services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=4, reasons=["slow"])
    assert survey.reasons == []


def test_bad_answers_are_told_back_and_nothing_is_written(client, cast, customer, rule):
    survey = sent_survey(cast["agent"], customer)
    page = client.post(url(survey), {"csat": "9", "nps": "11"})
    assert page.status_code == 422
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_follow_up_is_closed_once_and_the_loser_is_told_who(cast, customer, rule):
    from kefu.lib.errors import Conflict

    survey = services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=1)
    task = FollowUpTask.objects.get(survey=survey)
    services.task_close(task=task, actor=cast["supervisor"], note="已回电致歉并重新处理")
    try:
        services.task_close(task=task, actor=cast["manager"], note="我也回了电话")
    except Conflict as exc:
        assert "陈主管" in exc.message
    else:
        raise AssertionError("closed twice")
    task.refresh_from_db()
    assert task.done_by == cast["supervisor"] and task.kept
