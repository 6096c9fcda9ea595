"""Calibration: blind scoring by several inspectors, the QA lead's reference, and agreement checked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kefu.accounts.models import User
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.quality import calibration, reviews, services
from kefu.quality.calibration import (
    card_score,
    cohen_kappa,
    krippendorff_alpha_nominal,
    mean_abs_difference,
    spearman_rho,
)
from kefu.quality.models import CalibrationScore, CalibrationSession, Conversation, Review, Scorecard
from kefu.quality.tests.test_import_and_score import GOOD

# ---------------------------------------------------------------- statistics, against worked examples


def test_alpha_reproduces_krippendorffs_example_with_four_observers_and_missing_values():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
    # 12 units, values 1–5, some missing. Nominal α = 0.743 (exactly 1 − 39·10/(… ) = 0.74342).
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    c = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    units = [[v for v in unit if v is not None] for unit in zip(a, b, c, d, strict=True)]
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_alpha_reproduces_krippendorffs_binary_example_with_two_observers():
    # Krippendorff (2011), section A: two observers, ten units, binary. α = 1 − 19·4/(14·6) = 2/21 ≈ 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha_nominal(list(zip(a, b, strict=True))) == pytest.approx(2 / 21)


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation_or_pairs():
    assert krippendorff_alpha_nominal([[1, 1, 1], [0, 0], ["x"]]) == pytest.approx(1.0)
    assert krippendorff_alpha_nominal([[1, 1], [1, 1, 1]]) is None  # one value throughout
    assert krippendorff_alpha_nominal([[1], [0], []]) is None  # nothing to pair


def test_kappa_rho_and_mean_difference_match_hand_computed_values():
    # p_o = 3/4, p_e = ½·¼ + ½·¾ = ½ → κ = (¾ − ½)/(1 − ½) = ½
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0]) == pytest.approx(0.5)
    # ranks 3,1,4,2 and 2,1,4,3: Σd² = 2 → ρ = 1 − 6·2/(4·15) = 0.8
    assert spearman_rho([80, 60, 100, 70], [70, 60, 100, 80]) == pytest.approx(0.8)
    assert mean_abs_difference([80, 60, 100, 70], [70, 60, 100, 80]) == pytest.approx(5.0)
    assert cohen_kappa([1, 1], [1, 1]) is None  # chance agreement 1: κ undefined, not a drift
    assert cohen_kappa([1, 1], [0, 0]) == pytest.approx(0.0)
    assert spearman_rho([70], [80]) is None and spearman_rho([70, 70], [60, 80]) is None
    assert mean_abs_difference([], []) is None


def test_a_card_scores_as_a_review_would():
    data = {"veto": "zero", "hits": [
        {"rule": "a", "outcome": "fail", "points": -10, "critical": False},
        {"rule": "b", "outcome": "fail", "points": -25.5, "critical": False},
        {"rule": "c", "outcome": "fail", "points": -5, "critical": True},
        {"rule": "d", "outcome": "pass", "points": 0, "critical": True},
    ]}
    assert card_score(data, withdrawn={"c"}, manual_points=[Decimal(3)]) == Decimal("61.5")  # 100 − 10 − 25.5 − 3
    assert card_score(data, withdrawn=set(), manual_points=[]) == Decimal(0)  # critical upheld: veto
    assert card_score({**data, "veto": "fail"}, withdrawn=set(), manual_points=[]) == Decimal("59.5")
    assert card_score(data, withdrawn={"c"}, manual_points=[Decimal(80)]) == Decimal(0)  # never below 0


# ---------------------------------------------------------------- a session built by hand

GREETING, EXCUSE, PROMISE = "greeting.standard", "attitude.shirk", "compliance.promise"
TITLES = {GREETING: "未使用标准问候语", EXCUSE: "推诿客户", PROMISE: "违规承诺"}
POINTS = {GREETING: 10, EXCUSE: 20, PROMISE: 15}


def _conversation(source_id: str, agent: User, failed: list[str]) -> Conversation:
    turns = [{"speaker": "agent", "text": "喂，什么事？", "start": 0},
             {"speaker": "customer", "text": "宽带断了。", "start": 2},
             {"speaker": "agent", "text": "你自己去营业厅，保证明天修好。", "start": 4}]
    conv = Conversation.objects.create(source_id=source_id, channel="hotline", agent=agent, turns=turns, digest=source_id)
    hits = [
        {"rule": rule, "title": TITLES[rule], "outcome": "fail" if rule in failed else "pass",
         "points": -POINTS[rule] if rule in failed else 0, "critical": rule == PROMISE, "cites": [],
         "evidence": [{"turn": 2, "text": "你自己去营业厅", "span": [0, 7], "start": 4, "end": None}] if rule in failed else []}
        for rule in (GREETING, EXCUSE, PROMISE)
    ]
    lost = sum(POINTS[r] for r in failed)
    Scorecard.objects.create(conversation=conv, rulebook="hotline", rulebook_version="t", score=Decimal(100 - lost),
                             passed=lost < 20, critical=PROMISE in failed, data={"veto": "zero", "hits": hits})
    return conv


@pytest.fixture
def crew(cast):
    return {
        "lead": cast["manager"],
        "qa": cast["qa"],
        "qa2": User.objects.create_user(username="qa2", password="x", role="qa", full_name="质检二"),
        "qa3": User.objects.create_user(username="qa3", password="x", role="qa", full_name="质检三"),
    }


@pytest.fixture
def convs(cast):
    return {
        "A": _conversation("CAL-A", cast["agent"], [GREETING, EXCUSE]),
        "B": _conversation("CAL-B", cast["agent"], [GREETING, PROMISE]),
        "C": _conversation("CAL-C", cast["agent"], [EXCUSE]),
    }


@pytest.fixture
def session(crew, convs):
    return calibration.calibration_create(
        actor=crew["lead"], title="第48周校准", conversation_ids=[convs[k].pk for k in "ABC"],
        inspector_ids=[crew["qa"].pk, crew["qa2"].pk],
    )


def _item(session: CalibrationSession, key: str):
    return session.items.get(conversation__source_id=f"CAL-{key}")


def _answer(session, rater, key, upheld: dict[str, bool], manual=()):
    decisions = {rule: {"upheld": value} for rule, value in upheld.items()}
    return calibration.calibration_score(item=_item(session, key), actor=rater, decisions=decisions, manual=list(manual))


# Decisions (1 upheld, 0 withdrawn) on the five failed items A.greeting, A.shirk, B.greeting, B.promise, C.shirk:
#   lead 1 1 0 1 0 (and a manual 5 points on C) · qa 1 1 0 1 0 · qa2 1 0 0 0 0
@pytest.fixture
def scored(session, crew):
    lead, qa, qa2 = crew["lead"], crew["qa"], crew["qa2"]
    for rater in (lead, qa):
        _answer(session, rater, "A", {GREETING: True, EXCUSE: True})
        _answer(session, rater, "B", {GREETING: False, PROMISE: True})
    _answer(session, lead, "C", {EXCUSE: False}, manual=[{"title": "未核实机主身份", "points": 5}])
    _answer(session, qa, "C", {EXCUSE: False})
    _answer(session, qa2, "A", {GREETING: True, EXCUSE: False})
    _answer(session, qa2, "B", {GREETING: False, PROMISE: False})
    _answer(session, qa2, "C", {EXCUSE: False}, manual=[{"title": "态度冷淡", "points": 0.5}])
    return session


@pytest.mark.django_db
def test_scores_follow_the_review_rule_with_the_critical_veto(scored, crew):
    scores = {(s.rater.username, s.item.conversation.source_id): s.score for s in CalibrationScore.objects.all()}
    assert scores[("manager", "CAL-A")] == Decimal(70)  # 100 − 10 − 20
    assert scores[("manager", "CAL-B")] == Decimal(0)  # the critical promise upheld: veto
    assert scores[("manager", "CAL-C")] == Decimal(95)  # deduction withdrawn, manual 5
    assert scores[("qa2", "CAL-A")] == Decimal(90) and scores[("qa2", "CAL-B")] == Decimal(100)
    assert scores[("qa2", "CAL-C")] == Decimal("99.5")


@pytest.mark.django_db
def test_the_report_matches_agreement_computed_by_hand(scored, crew):
    session = calibration.calibration_get_for_user(pk=scored.pk, user=crew["lead"])
    report = calibration.calibration_report(session=session, user=crew["lead"])
    assert report.raters[0] == crew["lead"] and set(report.raters[1:]) == {crew["qa"], crew["qa2"]}
    by_name = {a.rater.username: a for a in report.inspectors}
    qa, qa2 = by_name["qa"], by_name["qa2"]
    assert (qa.rater, qa.decisions, qa.conversations) == (crew["qa"], 5, 3)
    assert qa.kappa == pytest.approx(1.0) and qa.agreement == pytest.approx(1.0)
    assert qa.rho == pytest.approx(1.0)  # 70, 0, 95 against 70, 0, 100: the same order
    assert qa.mad == pytest.approx(5 / 3) and not qa.drifting
    # qa2: p_o = 3/5; the lead upholds 3/5, qa2 1/5 → p_e = .6·.2 + .4·.8 = .44; κ = .16/.56 = 2/7
    assert qa2.agreement == pytest.approx(0.6) and qa2.kappa == pytest.approx(2 / 7)
    # |70 − 90| + |0 − 100| + |95 − 99.5| = 124.5 over 3
    assert qa2.mad == pytest.approx(41.5)
    # ranks 2, 1, 3 against 1, 3, 2 (90, 100, 99.5): Σd² = 1 + 4 + 1 = 6 → ρ = 1 − 36/24 = −0.5
    assert qa2.rho == pytest.approx(-0.5)
    assert qa2.drifting and len(qa2.drift) == 2
    rules = {r.rule: r for r in report.rules}
    assert rules[GREETING].title == "未使用标准问候语"
    assert (rules[GREETING].kappa, rules[GREETING].alpha) == (pytest.approx(1.0), pytest.approx(1.0))
    # shirk: pairs (1,1) (1,0) (0,0) (0,0): p_o = ¾, p_e = ½·¼ + ½·¾ = ½ → κ = ½;
    # units {1,1,0}, {0,0,0}: o_00 = 3, o_01 = o_10 = 1, o_11 = 1; n_0 = 4, n_1 = 2 → α = 1 − 5·2/16 = 0.375
    assert rules[EXCUSE].kappa == pytest.approx(0.5) and rules[EXCUSE].alpha == pytest.approx(0.375)
    assert rules[EXCUSE].conversations == 2 and rules[EXCUSE].upheld_by_lead == 1
    # promise: the lead upholds it, qa too, qa2 withdraws: κ = (½ − ½)/(1 − ½) = 0; α = 1 − 2·2/(2·1·2) = 0
    assert rules[PROMISE].kappa == pytest.approx(0.0) and rules[PROMISE].alpha == pytest.approx(0.0)
    # every decision: o_11 = 5, o_00 = 6, o_01 = o_10 = 2; n_1 = 7, n_0 = 8 → α = 1 − 14·4/112 = 0.5
    assert report.alpha == pytest.approx(0.5) and report.alpha_units == 5
    assert report.missing_reference == 0


@pytest.mark.django_db
def test_the_drift_thresholds_are_settings(scored, crew, settings):
    settings.KEFU_QA_CALIBRATION_MIN_KAPPA = 0.25
    settings.KEFU_QA_CALIBRATION_MAX_MAD = 45
    report = calibration.calibration_report(session=scored, user=crew["lead"])
    assert [a.drifting for a in report.inspectors] == [False, False]
    settings.KEFU_QA_CALIBRATION_MIN_KAPPA = 0.3
    report = calibration.calibration_report(session=scored, user=crew["lead"])
    assert {a.rater.username: a.drift for a in report.inspectors} == {"qa": [], "qa2": ["κ 低于 0.3"]}


@pytest.mark.django_db
def test_conversations_the_lead_has_not_scored_are_left_out(session, crew):
    _answer(session, crew["lead"], "A", {GREETING: True, EXCUSE: True})
    _answer(session, crew["qa"], "A", {GREETING: True, EXCUSE: False})
    _answer(session, crew["qa"], "B", {GREETING: True, PROMISE: True})  # no reference: not compared
    report = calibration.calibration_report(session=session, user=crew["lead"])
    by_name = {a.rater.username: a for a in report.inspectors}
    qa, qa2 = by_name["qa"], by_name["qa2"]
    assert (qa.decisions, qa.conversations, qa.mad) == (2, 1, pytest.approx(20.0))
    assert qa.kappa == pytest.approx(0.0)  # lead 1 1, qa 1 0: p_o = ½ = p_e
    assert qa2.kappa is None and qa2.mad is None and not qa2.drifting  # scored nothing
    assert report.missing_reference == 2


@pytest.mark.django_db
def test_the_report_takes_three_queries_however_many_answers(scored, crew, django_assert_num_queries):
    session = calibration.calibration_get_for_user(pk=scored.pk, user=crew["lead"])
    with django_assert_num_queries(3):  # inspectors, items with cards and conversations, answers
        calibration.calibration_report(session=session, user=crew["lead"])


# ---------------------------------------------------------------- rules of the session


@pytest.mark.django_db
def test_a_session_needs_conversations_inspectors_and_the_qa_lead(crew, convs):
    with pytest.raises(InvalidInput) as empty:
        calibration.calibration_create(actor=crew["lead"], title="", conversation_ids=[], inspector_ids=[])
    assert empty.value.errors == {"conversations": "请至少选择一个会话。", "inspectors": "请至少选择一名质检员。"}
    unscored = Conversation.objects.create(source_id="RAW", channel="chat", turns=[], digest="raw")
    with pytest.raises(InvalidInput) as raw:
        calibration.calibration_create(actor=crew["lead"], title="", conversation_ids=[unscored.pk],
                                       inspector_ids=[crew["qa"].pk])
    assert raw.value.errors["conversations"] == "只能选择已自动评分的会话。"
    with pytest.raises(InvalidInput) as agent:
        calibration.calibration_create(actor=crew["lead"], title="", conversation_ids=[convs["A"].pk],
                                       inspector_ids=[convs["A"].agent_id])
    assert "inspectors" in agent.value.errors
    with pytest.raises(NotAllowed, match="只有质检组长可以发起校准"):
        calibration.calibration_create(actor=crew["qa"], title="", conversation_ids=[convs["A"].pk],
                                       inspector_ids=[crew["qa2"].pk])
    session = calibration.calibration_create(actor=crew["lead"], title=" ", conversation_ids=[convs["A"].pk] * 2,
                                             inspector_ids=[crew["qa"].pk, crew["lead"].pk])
    assert session.title.startswith("校准 ") and session.items.count() == 1
    assert list(session.inspectors.all()) == [crew["qa"]]  # the lead is the reference, not an inspector


@pytest.mark.django_db
def test_a_second_answer_replaces_the_first_until_the_session_closes(session, crew):
    _answer(session, crew["qa"], "A", {GREETING: True, EXCUSE: True})
    again = _answer(session, crew["qa"], "A", {GREETING: False, EXCUSE: True})
    assert CalibrationScore.objects.filter(rater=crew["qa"]).count() == 1
    assert again.submissions == 2 and again.score == Decimal(80)
    with pytest.raises(InvalidInput, match="还差 3 个"):
        calibration.calibration_close(session=session, actor=crew["lead"])
    for key, upheld in (("A", {GREETING: True}), ("B", {}), ("C", {})):
        _answer(session, crew["lead"], key, upheld)
    with pytest.raises(NotAllowed):
        calibration.calibration_close(session=session, actor=crew["qa"])
    closed = calibration.calibration_close(session=session, actor=crew["lead"])
    assert closed.state == "closed" and closed.closed_at is not None
    with pytest.raises(InvalidInput, match="评分不能再修改"):
        _answer(session, crew["qa"], "A", {GREETING: True, EXCUSE: True})
    with pytest.raises(InvalidInput, match="已经结束"):
        calibration.calibration_close(session=session, actor=crew["lead"])
    assert CalibrationScore.objects.get(rater=crew["qa"]).score == Decimal(80)


@pytest.mark.django_db
def test_non_members_cannot_score_or_see_a_session(session, crew, cast):
    for outsider in (crew["qa3"], cast["supervisor"]):
        with pytest.raises(NotAllowed, match="你不是本次校准的参与人，不能评分"):
            _answer(session, outsider, "A", {GREETING: True})
        with pytest.raises(NotAllowed, match="你不是本次校准的参与人"):
            calibration.calibration_get_for_user(pk=session.pk, user=outsider)
    with pytest.raises(InvalidInput):
        _answer(session, crew["qa"], "A", {}, manual=[{"title": "", "points": 5}])
    with pytest.raises(InvalidInput):
        _answer(session, crew["qa"], "A", {}, manual=[{"title": "超出", "points": "NaN"}])
    assert not CalibrationScore.objects.exists()


@pytest.mark.django_db
def test_inspectors_see_the_results_only_after_closing(scored, crew):
    with pytest.raises(NotAllowed, match="结束校准后"):
        calibration.calibration_report(session=scored, user=crew["qa"])
    calibration.calibration_close(session=scored, actor=crew["lead"])
    scored.refresh_from_db()
    report = calibration.calibration_report(session=scored, user=crew["qa2"])
    assert [a.rater.username for a in report.inspectors if a.drifting] == ["qa2"]


@pytest.mark.django_db
def test_the_score_is_the_one_a_human_review_gives_the_same_decisions(cast):
    services.conversations_import(actor=cast["qa"], items=[(1, dict(GOOD))])
    reviews.sample()
    review = reviews.review_claim(review=Review.objects.get(), actor=cast["qa"])
    failed = [h["rule"] for h in review.auto_card.data["hits"] if h["outcome"] == "fail"]
    assert len(failed) >= 2
    for withdrawn in (set(), {failed[0]}, set(failed)):
        session = calibration.calibration_create(actor=cast["manager"], title="", conversation_ids=[review.conversation_id],
                                                 inspector_ids=[cast["qa"].pk])
        mine = calibration.calibration_score(
            item=session.items.get(), actor=cast["qa"],
            decisions={r: {"upheld": r not in withdrawn} for r in failed}, manual=[{"title": "未核实身份", "points": 5}],
        )
        # the review's own scoring helper, on the same withdrawals and manual item
        Review.objects.filter(pk=review.pk).update(manual=[{"title": "未核实身份", "points": 5.0}])
        card = reviews._reviewed_card(Review.objects.get(pk=review.pk), overturned=withdrawn)
        assert mine.score == card.score, withdrawn


# ---------------------------------------------------------------- the pages


@pytest.mark.django_db
def test_the_lead_sets_up_a_session_from_recently_scored_conversations(client, crew, convs):
    client.force_login(crew["lead"])
    page = client.get(reverse("quality:calibration:new")).content.decode()
    assert 'data-candidate="CAL-A"' in page and "推诿客户" in page and "质检二" in page
    refused = client.post(reverse("quality:calibration:new"), {"title": "空的"})
    assert refused.status_code == 422 and "请至少选择一个会话" in refused.content.decode()
    done = client.post(reverse("quality:calibration:new"), {
        "title": "第48周校准", "conversations": [convs["A"].pk, convs["C"].pk], "inspectors": [crew["qa"].pk],
    })
    session = CalibrationSession.objects.get()
    assert done.status_code == 302 and done["Location"] == session.get_absolute_url()
    assert [i.conversation.source_id for i in session.items.all()] == ["CAL-A", "CAL-C"]
    client.force_login(crew["qa"])
    assert client.get(reverse("quality:calibration:new")).status_code == 403


@pytest.mark.django_db
def test_inspectors_list_only_their_sessions(client, session, crew, convs):
    calibration.calibration_create(actor=crew["lead"], title="另一场", conversation_ids=[convs["A"].pk],
                                   inspector_ids=[crew["qa3"].pk])
    client.force_login(crew["qa"])
    page = client.get(reverse("quality:calibration:list")).content.decode()
    assert 'data-session="第48周校准"' in page and "另一场" not in page and "data-new-session" not in page
    client.force_login(crew["lead"])
    page = client.get(reverse("quality:calibration:list")).content.decode()
    assert "第48周校准" in page and "另一场" in page and "data-new-session" in page


@pytest.mark.django_db
def test_scoring_on_the_page_is_blind_and_replaceable(client, session, crew):
    item_a, item_b = _item(session, "A"), _item(session, "B")
    url = reverse("quality:calibration:score", args=[session.pk, item_a.pk])
    _answer(session, crew["qa2"], "A", {GREETING: False, EXCUSE: False}, manual=[{"title": "态度冷淡", "points": 3}])

    client.force_login(crew["qa"])
    page = client.get(url).content.decode()
    assert "data-score-form" in page and "未使用标准问候语" in page and "维持扣分" in page
    assert "态度冷淡" not in page and GREETING not in page.replace(f'name="decision_{GREETING}"', "").replace(
        f'name="comment_{GREETING}"', "")  # the rule id only in field names, never shown
    done = client.post(url, {f"decision_{GREETING}": "withdraw", f"decision_{EXCUSE}": "uphold",
                             "manual_title_0": "未核实身份", "manual_points_0": "5"})
    assert done["Location"] == reverse("quality:calibration:score", args=[session.pk, item_b.pk])  # the next one
    assert CalibrationScore.objects.get(rater=crew["qa"]).score == Decimal(75)
    client.post(url, {f"decision_{GREETING}": "uphold", f"decision_{EXCUSE}": "uphold"})
    answer = CalibrationScore.objects.get(rater=crew["qa"])
    assert (answer.score, answer.submissions, answer.manual) == (Decimal(70), 2, [])
    bad = client.post(url, {"manual_title_0": "", "manual_points_0": "500"})
    assert bad.status_code == 422 and "人工扣分项需要名称和 0–100 的分值" in bad.content.decode()
    page = client.get(session.get_absolute_url()).content.decode()
    assert "data-my-score" in page and "态度冷淡" not in page and "data-close-form" not in page
    assert "data-report-link" not in page
    assert client.get(reverse("quality:calibration:report", args=[session.pk])).status_code == 403
    assert client.post(reverse("quality:calibration:close", args=[session.pk])).status_code == 403


@pytest.mark.django_db
def test_a_non_member_is_refused_in_chinese(client, session, crew):
    item = _item(session, "A")
    client.force_login(crew["qa3"])
    refused = client.post(reverse("quality:calibration:score", args=[session.pk, item.pk]), {})
    assert refused.status_code == 403 and "你不是本次校准的参与人" in refused.content.decode()
    assert client.get(session.get_absolute_url()).status_code == 403
    assert not CalibrationScore.objects.exists()


@pytest.mark.django_db
def test_closing_shows_everyone_the_report_and_freezes_the_answers(client, scored, crew):
    url = reverse("quality:calibration:score", args=[scored.pk, _item(scored, "A").pk])
    client.force_login(crew["lead"])
    page = client.get(scored.get_absolute_url()).content.decode()
    assert 'data-progress="qa2"' in page and "3 / 3" in page and "data-close-form" in page
    report = client.get(reverse("quality:calibration:report", args=[scored.pk])).content.decode()
    assert "data-still-open" in report and 'data-inspector="qa2" data-drift' in report
    assert 'data-inspector="qa" data-drift' not in report
    closed = client.post(reverse("quality:calibration:close", args=[scored.pk]), follow=True)
    assert "校准已结束" in closed.content.decode()

    client.force_login(crew["qa"])
    refused = client.post(url, {f"decision_{GREETING}": "withdraw"}, follow=True).content.decode()
    assert "评分不能再修改" in refused and "data-score-form" not in refused and "data-closed" in refused
    assert CalibrationScore.objects.get(rater=crew["qa"], item__conversation__source_id="CAL-A").score == Decimal(70)
    report = client.get(reverse("quality:calibration:report", args=[scored.pk])).content.decode()
    assert "偏离" in report and "态度冷淡" in report and "推诿客户" in report and "data-still-open" not in report
    assert GREETING not in report and EXCUSE not in report  # rule titles, never ids
    assert '<td data-kappa>0.286</td>' in report and '<td data-mad>41.5 分</td>' in report and "0.500" in report


def test_the_report_page_says_what_each_figure_means_and_whether_alpha_is_good_enough(client, scored, crew):
    client.force_login(crew["lead"])
    html = client.get(reverse("quality:calibration:report", args=[scored.pk])).content.decode()
    # α 0.5 on this session (see above): below Krippendorff's 0.667, so not reliable
    assert "不可靠：需要对照规则讨论" in html and "0.80 及以上为可靠" in html
    assert "与随机判定无异" in html and "高低顺序" in html and "满分 100" in html
    mad = html[html.index('data-inspector="qa2"'):]
    mad = mad[mad.index("data-mad>"):]
    assert mad.startswith("data-mad>") and " 分</td>" in mad[:40]
