from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kefu.qa.norms import SHIPPED, coverage, parse_norms, r_ids
from kefu.qa.rulebook import (
    RulebookError,
    builtin_names,
    check_rulebook,
    check_rulebook_data,
    compile_rulebook,
    content_version,
    default_rulebooks,
    load_rulebook,
)


def rule(**over: object) -> dict[str, object]:
    base: dict[str, object] = {"id": "x.y", "title": "标题", "category": "skill", "points": 5, "cites": ["skill.ask"], "detect": {"phrases": ["您好"]}}
    base.update(over)
    return base


def book(*rules: dict[str, object], **over: object) -> dict[str, object]:
    data: dict[str, object] = {"name": "mine", "rules": list(rules)}
    data.update(over)
    return data


def test_a_valid_rulebook_has_no_errors() -> None:
    assert check_rulebook_data(book(rule())) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (book(rule(points=0)), "rules[0].points: is required: an integer 1…100"),
        (book(rule(category="misc")), "rules[0].category: must be one of"),
        (book(rule(cites=["no.such.norm"])), "rules[0].cites[0]: unknown norm id 'no.such.norm'"),
        (book(rule(cites=[])), "rules[0].cites: is required"),
        (book(rule(detect={"phrases": []})), "rules[0].detect.phrases: must be a non-empty list"),
        (book(rule(detect={"phrases": ["a"], "regex": "b"})), "rules[0].detect: a condition needs exactly one operator"),
        (book(rule(detect={"regex": "(unclosed"})), "rules[0].detect.regex: invalid regular expression"),
        (book(rule(detect={"phrases": ["a"], "mode": "at_least"})), "rules[0].detect.n: is required with mode at_least"),
        (book(rule(detect={"phrases": ["a"], "speakr": "agent"})), "rules[0].detect.speakr: unknown field"),
        (book(rule(detect={"all_of": [{"phrases": ["a"]}, {"not": {"regex": "["}}]})), "rules[0].detect.all_of[1].not.regex: invalid"),
        (book(rule(detect={"ref": "nothing"})), "rules[0].detect.ref: unknown definition 'nothing'"),
        (book(rule(detect={"phrases": ["@nope"]})), "rules[0].detect.phrases[0]: unknown phrase set '@nope'"),
        (book(rule(detect={"near": {"anchor": {"phrases": ["a"]}, "relation": "during"}})), "rules[0].detect.near.target: is required"),
        (book(rule(detect={"silence": {"min_seconds": 5}})), "rules[0].detect.silence.announce: is required"),
        (book(rule(detect={"speech_rate": {"speaker": "agent"}})), "rules[0].detect.speech_rate: needs max_cpm or min_cpm"),
        (book(rule(detect={"emotion": {"speaker": "boss", "below": 1}})), "rules[0].detect.emotion.speaker: must be one of"),
        (book(rule(), rule()), "rules[1].id: duplicate rule id 'x.y'"),
        (book(rule(), name="Bad Name"), "name: is required"),
        ({"name": "x"}, "rules: is required"),
        (book(rule(), defs={"a": {"ref": "b"}, "b": {"ref": "a"}}), "defs.a: circular reference: a → b → a"),
    ],
)
def test_errors_name_the_offending_field(data: dict[str, object], expected: str) -> None:
    errors = check_rulebook_data(data)
    assert any(e.startswith(expected) for e in errors), errors


def test_every_error_is_reported_not_just_the_first() -> None:
    errors = check_rulebook_data(book(rule(points=0, category="misc", cites=["nope"])))
    assert len(errors) == 3


def test_compile_raises_with_all_errors() -> None:
    with pytest.raises(RulebookError) as info:
        compile_rulebook(book(rule(points=0)), "mine.yaml")
    assert "mine.yaml" in str(info.value) and "points" in str(info.value)


