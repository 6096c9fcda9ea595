"""Properties that hold for any input: search and assist never fail, and script variants agree."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.lib.textnorm import to_simplified
from kefu.phrasebook import builtin_library
from kefu.phrasebook.assist import assist, draft_warnings

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
TEXT = st.text(alphabet=st.one_of(CJK, st.characters(codec="utf-8")), max_size=40)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_search_answers_any_text_with_sorted_scores(query: str) -> None:
    hits = builtin_library().search(query, limit=5)
    assert len(hits) <= 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@FAST
@given(st.sampled_from([e for e in builtin_library() if e.situations]))
def test_an_entry_is_found_by_its_own_title_in_the_top_three(entry) -> None:  # type: ignore[no-untyped-def]
    ids = [h.entry.id for h in builtin_library().search(entry.title, limit=3)]
    assert entry.id in ids


@FAST
@given(st.lists(st.tuples(st.sampled_from(["customer", "agent", "system"]), TEXT), max_size=6), TEXT)
def test_assist_answers_any_conversation(turns: list[tuple[str, str]], draft: str) -> None:
    result = assist([{"speaker": s, "text": t} for s, t in turns], draft=draft)
    assert len(result.suggestions) <= 3
    assert all(w.better for w in result.warnings)


@FAST
@given(st.sampled_from(["這不歸我們管", "我保證今天一定修好", "你聽不懂嗎", "誰讓你不看短信"]))
def test_traditional_drafts_are_warned_like_simplified_ones(draft: str) -> None:
    traditional = {w.risk for w in draft_warnings(draft)}
    simplified = {w.risk for w in draft_warnings(to_simplified(draft))}
    assert traditional == simplified and traditional
