"""The five-gap page: each gap's figures computed from the records, each linking to them."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kefu.complaints.models import Complaint
from kefu.surveys import evidence, selectors, services
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.models import FollowUpTask, ServqualResponse, ServqualScore
from kefu.surveys.tests.conftest import sent_survey


def _closed_complaint(cast, breached: bool) -> Complaint:  # type: ignore[no-untyped-def]
    return Complaint.objects.create(complainant_name="张伟", channel="hotline", subject="宽带断线", content="断线",
                                    created_by=cast["agent"], state="closed", closed_at=timezone.now(),
                                    sla_breached=breached)


def test_the_gap_figures_come_from_the_records(client, cast, customer, rule):
    period = selectors.Period.last_days(30)
    for breached in (False, False, False, True):
        _closed_complaint(cast, breached)
    low = services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=1)
    services.survey_answer(survey=sent_survey(cast["agent"], phone="13900000011"), csat=5)
    other = services.survey_answer(survey=sent_survey(cast["agent"], phone="13900000012"), csat=2)
    FollowUpTask.objects.filter(pk=low.task.pk).update(due_at=timezone.now() + timedelta(seconds=30))
    services.task_close(task=FollowUpTask.objects.get(pk=low.task.pk), actor=cast["supervisor"], note="已回电")
    FollowUpTask.objects.filter(pk=other.task.pk).update(due_at=timezone.now() - timedelta(hours=1))
    services.task_close(task=FollowUpTask.objects.get(pk=other.task.pk), actor=cast["supervisor"], note="晚了")
    response = ServqualResponse.objects.create(mode="kiosk", channel="counter")
    for item in questionnaire().items:
        ServqualScore.objects.create(response=response, item=item.id, dimension=item.dimension, expectation=6,
                                     perception=5)
    services.management_answer(actor=cast["manager"], answers={d: (5, 3) for d in questionnaire().dimensions})

    gaps = {g.number: g for g in evidence.gap_model(period)}
    assert [g.number for g in gaps.values()] == [1, 2, 3, 4, 5]
    gap1 = {f.label: f for f in gaps[1].figures}
    assert gap1["可靠性"].value == "-1.00"  # management believes 5, customers expect 6
    assert {f.value for f in gaps[2].figures} == {"-2.00"}  # standards 3 against a believed 5
    gap4 = {f.label: f for f in gaps[4].figures}
    assert gap4["在时限内办结的投诉"].value == "75.0%" and gap4["在时限内办结的投诉"].n == 4
    assert gap4["低分回访按时回电"].value == "50.0%" and gap4["低分回访按时回电"].n == 2
    gap5 = {f.label: f for f in gaps[5].figures}
    assert gap5["平均满意度（1–5 分）"].value == "2.67"
    assert gap5["SERVQUAL 感知 − 期望（全部题项）"].value == "-1.00"

    client.force_login(cast["manager"])
    body = client.get(reverse("surveys:gaps")).content.decode()
    assert "差距 4：承诺未兑现" in body and reverse("surveys:sla_evidence") in body
    sla = client.get(reverse("surveys:sla_evidence")).content.decode()
    assert len(re.findall(r'href="/complaints/\d+/"', sla)) == 4 and "超时" in sla


def test_figures_from_the_on_site_app_appear_when_it_offers_them(db, monkeypatch):
    monkeypatch.setattr(evidence, "_optional", lambda module, name: (lambda start, end: (0.8, 25)))
    gaps = {g.number: g for g in evidence.gap_model(selectors.Period.last_days(30))}
    assert any(f.label == "上门服务检查项执行率" and f.value == "80.0%" and f.n == 25 for f in gaps[3].figures)
    assert any(f.label == "按约上门的预约" and f.value == "80.0%" for f in gaps[4].figures)


def test_the_insights_selectors_count_low_answers_and_average_by_agent(cast, customer, rule):
    services.survey_answer(survey=sent_survey(cast["agent"], customer), csat=1)
    earlier = sent_survey(cast["agent"], customer, at=timezone.now() - timedelta(days=40))
    services.survey_answer(survey=earlier, csat=4, now=earlier.sent_at + timedelta(hours=1))  # type: ignore[operator]
    now = timezone.now()
    assert selectors.low_answers_by_customer(now - timedelta(days=1)) == {customer.pk: 1}
    assert selectors.csat_by_agent(now - timedelta(days=1), now + timedelta(minutes=1)) == {cast["agent"].pk: (1.0, 1)}
    assert selectors.csat_by_agent(now - timedelta(days=50), now + timedelta(minutes=1)) == {
        cast["agent"].pk: (2.5, 2)}


def test_the_mean_by_agent_over_whole_days_reads_the_summary_and_the_days_after_it_alike(cast, customer, rule):
    from kefu.lib.dates import day_start
    from kefu.surveys import rollup

    earlier = sent_survey(cast["agent"], customer, at=timezone.now() - timedelta(days=10))
    services.survey_answer(survey=earlier, csat=4, now=earlier.sent_at + timedelta(hours=1))  # type: ignore[operator]
    today = timezone.localdate()
    start, end = day_start(today - timedelta(days=30)), day_start(today) + timedelta(days=1)
    rollup.refresh(full=True)  # the summary covers the days before today
    services.survey_answer(survey=sent_survey(cast["agent"], phone="13900000001"), csat=1)  # today: read live
    assert selectors.csat_by_agent(start, end) == {cast["agent"].pk: (2.5, 2)}
    assert selectors.csat_by_agent(start, end - timedelta(days=1)) == {cast["agent"].pk: (4.0, 1)}
