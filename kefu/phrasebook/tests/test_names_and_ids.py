"""Norms by Chinese name, ids made from Chinese titles, and problems with a code a UI can translate."""

from __future__ import annotations

import re

from kefu.phrasebook.norms import known_norm_ids, norm_name, norm_names, norm_sections
from kefu.phrasebook.schema import ID_PATTERN, MESSAGES, new_entry_id, validate_entry

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_norm_has_a_chinese_name_in_a_section() -> None:
    assert set(norm_names()) == set(known_norm_ids())
    assert all(CJK.search(name) for name in norm_names().values())
    assert all(CJK.search(section) for section, _norms in norm_sections())
    assert norm_name("complaint.deescalate") == "转怒为喜五步话术"


def test_an_id_is_made_from_a_chinese_title() -> None:
    taken: set[str] = set()
    first = new_entry_id("script", "宽带掉线安抚", taken.__contains__)
    taken.add(first)
    second = new_entry_id("script", "宽带掉线安抚", taken.__contains__)
    assert (first, second) == ("script.kuan_dai_diao_xian_an_fu", "script.kuan_dai_diao_xian_an_fu_2")
    assert new_entry_id("fact", "12300 申訴 VIP", lambda _id: False) == "fact.12300_shen_su_vip"
    assert new_entry_id("script", "！？", lambda _id: False) == "script.entry"
    assert all(ID_PATTERN.match(i) for i in (first, second))


def test_problems_carry_a_code_and_the_english_message_for_the_command_line() -> None:
    _entry, problems = validate_entry(
        {"id": "a.b", "kind": "script", "cites": ["no.such"]}, source="t.yaml", position=1
    )
    by_field = {p.field: p for p in problems}
    assert by_field["cites"].code == "unknown_norm" and by_field["cites"].params == {"norm": "no.such"}
    assert by_field["cites"].message == "unknown norm id 'no.such' (see NORMS.md)"
    assert by_field["title"].code == "required"
    assert {p.code for p in problems} <= set(MESSAGES)


def test_keys_that_are_not_text_are_reported_not_a_crash() -> None:
    _entry, problems = validate_entry({"id": "a.b", 1: "x", None: "y"}, source="t.yaml", position=1)
    assert {p.field for p in problems if p.code == "unknown_field"} == {"1", "None"}
