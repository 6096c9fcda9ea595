"""A draft scenario from a reviewed complaint."""

from __future__ import annotations

from kefu.simulator import Session, draft_from_complaint, parse_scenario


def test_a_reviewed_complaint_becomes_a_draft_the_trainer_can_publish() -> None:
    text = draft_from_complaint({
        "id": 812,
        "summary": "客户反映宽带连续三天断网，多次报修无人上门",
        "cause": "片区维护员请假，工单未转派",
        "demands": "尽快修好，减免断网期间费用",
        "complainer_type": "感情用事者",
        "remedy": "今天下午派维护员上门修复并减免三天费用",
        "category": "故障",
    })
    assert text.startswith("# ")
    scenario = parse_scenario(text, "draft.yaml")
    assert scenario.complainer == "emotional" and scenario.category == "difficult"
    assert scenario.demands == ("尽快修好", "减免断网期间费用")
    assert "工单未转派" in scenario.facts[0].reveal[0]
    assert scenario.remedies[0].say.startswith("今天下午派维护员")
    assert "故障" in scenario.summary
    # The draft is playable as it stands.
    session = Session.start(scenario, 0)
    assert session.transcript[0].text.startswith("我要投诉")


def test_an_incomplete_or_traditional_complaint_still_gives_a_valid_draft() -> None:
    scenario = parse_scenario(draft_from_complaint({"summary": "營業員態度很差"}), "d.yaml")
    assert scenario.summary.startswith("营业员态度很差")
    assert scenario.category == "case" and scenario.remedies
    assert parse_scenario(draft_from_complaint({}), "e.yaml").title


def test_the_complaint_records_own_complainer_spellings_are_understood() -> None:
    for given, expected in (("abuses_justice", "justice"), ("well_prepared", "prepared"), ("connected", "connected"), ("", None)):
        scenario = parse_scenario(draft_from_complaint({"id": "TS-2026-0001", "summary": "投诉", "complainer_type": given}), "d.yaml")
        assert scenario.complainer == expected
        assert scenario.id == "draft.ts_2026_0001"
