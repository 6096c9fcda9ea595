"""SERVQUAL: P − E per item and dimension with t intervals, checked against a hand-computed example;
the counter tablet and the survey link record complete questionnaires only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.surveys import selectors, services
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.core.stats import mean_interval
from kefu.surveys.models import Rule, ServqualResponse, ServqualScore, Survey
from kefu.surveys.tests.conftest import sent_survey
from kefu.surveys.tokens import make


def test_the_t_interval_matches_the_hand_computed_one():
    # diffs −1, −2, 0: mean −1, sd 1, se 1/√3, t(0.975, 2) = 4.302653 → half-width 2.484138
    interval = mean_interval([-1.0, -2.0, 0.0])
    assert interval is not None and interval.n == 3 and interval.mean == -1
    assert interval.low == pytest.approx(-3.484138, abs=1e-5) and interval.high == pytest.approx(1.484138, abs=1e-5)
    assert not interval.significant
    single = mean_interval([2.0])
    assert single is not None and single.low is None


def _respond(pairs: dict[str, tuple[int, int]], channel: str = "hotline", at=None) -> ServqualResponse:  # type: ignore[no-untyped-def]
    response = ServqualResponse.objects.create(mode="link", channel=channel, taken_at=at or timezone.now())
    for item, (e, p) in pairs.items():
        ServqualScore.objects.create(response=response, item=item, dimension=item_dim(item), expectation=e,
                                     perception=p)
    return response


def item_dim(item: str) -> str:
    found = questionnaire().item(item)
    assert found is not None
    return found.dimension


def test_the_report_gives_item_and_dimension_gaps_with_intervals(db):
    _respond({"rel1": (6, 5), "rel2": (6, 6)})
    _respond({"rel1": (7, 5), "rel2": (7, 4)})
    _respond({"rel1": (5, 5), "rel2": (5, 6)}, channel="counter")
    report = selectors.servqual_report(selectors.Period.last_days(30))
    rel1 = next(r for r in report.items if r.key == "rel1")
    assert rel1.expectation == 6 and rel1.perception == 5
    assert rel1.gap is not None and rel1.gap.mean == -1
    assert rel1.gap.low == pytest.approx(-3.484138, abs=1e-5)
    # Reliability, per respondent: (−1+0)/2, (−2−3)/2, (0+1)/2 = −0.5, −2.5, 0.5; mean −0.8333, sd 1.527525
    # se 0.881917, half-width 4.302653 × 0.881917 = 3.794583
    rel = next(d for d in report.dimensions if d.key == "reliability")
    assert rel.title == "可靠性" and rel.gap is not None and rel.gap.n == 3
    assert rel.gap.mean == pytest.approx(-0.833333, abs=1e-5)
    assert rel.gap.low == pytest.approx(-4.627916, abs=1e-5) and rel.gap.high == pytest.approx(2.961250, abs=1e-5)
    assert next(d for d in report.dimensions if d.key == "empathy").gap is None
    channels = {name: n for name, n, _gap in report.by_channel}
    assert channels == {"热线": 2, "营业厅": 1} or sum(channels.values()) == 3


def test_the_report_page_shows_the_dimension_interval(client, cast):
    _respond({"rel1": (6, 5)})
    _respond({"rel1": (7, 5)})
    _respond({"rel1": (5, 5)})
    client.force_login(cast["supervisor"])
    body = client.get(reverse("surveys:servqual")).content.decode()
    assert "可靠性" in body and "-3.48 ～ 1.48" in body


def _all_items(e: int, p: int) -> dict[str, list[str]]:
    return {f"{side}_{item.id}": str(v) for item in questionnaire().items for side, v in (("e", e), ("p", p))}


def test_a_counter_agent_takes_the_questionnaire_on_the_tablet(client, cast):
    client.force_login(cast["agent"])
    page = client.post(reverse("surveys:kiosk"), {"channel": "counter", **_all_items(6, 5)})
    assert "data-kiosk-done" in page.content.decode()
    response = ServqualResponse.objects.get()
    assert response.mode == "kiosk" and response.taken_by == cast["agent"] and response.scores.count() == 15


def test_a_half_answered_questionnaire_is_refused_and_nothing_is_written(client, cast):
    answers = _all_items(6, 5)
    del answers["p_tan3"]
    client.force_login(cast["agent"])
    page = client.post(reverse("surveys:kiosk"), {"channel": "counter", **answers})
    assert "请为两句陈述都打分" in page.content.decode() and not ServqualResponse.objects.exists()
    with pytest.raises(InvalidInput):
        services.servqual_at_counter(actor=cast["agent"], channel="counter", answers={"rel1": [9, 1]})
    with pytest.raises(NotAllowed):
        services.servqual_at_counter(actor=cast["outsider"], channel="counter", answers={})


def test_a_sampled_survey_carries_the_questionnaire_and_records_it_with_the_answer(client, cast, customer):
    Rule.objects.create(source_kind="contact", sample_every=1, cooldown_days=0, delay_minutes=0, servqual_every=1)
    survey = sent_survey(cast["agent"], customer)
    assert survey.with_servqual
    page = client.get(f"/s/{make(survey.pk, survey.nonce)}/")
    assert "优秀的服务商" in page.content.decode()
    client.post(f"/s/{make(survey.pk, survey.nonce)}/", {"csat": "4", **_all_items(7, 6)})
    survey = Survey.objects.get(pk=survey.pk)
    assert survey.csat == 4 and survey.servqual.scores.count() == 15 and survey.servqual.channel == "hotline"


def test_the_management_questionnaire_needs_every_dimension(cast):
    with pytest.raises(InvalidInput) as exc:
        services.management_answer(actor=cast["manager"], answers={"reliability": (6, 5)})
    assert "empathy" in exc.value.errors
    with pytest.raises(NotAllowed):
        services.management_answer(actor=cast["supervisor"], answers={})
    rows = services.management_answer(actor=cast["manager"], answers={d: (6, 4) for d in questionnaire().dimensions})
    assert len(rows) == 5
    later = timezone.now() + timedelta(minutes=1)
    services.management_answer(actor=cast["manager"], answers={d: (5, 5) for d in questionnaire().dimensions},
                               now=later)
    assert selectors.management_view(now=later)["empathy"] == (5.0, 5.0, 1)  # the newest answer counts
