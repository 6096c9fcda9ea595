"""The question bank: its size and norm coverage, validation with file:line errors, explained grading."""

from __future__ import annotations

import pytest

from kefu.qa.norms import load_norms
from kefu.training import bank, grading
from kefu.training.bank import BankError, parse_bank


def test_the_bank_has_at_least_150_items_each_citing_norms():
    items = bank.load_items()
    assert len(items) >= 150
    assert all(item.norm_ids for item in items)
    assert {i.kind for i in items} == {"single", "multiple", "truefalse", "open"}


def test_every_norm_marked_for_training_is_exercised_by_an_item():
    training_norms = {norm for norm, marks in load_norms().items() if "T" in marks}
    cited = {norm for item in bank.load_items() for norm in item.norm_ids}
    assert training_norms - cited == set()


def test_every_open_items_model_answer_earns_full_marks():
    for item in bank.load_items():
        if item.kind == "open":
            result = grading.grade(item, item.model)
            assert result.correct, (item.id, [ln.text for ln in result.lines if not ln.ok])


def test_a_bad_file_is_reported_with_its_line():
    text = "category: x\nlabel: 测试\nitems:\n  - id: a\n    kind: single\n    cites: [no.such.norm]\n"
    with pytest.raises(BankError, match=r"^bank/x.yaml:4: a: 'no.such.norm' is not a NORMS.md id"):
        parse_bank(text, "bank/x.yaml")
    text = "category: x\nlabel: 测试\nitems:\n  - id: a\n    kind: single\n    cites: [counter.greet]\n" \
           "    question: 问\n    explain: 因为\n    options: [甲, 乙]\n    answer: 5\n"
    with pytest.raises(BankError, match=r"^bank/x.yaml:4: .*option index from 0 to 1"):
        parse_bank(text, "bank/x.yaml")
    with pytest.raises(BankError, match=r"^bank/x.yaml:2: "):
        parse_bank("category: x\nlabel: a: b\nitems: []\n", "bank/x.yaml")


def _open_item() -> bank.Item:
    item = bank.get_item("counter.busy_internal.say")
    assert item is not None
    return item


def test_an_open_answer_meeting_every_requirement_is_right_and_says_why():
    result = grading.grade(_open_item(), "您好，请您稍等，我马上为您办理。")
    assert result.correct and result.score == 1.0
    assert any("做到了" in ln.text and "您好" in ln.text for ln in result.lines)


def test_an_open_answer_missing_a_requirement_gets_partial_credit_and_an_example():
    result = grading.grade(_open_item(), "请您稍等，马上就好。")
    assert not result.correct and result.score == 0.5
    assert any(not ln.ok and "没有做到" in ln.text for ln in result.lines)


def test_an_open_answer_with_a_forbidden_phrase_scores_nothing_and_gets_the_better_phrase():
    result = grading.grade(_open_item(), "您好，我马上办，急什么，等着吧")
    assert result.score == 0.0 and not result.correct
    assert any("服务忌语" in ln.text and "更好的说法" in ln.text for ln in result.lines)


def test_traditional_chinese_answers_are_graded_like_simplified():
    assert grading.grade(_open_item(), "您好，請您稍等，我馬上為您辦理。").correct


def test_choice_answers_name_the_right_option():
    item = bank.get_item("counter.seven_steps.order")
    assert item is not None
    result = grading.grade(item, 0)
    assert not result.correct and "正确答案：“一笑、二点、三请坐、四确认、五办理、六评价、七相送”" in result.lines[0].text


def test_each_sitting_shows_choices_in_its_own_order_the_same_on_reload():
    item = bank.get_item("counter.seven_steps.order")
    assert item is not None
    orders = {tuple(grading.option_order(item, seed)) for seed in range(20)}
    assert len(orders) > 1 and all(sorted(o) == [0, 1, 2, 3] for o in orders)
    assert grading.option_order(item, 7) == grading.option_order(item, 7)