def test_check_rulebook_file_reports_yaml_syntax_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nrules: [\n  - id: a\n", encoding="utf-8")
    errors = check_rulebook(path)
    assert len(errors) == 1 and errors[0].startswith("(yaml) line")


def test_an_operator_rulebook_can_include_the_common_phrase_sets(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\ninclude: [_common]\nrules:\n  - id: a.b\n    title: 道歉\n    category: attitude\n    points: 3\n"
        "    cites: [complaint.ten_wrong]\n    detect: {phrases: ['@apology'], speaker: agent}\n",
        encoding="utf-8",
    )
    assert check_rulebook(path) == []
    assert load_rulebook(str(path)).rules[0].id == "a.b"


def test_builtin_rulebooks_load_and_are_listed() -> None:
    names = builtin_names()
    assert {"hotline", "chat", "complaint", "appointment"} <= set(names)
    assert not [n for n in names if n.startswith("_")]
    for name in names:
        assert load_rulebook(name).rules


def test_builtin_rulebooks_cover_at_least_80_percent_of_r_marked_norms() -> None:
    cited: set[str] = set()
    for name in builtin_names():
        cited |= load_rulebook(name).cites
    ratio, _covered, missing = coverage(cited)
    assert ratio >= 0.8, missing


def test_norms_parser_reads_ids_and_codes() -> None:
    text = "| id | norm | as |\n|---|---|---|\n| phone.open.no_wei | Never open with 喂 (003) | R |\n| skill.praise | Praise | S T |\n"
    assert parse_norms(text) == {"phone.open.no_wei": ["R"], "skill.praise": ["S", "T"]}


def test_shipped_norm_ids_exist_and_include_r_ids() -> None:
    assert SHIPPED.exists()
    assert "phone.open.no_wei" in r_ids()


# --- version: a content hash ---------------------------------------------------------------

CHANNEL = """name: mine
channels: [mine]
include: [_frag]
rules:
  - id: a.b
    title: 道歉
    category: attitude
    points: {points}
    cites: [complaint.ten_wrong]
    detect: {{phrases: ["@sorry"], speaker: agent}}
"""
FRAGMENT = "phrase_sets:\n  sorry: [{phrase}]\n"
ADDED = """name: extra
applies_when: {{phrases: [投诉], speaker: customer}}
compose: {{into: [mine], weight: {weight}}}
rules:
  - id: c.d
    title: 记录
    category: complaint
    points: 2
    cites: [complaint.ten_wrong]
    detect: {{phrases: [记录], speaker: agent}}
"""


def rulebook_dir(tmp_path: Path, name: str, points: int = 3, phrase: str = "抱歉", weight: int = 25) -> Path:
    """A channel rulebook including a fragment, and one added to it, in a directory of their own
    (load_rulebook caches by path)."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "mine.yaml").write_text(CHANNEL.format(points=points), encoding="utf-8")
    (folder / "_frag.yaml").write_text(FRAGMENT.format(phrase=phrase), encoding="utf-8")
    (folder / "extra.yaml").write_text(ADDED.format(weight=weight), encoding="utf-8")
    return folder


def versions(folder: Path) -> tuple[str, str]:
    alone = load_rulebook(str(folder / "mine.yaml"))
    composed = load_rulebook(f"{folder / 'mine.yaml'}+{folder / 'extra.yaml'}")
    assert alone.id == "mine" and composed.id == "mine+extra"
    return alone.version, composed.version


def test_a_rulebook_version_is_the_same_for_the_same_content(tmp_path: Path) -> None:
    first, second = versions(rulebook_dir(tmp_path, "a")), versions(rulebook_dir(tmp_path, "b"))
    assert first == second
    assert len(set(first)) == 2 and all(len(v) == 16 for v in first)


@pytest.mark.parametrize(
    ("change", "alone_changes"),
    [({"points": 4}, True), ({"phrase": "对不起"}, True), ({"weight": 30}, False)],
    ids=["a rule's points", "a phrase in an included fragment", "an added rulebook's weight"],
)
def test_a_rulebook_version_changes_with_its_content(tmp_path: Path, change: dict[str, Any], alone_changes: bool) -> None:
    before = versions(rulebook_dir(tmp_path, "before"))
    after = versions(rulebook_dir(tmp_path, "after", **change))
    assert (after[0] != before[0]) is alone_changes
    assert after[1] != before[1]


def test_builtin_versions_are_the_same_in_every_process() -> None:
    # A workbench stores the version with a scorecard: another worker, with
    # another hash seed, must name the same rulebook the same way.
    import os
    import subprocess
    import sys

    code = ("from kefu.qa.rulebook import builtin_names, default_rulebooks, load_rulebook\n"
            "print(sorted((b.id, b.version) for b in [*map(load_rulebook, builtin_names()), *default_rulebooks()]))")
    outs = {
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                       capture_output=True, text=True, check=True).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1
    here = sorted((b.id, b.version) for b in [*map(load_rulebook, builtin_names()), *default_rulebooks()])
    assert outs == {f"{here}\n"}


def test_content_version_ignores_key_order_but_not_values() -> None:
    assert content_version({"a": 1, "b": [1, 2]}) == content_version({"b": [1, 2], "a": 1})
    assert content_version({"a": 1, "b": [1, 2]}) != content_version({"a": 1, "b": [2, 1]})
    assert content_version({"a": 1}) != content_version({"a": 1.5})


# --- scoring: weights and vetoes are data --------------------------------------------------


def test_scoring_veto_must_be_known() -> None:
    errors = check_rulebook_data(book(rule(), scoring={"veto": "halve", "bonus": 1}))
    assert "scoring.veto: must be one of zero, fail, got 'halve'" in errors
    assert any(e.startswith("scoring.bonus: unknown field") for e in errors)
    assert check_rulebook_data(book(rule(), scoring="zero")) == ["scoring: must be a mapping such as {veto: zero}"]


def test_rulebooks_veto_by_zeroing_unless_they_say_otherwise() -> None:
    assert {load_rulebook(name).veto for name in builtin_names()} == {"zero"}
    assert compile_rulebook(book(rule())).veto == "zero"
    assert compile_rulebook(book(rule(), scoring={"veto": "fail"})).veto == "fail"


def test_composed_rulebooks_must_veto_alike(tmp_path: Path) -> None:
    folder = rulebook_dir(tmp_path, "veto")
    extra = folder / "extra.yaml"
    extra.write_text(extra.read_text(encoding="utf-8") + "scoring: {veto: fail}\n", encoding="utf-8")
    with pytest.raises(RulebookError, match=r"scoring\.veto: 'fail' here, 'zero' in"):
        load_rulebook(f"{folder / 'mine.yaml'}+{extra}")
