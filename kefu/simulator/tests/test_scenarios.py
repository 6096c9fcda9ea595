"""The scenario schema, loader and the built-in set."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.simulator import (
    CATEGORIES,
    COMPLAINERS,
    PERSONAS,
    Goal,
    ScenarioError,
    UnknownScenario,
    get_scenario,
    load_scenarios,
    parse_scenario,
)
from kefu.simulator.loader import BUILTIN_DIR

MINIMAL = """\
id: test.minimal
title: 测试场景
category: case
difficulty: 2
norm_ids: [complaint.cases]
persona: dove
summary: 客户来电。
opening: [你好。]
remedies:
  - {id: fix, title: 修好, say: 今天修好, cues: [今天修好]}
mood: {anger: 50, patience: 60, trust: 40}
goals:
  - {id: empathy, title: 表达理解, norm_ids: [skill.empathy], check: {made: empathy}}
"""


def test_at_least_forty_scenarios_cover_every_category_persona_and_difficult_type() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) >= 40
    assert {s.category for s in scenarios} == set(CATEGORIES)
    assert {s.persona for s in scenarios if s.category == "persona"} == set(PERSONAS)
    assert {s.complainer for s in scenarios if s.category == "difficult"} == set(COMPLAINERS)
    assert len({s.id for s in scenarios}) == len(scenarios)


def test_every_case_the_seeds_name_is_a_scenario() -> None:
    ids = {s.id for s in load_scenarios()}
    named = {
        "case.bank_deduction", "case.usage_doubt", "case.rude_collector", "case.outage_damage",
        "case.repair_overtime", "case.door_banging", "case.number_validity", "case.topup_validity",
        "case.dropped_calls", "case.hotline_unreachable", "case.old_itemised_bill", "case.real_name",
    }
    assert named <= ids
    counter = {"counter.busy_internal", "counter.long_wait", "counter.form_error", "counter.not_my_post"}
    assert counter <= ids


def test_every_scenario_cites_known_norms_and_reads_back_equal_from_its_yaml() -> None:
    from kefu.qa.norms import all_norm_ids

    known = all_norm_ids()
    for scenario in load_scenarios():
        assert scenario.norm_ids and set(scenario.all_norm_ids()) <= known, scenario.id
        assert all(isinstance(g, Goal) and g.norm_ids for g in scenario.goals)
        again = parse_scenario(scenario.to_yaml(), "again")
        assert again.to_dict() == scenario.to_dict()
        assert again.remedies == scenario.remedies and again.facts == scenario.facts


def test_the_summary_and_labels_a_trainee_reads_are_chinese() -> None:
    scenario = get_scenario("difficult.emotional")
    assert scenario.category_label == "难应付的投诉者"
    assert scenario.complainer_label == "感情用事者" and scenario.persona_label == "鸽子型"
    assert scenario.summary.startswith("冯女士")


def test_an_unknown_id_is_a_key_error_with_a_chinese_message() -> None:
    with pytest.raises(UnknownScenario) as caught:
        get_scenario("no.such")
    assert isinstance(caught.value, KeyError)
    assert "no.such" in caught.value.message and "陪练场景" in caught.value.message


def test_a_minimal_scenario_parses_with_defaults() -> None:
    scenario = parse_scenario(MINIMAL, "upload.yaml")
    assert scenario.channel == "hotline" and scenario.accept_anger == 50
    assert scenario.source == "upload.yaml"


@pytest.mark.parametrize(
    ("change", "line", "chinese", "english"),
    [
        (("difficulty: 2", "difficulty: 5"), 4, "1 到 3 的整数", "integer from 1 to 3"),
        (("category: case", "category: party"), 3, "须为以下之一", "must be one of"),
        (("norm_ids: [complaint.cases]", "norm_ids: [complaint.nope]"), 5, "未知的规范编号", "unknown norm id"),
        (("persona: dove", "persona: dove\ncolour: red"), 7, "未知字段", "unknown field"),
        (("check: {made: empathy}", "check: {made: dancing}"), 13, "未知的学员动作", "unknown trainee move"),
        (("check: {made: empathy}", "check: {asked: secret}"), 13, "隐藏事实", "no hidden fact"),
        (("title: 测试场景\n", ""), 1, "必填", "required"),
    ],
)
def test_errors_say_the_line_and_what_is_wrong_in_chinese_and_english(
    change: tuple[str, str], line: int, chinese: str, english: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(MINIMAL.replace(*change), "upload.yaml")
    error = caught.value
    assert error.line == line, error.problems
    assert chinese in error.message and english in error.message_en
    assert f"upload.yaml:{line}:" in str(error)
    assert error.messages()[0].startswith(f"第{line}行")


def test_bad_yaml_and_a_non_mapping_are_errors_too() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("id: [unclosed\n", "x.yaml")
    assert "不是有效的 YAML" in caught.value.message
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("- just a list\n", "x.yaml")
    assert caught.value.line == 1


def test_every_problem_is_reported_at_once() -> None:
    text = MINIMAL.replace("difficulty: 2", "difficulty: 0").replace("persona: dove", "persona: eagle")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "x.yaml")
    assert [p.line for p in caught.value.problems] == [4, 6]


def test_operator_directories_add_scenarios_and_a_clash_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "_notes.yaml").write_text("not: a scenario\n", encoding="utf-8")
    ids = {s.id for s in load_scenarios([tmp_path])}
    assert "test.minimal" in ids and "case.bank_deduction" in ids
    assert get_scenario("test.minimal", [tmp_path]).title == "测试场景"
    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / "bank.yaml").write_text((BUILTIN_DIR / "case_bank_deduction.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenarios([clash])
    assert "重复" in caught.value.message


def test_the_simulator_imports_nothing_from_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys, kefu.simulator, kefu.simulator.cli, kefu.simulator.report;"
        "s = kefu.simulator.Session.start(kefu.simulator.get_scenario('case.bank_deduction'), 0);"
        "s.say('您好'); s.report();"
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')];"
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_every_scenario_has_varied_lines_of_its_own() -> None:
    for scenario in load_scenarios():
        assert len(scenario.opening) >= 2, scenario.id
        assert len(scenario.lines) >= 2, scenario.id


@pytest.mark.parametrize("line", ["我要{退款", "我是{nobody}", "{0}"])
def test_a_customer_line_may_only_use_the_known_placeholders(line: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(MINIMAL + f"lines:\n  push: ['{line}']\n", "x.yaml")
    assert caught.value.line == 15 and "占位符" in caught.value.message


def test_a_yaml_bomb_or_deep_nesting_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(bomb, "bomb.yaml")
    assert "过于复杂" in caught.value.message
    with pytest.raises(ScenarioError):
        parse_scenario("a: " + "[" * 200 + "]" * 200 + "\n", "deep.yaml")
    with pytest.raises(ScenarioError):
        parse_scenario("[" * 5_000, "deeper.yaml")


def test_a_scenario_written_in_traditional_chinese_is_read_as_simplified() -> None:
    scenario = parse_scenario(MINIMAL.replace("title: 测试场景", "title: 營業廳測試場景").replace("summary: 客户来电。", "summary: 客戶來電投訴。"), "t.yaml")
    assert scenario.title == "营业厅测试场景" and scenario.summary == "客户来电投诉。"
