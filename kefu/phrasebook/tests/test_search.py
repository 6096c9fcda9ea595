"""Search quality on the measured situation set, plus the search behaviours agents rely on."""

from __future__ import annotations

from pathlib import Path

import yaml

from kefu.phrasebook import builtin_library
from kefu.phrasebook.search import SearchIndex, initials

CASES = yaml.safe_load((Path(__file__).parent / "search_cases.yaml").read_text(encoding="utf-8"))


def _ranks() -> list[tuple[str, str, list[str]]]:
    library = builtin_library()
    return [
        (c["query"], c["expect"], [h.entry.id for h in library.search(c["query"], limit=3)]) for c in CASES
    ]


def test_the_measured_set_is_large_enough_and_names_real_entries() -> None:
    library = builtin_library()
    assert len(CASES) >= 60
    assert [c["expect"] for c in CASES if library.get(c["expect"]) is None] == []


def test_the_right_entry_is_first_for_at_least_90_percent_and_in_the_top_three_for_all() -> None:
    ranks = _ranks()
    first = sum(1 for _, expect, ids in ranks if ids and ids[0] == expect)
    outside_top3 = [(query, expect, ids) for query, expect, ids in ranks if expect not in ids]
    assert outside_top3 == []
    assert first / len(ranks) >= 0.90, f"top-1 {first}/{len(ranks)}"


def test_traditional_input_finds_the_simplified_entry() -> None:
    hits = builtin_library().search("要求查詢一年之前的詳單", limit=1)
    assert hits[0].entry.id == "reg.bill_retention"


def test_pinyin_initials_find_the_entry() -> None:
    hits = builtin_library().search("hfcx", limit=3)
    assert hits[0].entry.id == "consult.bill_query"
    assert hits[0].via == "pinyin"


def test_initials_keep_ascii_and_drop_punctuation() -> None:
    assert initials("话费查询") == "hfcx"
    assert initials("3F法：感受") == "3ffgs"


def test_kinds_filter_restricts_results() -> None:
    hits = builtin_library().search("号码停机超过90天", kinds=["script"])
    assert hits and all(h.entry.kind == "script" for h in hits)


def test_an_unrelated_query_returns_nothing() -> None:
    assert builtin_library().search("zzzz") == []
    assert builtin_library().search("") == []


def test_an_empty_index_answers_without_error() -> None:
    assert SearchIndex([]).search("话费") == []
