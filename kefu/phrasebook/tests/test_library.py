"""The built-in library: it loads, it covers every S/K norm, and entries are complete."""

from __future__ import annotations

from kefu.phrasebook import builtin_library
from kefu.phrasebook.norms import known_norm_ids, script_or_knowledge_ids


def test_every_script_or_knowledge_norm_is_cited_by_an_entry() -> None:
    cited = builtin_library().cited_norms()
    assert sorted(set(script_or_knowledge_ids()) - cited) == []


def test_the_issue_names_are_entries() -> None:
    library = builtin_library()
    named = [
        "complaint.deescalate",
        "technique.sandwich",
        "technique.understanding",
        "technique.3f",
        "technique.guided_inquiry",
        "technique.7plus1",
        "technique.empathy_method",
        "phone.open.time_greeting",
        "persona.dove",
        "persona.peacock",
        "persona.tiger",
        "persona.owl",
        "harass.terminate",
    ]
    assert [name for name in named if library.get(name) is None] == []
    assert len(library.of_kind("phrase")) == 10
    assert len(library.of_kind("complainer")) == 6
    assert {e.id for e in library.of_kind("fact")} == {n for n in known_norm_ids() if n.startswith("reg.")}


def test_every_counter_situation_of_the_seeds_has_a_script() -> None:
    ids = {e.id for e in builtin_library().of_kind("script")}
    for needed in (
        "counter.busy_internal",
        "counter.long_wait",
        "counter.form_error",
        "counter.not_my_post",
        "counter.noise_quiet.silent",
        "counter.noise_quiet.noise",
        "counter.noise_quiet.cannot_hear",
        "counter.noise_quiet.equipment_down",
    ):
        assert needed in ids


def test_forbidden_entries_each_offer_an_alternative_free_of_forbidden_phrases() -> None:
    library = builtin_library()
    phrases = [p.lstrip("^") for e in library.of_kind("forbidden") for p in e.phrases]
    for entry in library.of_kind("forbidden"):
        assert entry.alternative
        assert [p for p in phrases if p in entry.alternative] == [], entry.id


def test_library_content_is_simplified_chinese() -> None:
    from kefu.lib.textnorm import to_simplified

    for entry in builtin_library():
        assert to_simplified(entry.text) == entry.text, entry.id
        assert to_simplified(entry.example) == entry.example, entry.id
